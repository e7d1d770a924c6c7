"""What the hardening costs the hot path: one commit's gateway against a baseline's, side
by side in one run.

The hot ``/v1`` path gained security headers on every answer, a per-deployment TLS
context on each upstream call and the client address in the request log. Both gateways
serve the same chat request from one fake OpenAI, with key checks, request logs and
usage records on, one worker each, both run from the commits' sources; wrk drives them
at concurrency 1 and 32 in interleaved rounds whose order alternates, and the median
round is reported as a ratio to the baseline. Comparing a commit with itself (A/A) shows
the noise.

Run: ``python bench/hardening_bench.py --baseline 43a1c3d --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

from proxy_bench import (
    ROOT,
    Measurement,
    bench_env,
    careergate_process,
    create_key,
    free_port,
    interleaved_rounds,
    median,
    publish,
    stop,
    wait_until_listening,
    wrk_script,
)

NAMES = ("baseline", "hardened")


def export_source(commit: str, into: Path) -> Path:
    """The ``src`` folder of ``commit``, unpacked under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default="43a1c3d", help="commit to compare against")
    parser.add_argument("--hardened", default="HEAD", help="commit to measure")
    parser.add_argument("--seconds", type=int, default=5, help="duration of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="careergate-hardening-"))
    env = bench_env(work)
    upstream_port = free_port()
    env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{upstream_port}/v1"
    ports = {name: free_port() for name in NAMES}
    # Each commit's code comes first on the path: it shadows the installed package.
    envs = {
        name: {**env, "PYTHONPATH": str(export_source(getattr(args, name), work / name))}
        for name in NAMES
    }
    logs = (work / "servers.log").open("w")
    processes = [careergate_process(env, logs, "fake-upstream", "--port", str(upstream_port))]
    try:
        key = create_key(env, "--user", "bench")
        servers = {
            name: careergate_process(envs[name], logs, "serve", "--port", str(ports[name]))
            for name in NAMES
        }
        processes.extend(servers.values())
        for port in (upstream_port, *ports.values()):
            wait_until_listening(port)
        urllib.request.urlopen(f"{env['OPENAI_BASE_URL']}/models").read()  # noqa: S310
        script = wrk_script(work, key)
        targets = {
            n: (f"http://127.0.0.1:{p}/v1/chat/completions", script) for n, p in ports.items()
        }
        pids = {name: server.pid for name, server in servers.items()}
        results = interleaved_rounds(targets, args.rounds, args.seconds, alternate=True, pids=pids)
    finally:
        stop(processes)
        logs.close()
    publish(render(results, args), args.write)
    shutil.rmtree(work, ignore_errors=True)


def render(results: dict[tuple[str, int], list[Measurement]], args: argparse.Namespace) -> str:
    rows = [
        "| gateway | concurrency | requests/s | p50 ms | p99 ms | CPU µs/request "
        "| req/s vs baseline | CPU vs baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    summary = {key: median(value) for key, value in results.items()}
    for connections in (1, 32):
        base = summary[("baseline", connections)]
        for name in NAMES:
            m = summary[(name, connections)]
            cpu, base_cpu = m.cpu_us or 0.0, base.cpu_us or 1.0
            rows.append(
                f"| {name} | {connections} | {m.rps:,.0f} | {m.p50_ms:.3f} | {m.p99_ms:.3f} "
                f"| {cpu:,.0f} | {m.rps / base.rps:.2f} | {cpu / base_cpu:.2f} |"
            )
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join(
        [
            "## Hardening on the hot path",
            "",
            f"Command: `python bench/hardening_bench.py --baseline {args.baseline} "
            f"--hardened {args.hardened} --seconds {args.seconds} --rounds {args.rounds}`, "
            f"{when}; median of {args.rounds} interleaved rounds of wrk (1 thread), in "
            f"alternating order, per row. Baseline: the gateway of commit {args.baseline}; "
            f"hardened: that of {args.hardened}, with security "
            "headers on every answer, a per-deployment TLS context on each upstream call "
            "and the client address in the request log. Same fake OpenAI, one worker each. "
            "The server's CPU time per request is the steadier figure on a shared machine; "
            "an A/A run (`--baseline HEAD --hardened HEAD`) shows the noise of the moment.",
            "",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    main()
