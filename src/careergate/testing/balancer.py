"""nginx in front of gateway replicas on loopback, as the deployment recipes run it.

The proxying itself is the shipped ``deploy/nginx/careergate-proxy.conf`` (passed in as
``proxy_conf``), so what is tested is what is deployed; only the list of replicas and
the paths of this run are written here. Changing the list reloads nginx (SIGHUP): new
nginx workers use the new list at once, old ones finish what they carry and exit. That
is how a replica leaves open-source nginx's rotation before it is stopped, since nginx
does not poll ``/readyz`` (Kubernetes does, and needs no reload).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess  # nosec B404
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

UPSTREAM_KEEPALIVE_SECONDS = 4
"""nginx closes an idle connection to a replica after this long: before the replica's
own keep-alive timeout (uvicorn's 5 s), so that nginx never sends a request on a
connection the replica is closing."""


def nginx_binary() -> str | None:
    """nginx's path, if it is installed (Debian puts it in /usr/sbin)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


class BalancerFailed(RuntimeError):
    """nginx did not start, or did not take a new configuration in time."""


@dataclass
class NginxBalancer:
    """nginx on ``127.0.0.1:port`` balancing over replicas on ``127.0.0.1``."""

    port: int
    directory: Path
    proxy_conf: Path
    workers: int = 1
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    version: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, replica_ports: list[int]) -> None:
        binary = nginx_binary()
        if binary is None:
            raise BalancerFailed("nginx is not installed (apt-get install nginx)")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._write(replica_ports)
        command = [binary, "-p", str(self.directory), "-c", str(self.directory / "nginx.conf")]
        with (self.directory / "stderr").open("wb") as err:
            self.process = subprocess.Popen(  # noqa: S603  # nosec B603
                command, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
            )
        self._wait_version()

    def route_to(self, replica_ports: list[int]) -> None:
        """Balance over these replicas from now on; returns once new connections get the
        new list (requests in flight on the old list finish there)."""
        assert self.process is not None
        self._write(replica_ports)
        self.process.send_signal(signal.SIGHUP)
        self._wait_version()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: in-flight requests finish
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def _write(self, replica_ports: list[int]) -> None:
        self.version += 1
        servers = "".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;\n"
            for port in replica_ports
        )
        d = self.directory
        temp = "".join(
            f"    {kind}_temp_path {d / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (d / "nginx.conf").write_text(
            f"""daemon off;
worker_processes {self.workers};
pid {d / "nginx.pid"};
error_log {d / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
{temp}    upstream careergate {{
{servers}        keepalive 64;
        keepalive_timeout {UPSTREAM_KEEPALIVE_SECONDS}s;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        location = /_balancer/version {{ return 200 "{self.version}"; }}
        include {self.proxy_conf};
    }}
}}
"""
        )

    def _wait_version(self, timeout: float = 30.0) -> None:
        """Until a new connection is answered by nginx workers of the current version."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BalancerFailed(f"nginx exited: {self._errors()}")
            try:
                url = f"{self.url}/_balancer/version"
                with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310  # nosec B310
                    if answer.read().decode() == str(self.version):
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.02)
        raise BalancerFailed(f"nginx did not take version {self.version}: {self._errors()}")

    def _errors(self) -> str:
        found = [self.directory / "stderr", self.directory / "error.log"]
        return " ".join(path.read_text(errors="replace")[-2000:] for path in found if path.exists())
