"""Whether a server can listen where it is asked to, checked before it starts.

Started on a port in use, the gateway printed "serving at ..." and an admin key, and
then failed inside a JSON log line. Binding the address once first, as the server will
(``SO_REUSEADDR``, as uvicorn sets it, so a port whose last connections are closing
counts as free), turns that into one line and a non-zero exit before anything else is
printed. Another process can still take the port between the check and the start; the
server then fails as before.
"""

from __future__ import annotations

import errno
import socket

from careergate.cli.guard import USAGE, CliFailure


def ensure_free(host: str, port: int, option: str) -> None:
    """Return if ``host:port`` can be listened on; else end the command saying why."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CliFailure(f"cannot listen on {host!r}: {exc.strerror}", USAGE) from None
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CliFailure(
                    f"port {port} on {host} is already in use: stop what listens there, or "
                    f"choose another port with {option} (make run PORT=...)"
                ) from None
            if exc.errno == errno.EACCES:
                raise CliFailure(
                    f"not allowed to listen on port {port} (ports below 1024 need privileges); "
                    f"choose another with {option}"
                ) from None
            raise CliFailure(f"cannot listen on {host}:{port}: {exc.strerror}") from None
