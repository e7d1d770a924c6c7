"""TLS towards the upstreams: always verified, with extra CAs where the operator adds them.

Verification is never turned off. An upstream with a certificate from a private CA is
reached by trusting that CA: ``CAREERGATE_UPSTREAM_CA_FILE`` for every upstream, or a
deployment's ``ca_file`` for that one only. Both add to the system's trust store rather
than replace it, so that adding an internal CA cannot make OpenAI's own certificate
untrusted.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from pathlib import Path

from careergate.config.deployments import ConfigError, DeploymentConfig


def _context(ca_files: Iterable[Path]) -> ssl.SSLContext:
    context = ssl.create_default_context()
    for path in ca_files:
        try:
            context.load_verify_locations(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load the CA file {path}: {exc}") from exc
    return context


class UpstreamTls:
    """The verifying TLS context of each deployment (built once, at start)."""

    def __init__(self, ca_file: Path | None, deployments: Iterable[DeploymentConfig]) -> None:
        shared = [ca_file] if ca_file is not None else []
        self.default = _context(shared)
        self._own = {
            d.name: _context([*shared, d.ca_file]) for d in deployments if d.ca_file is not None
        }

    def context(self, deployment: str) -> ssl.SSLContext:
        """The deployment's own context, else the shared one."""
        return self._own.get(deployment, self.default)
