"""Gateway replicas as an orchestrator runs them: ``careergate serve`` OS processes.

Each replica is its own process group (the supervisor, its workers and their record
processes), so that it can be stopped as Kubernetes or compose stop a container
(SIGTERM to the supervisor, which drains its workers) or killed as an OOM kill or a
lost node kills one (SIGKILL to every process of the group at once). Its output goes
to files: a pipe nobody reads would fill up with log lines and stall it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess  # nosec B404
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CLI = str(Path(sys.executable).parent / "careergate")


class ReplicaFailed(RuntimeError):
    """A replica did not start (its log's tail says why) or did not stop in time."""


@dataclass
class ServeReplica:
    """One ``careergate serve --workers N`` on ``127.0.0.1:port``, started and restarted
    with the same environment (so on the same data directory, as a container is restarted
    with its volume)."""

    port: int
    env: dict[str, str]
    logs: Path
    workers: int = 2
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start it (not waiting for it to be ready: see ``wait_ready``)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        name = f"{self.port}-{self.starts}"
        command = [CLI, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        out_path, err_path = self.logs / f"{name}.out", self.logs / f"{name}.err"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            self.process = subprocess.Popen(  # noqa: S603  # nosec B603
                command, env=self.env, stdout=out, stderr=err, start_new_session=True
            )

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until ``/readyz`` answers 200 (a worker has started and reaches the database);
        raises with the log's tail if the process ends first."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            if not self.running or time.monotonic() > deadline:
                self.stop()
                raise ReplicaFailed(f"replica {self.port} did not start: {self.log_tail()}")
            time.sleep(0.05)

    def ready(self) -> bool:
        try:
            ready = f"{self.url}/readyz"  # http on loopback, never a file
            with urllib.request.urlopen(ready, timeout=2) as answer:  # noqa: S310  # nosec B310
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        """SIGTERM to the supervisor, as an orchestrator stops a container: the workers
        drain and exit (``CAREERGATE_DRAIN_SECONDS``)."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float = 60.0) -> int:
        """The exit status once every process of the replica has ended."""
        assert self.process is not None
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as late:
            self.kill()
            raise ReplicaFailed(f"replica {self.port} did not stop within {timeout} s") from late
        self._wait_group_gone(timeout)
        return status

    def kill(self) -> None:
        """SIGKILL to every process of the replica at once (an OOM kill, a lost node)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._wait_group_gone(10.0)

    def stop(self) -> None:
        """Stopped whatever state it is in: SIGTERM, then SIGKILL if it lingers."""
        if self.process is None:
            return
        self.terminate()
        try:
            self.wait_exit(timeout=60.0)
        except ReplicaFailed:
            self.kill()

    def pids(self) -> list[int]:
        """The processes of the replica: the supervisor and its workers (its process
        group), and their descendants, such as the record processes (which run in a
        session of their own, out of reach of a terminal's Ctrl-C)."""
        if self.process is None:
            return []
        parents: dict[int, int] = {}
        members: set[int] = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()  # after the command, which may hold spaces
            pid, parent, group = int(entry.name), int(fields[1]), int(fields[2])
            parents[pid] = parent
            if group == self.process.pid:
                members.add(pid)
        grown = True
        while grown:
            found = {pid for pid, parent in parents.items() if parent in members}
            grown = not found <= members
            members |= found
        return sorted(members)

    def log_tail(self, characters: int = 3000) -> str:
        if not self.starts:
            return ""
        text = (self.logs / f"{self.port}-{self.starts}.err").read_text(errors="replace")
        return text[-characters:]

    def _wait_group_gone(self, timeout: float) -> None:
        """Workers and record processes end just after the supervisor."""
        deadline = time.monotonic() + timeout
        while self.pids() and time.monotonic() < deadline:
            time.sleep(0.02)
