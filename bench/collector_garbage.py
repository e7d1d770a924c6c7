"""What the cycle collector finds in a gateway's worker under slow requests, side by side.

A request's state should be freed by reference counting the moment it ends; what is
held in a reference cycle waits for the collector's next pass instead, and the worker's
resident size follows the worst pile it has seen. This counts that pile: each variant's
``careergate serve`` (one worker) starts with a probe (``sitecustomize.py`` on its
``PYTHONPATH``) that turns the automatic collector off and, every ``--every`` seconds,
runs it once and writes how many unreachable objects it found. The fake upstream holds
every answer ``--latency`` seconds, so that each request lives past the moment the
watch for a caller that leaves starts; wrk drives each variant at the same time.

Run: ``python bench/collector_garbage.py --variant before:PYTHONPATH=WORKTREE/src
--variant after:`` (a worktree of an older commit for ``before``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory_soak import parse_variant
from proxy_bench import (
    bench_env,
    careergate_process,
    free_port,
    serve_gateways,
    stop,
    wait_until_listening,
    wrk_script,
)

PROBE = """
import gc, os, threading, time

def _count(path, every):
    gc.disable()  # every cycle waits for the probe's own pass, so none is missed
    while True:
        time.sleep(every)
        found = gc.collect()
        with open(path, "a") as out:
            out.write(f"{os.getpid()} {found}\\n")

if os.environ.get("CAREERGATE_GC_PROBE"):
    threading.Thread(
        target=_count,
        args=(os.environ["CAREERGATE_GC_PROBE"], float(os.environ["CAREERGATE_GC_EVERY"])),
        daemon=True,
    ).start()
"""


def run(args: argparse.Namespace, work: Path) -> dict[str, tuple[list[int], str]]:
    """Per variant: the worker's counts, one per pass, and wrk's requests per second."""
    variants = dict(parse_variant(v) for v in args.variant)
    probe_dir = work / "probe"
    probe_dir.mkdir()
    (probe_dir / "sitecustomize.py").write_text(PROBE)
    ports = {name: free_port() for name in ("upstream", *variants)}
    upstream_url = f"http://127.0.0.1:{ports['upstream']}/v1"
    envs = {name: bench_env(work / name) for name in ports}
    for name in variants:
        env = envs[name]
        env["OPENAI_BASE_URL"] = upstream_url
        env.update(variants[name])
        env["PYTHONPATH"] = ":".join(filter(None, [str(probe_dir), env.get("PYTHONPATH")]))
        env["CAREERGATE_GC_PROBE"] = str(work / f"{name}.counts")
        env["CAREERGATE_GC_EVERY"] = str(args.every)
    logs = (work / "servers.log").open("w")
    upstream = careergate_process(
        envs["upstream"],
        logs,
        "fake-upstream",
        "--port",
        str(ports["upstream"]),
        "--fault-rate",
        f"latency={args.latency}:1",
    )
    processes: list[subprocess.Popen[bytes]] = [upstream]
    try:
        keys, served = serve_gateways(envs, ports, variants, logs)
        processes.extend(served.values())
        for port in ports.values():
            wait_until_listening(port)
        drivers = {
            name: subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{args.connections}",
                    f"-d{args.seconds}s",
                    "-s",
                    str(wrk_script(work, keys[name], name=name)),
                    f"http://127.0.0.1:{ports[name]}/v1/chat/completions",
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for name in variants
        }
        print(f"driving each variant for {args.seconds} s ...", flush=True)
        results = {}
        for name, driver in drivers.items():
            output, _ = driver.communicate()
            rate = next((ln.split()[-1] for ln in output.splitlines() if "Requests/sec" in ln), "?")
            results[name] = (_worker_counts(work / f"{name}.counts", served[name].pid), rate)
        return results
    finally:
        stop(processes)
        logs.close()


def _worker_counts(path: Path, worker: int) -> list[int]:
    """The worker's counts (its record process writes its own, under its own pid)."""
    if not path.exists():
        return []
    lines = [line.split() for line in path.read_text().splitlines()]
    return [int(found) for pid, found in lines if int(pid) == worker]


def report(results: dict[str, tuple[list[int], str]], args: argparse.Namespace) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    variants = " ".join(f"--variant {v}" for v in args.variant)
    lines = [
        f"Command: `python bench/collector_garbage.py --seconds {args.seconds} --connections "
        f"{args.connections} --latency {args.latency:g} --every {args.every:g} {variants}`, "
        f"{when}.",
        "",
        "| variant | passes | objects per pass, median | lowest | highest | requests/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, (counts, rate) in results.items():
        steady = counts[1:] or counts  # the first pass holds the start-up's garbage
        if not steady:
            lines.append(f"| {name} | 0 | | | | {rate} |")
            continue
        lines.append(
            f"| {name} | {len(steady)} | {statistics.median(steady):,.0f} | {min(steady):,} "
            f"| {max(steady):,} | {rate} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.1, help="the upstream's, seconds")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between passes")
    parser.add_argument("--variant", action="append", required=True, help="NAME:VAR=VALUE,...")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="careergate-collector-"))
    try:
        results = run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report(results, args))


if __name__ == "__main__":
    main()
