"""Where the default gateway's tail at one connection comes from.

One ``careergate serve`` (one worker, the defaults a user gets) in front of the fake
OpenAI, driven by wrk at one connection with the short prompt; each condition is one run
of ``--seconds``, reporting wrk's p95, p99 and p99.9: the gateway as it is, its record
process stopped (``SIGSTOP``) for the run, and a busy loop (30 ms of every 300) beside
the unchanged gateway; the fake upstream alone as the reference. docs/benchmarks.md ("Why
the short prompt's concurrency-1 p99 stays at 3x the floor's") reads these figures.

Run: ``python bench/tail_probe.py [--seconds 5]`` (needs wrk).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from proxy_bench import (
    bench_env,
    children,
    free_port,
    serve_gateways,
    stop,
    wait_until_listening,
    wrk_script,
)

PERCENTILES = """
done = function(summary, latency, requests)
  for _, p in pairs({95, 99, 99.9}) do
    io.write(string.format("%.2f ", latency:percentile(p) / 1000))
  end
end
"""


def percentiles(url: str, script: Path, seconds: int) -> list[str]:
    """wrk's p95, p99 and p99.9 in ms at one connection."""
    run = subprocess.run(
        ["wrk", "-t1", "-c1", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.strip().splitlines()[-1].split()


@contextlib.contextmanager
def record_process_stopped(gateway: int) -> Iterator[None]:
    pids = children(gateway)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


@contextlib.contextmanager
def busy_loop_beside() -> Iterator[None]:
    loop = (
        "import time\nwhile True:\n t = time.perf_counter()\n"
        " while time.perf_counter() - t < 0.03: pass\n time.sleep(0.27)"
    )
    burner = subprocess.Popen([sys.executable, "-c", loop])
    try:
        yield
    finally:
        burner.kill()
        burner.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="duration of one wrk run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="careergate-tail-"))
    ports = {"upstream": free_port(), "gateway": free_port()}
    envs = {name: bench_env(work / name) for name in ports}
    envs["gateway"]["OPENAI_BASE_URL"] = f"http://127.0.0.1:{ports['upstream']}/v1"
    logs = (work / "servers.log").open("w")
    upstream = subprocess.Popen(
        [
            Path(sys.executable).parent / "careergate",
            "fake-upstream",
            "--port",
            str(ports["upstream"]),
        ],
        stdout=logs,
        stderr=logs,
    )
    processes = [upstream]
    try:
        keys, served = serve_gateways(envs, ports, ["gateway"], logs)
        gateway = served["gateway"]
        processes.append(gateway)
        for port in ports.values():
            wait_until_listening(port)
        script = wrk_script(work, keys["gateway"])
        script.write_text(script.read_text() + PERCENTILES)
        plain = wrk_script(work, None, name="upstream")
        plain.write_text(plain.read_text() + PERCENTILES)
        url = f"http://127.0.0.1:{ports['gateway']}/v1/chat/completions"
        upstream_url = f"http://127.0.0.1:{ports['upstream']}/v1/chat/completions"
        percentiles(url, script, 2)  # warm-up
        rows = [("the fake upstream alone", percentiles(upstream_url, plain, args.seconds))]
        conditions: dict[str, contextlib.AbstractContextManager[None]] = {
            "the gateway as it is": contextlib.nullcontext(),
            "its record process stopped": record_process_stopped(gateway.pid),
            "a busy loop beside it": busy_loop_beside(),
        }
        for name, condition in conditions.items():
            with condition:
                time.sleep(0.2)
                rows.append((name, percentiles(url, script, args.seconds)))
    finally:
        stop(processes)
        logs.close()
    print("| condition | p95 ms | p99 ms | p99.9 ms |\n| --- | ---: | ---: | ---: |")
    for name, found in rows:
        print(f"| {name} | {' | '.join(found)} |")


if __name__ == "__main__":
    main()
