"""Gateways side by side: one ``careergate serve`` (one worker, the defaults) per variant,
the same but for the environment each variant names, in front of one fake OpenAI, each
driven by its own wrk at the same time, so that the machine's noise falls on all alike.
What ``memory_soak.py`` and ``collector_garbage.py`` share."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from proxy_bench import (
    bench_env,
    careergate_process,
    free_port,
    serve_gateways,
    stop,
    wait_until_listening,
    wrk_script,
)


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``NAME:VAR=VALUE,VAR=VALUE`` (``NAME:`` for none)."""
    name, _, assignments = text.partition(":")
    env: dict[str, str] = {}
    for assignment in filter(None, assignments.split(",")):
        key, _, value = assignment.partition("=")
        env[key] = value
    return name, env


@dataclass
class Gateways:
    """The running gateways, by variant name."""

    work: Path
    ports: dict[str, int]
    keys: dict[str, str]
    served: dict[str, subprocess.Popen[bytes]]

    def drive(self, connections: int, seconds: int) -> dict[str, subprocess.Popen[str]]:
        """A wrk on each gateway for ``seconds``; read each one's output when it ends."""
        return {
            name: subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{connections}",
                    f"-d{seconds}s",
                    "-s",
                    str(wrk_script(self.work, key, name=name)),
                    f"http://127.0.0.1:{self.ports[name]}/v1/chat/completions",
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for name, key in self.keys.items()
        }


@contextmanager
def side_by_side(
    work: Path, variants: dict[str, dict[str, str]], upstream_args: Sequence[str] = ()
) -> Iterator[Gateways]:
    """The fake upstream (with ``upstream_args``) and a gateway per variant, listening;
    all stopped on leaving."""
    ports = {name: free_port() for name in ("upstream", *variants)}
    upstream_url = f"http://127.0.0.1:{ports['upstream']}/v1"
    envs = {name: bench_env(work / name) for name in ports}
    for name, env in variants.items():
        envs[name].update({"OPENAI_BASE_URL": upstream_url, **env})
    with (work / "servers.log").open("w") as logs:
        upstream = ("fake-upstream", "--port", str(ports["upstream"]), *upstream_args)
        processes = [careergate_process(envs["upstream"], logs, *upstream)]
        try:
            keys, served = serve_gateways(envs, ports, variants, logs)
            processes.extend(served.values())
            for port in ports.values():
                wait_until_listening(port)
            yield Gateways(work, ports, keys, served)
        finally:
            stop(processes)


def requests_per_second(wrk_output: str) -> float | None:
    """What wrk reports as the run's requests per second."""
    line = next((ln for ln in wrk_output.splitlines() if "Requests/sec" in ln), None)
    return float(line.split()[-1]) if line is not None else None


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A directory for one run, removed after it; wrk must be installed."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
