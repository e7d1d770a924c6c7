"""CPU time per request of the gateway's processes against the bare-proxy floor's.

Requests per second on a shared machine move with whatever else runs on it; the CPU
time a server spends per request moves far less, and tells changes of a few per cent
apart. This starts the fake OpenAI, the floor (``floor_proxy.py``) and ``careergate
serve`` (one worker, the defaults a user gets, as ``proxy_bench.py`` runs it), drives
each with wrk at concurrency 32 in interleaved rounds (the order reversed every other
round) and reads the user and system time of the floor's process, the gateway's worker
and, apart, its record process from ``/proc`` before and after each run. With
``--baseline SRC`` a second gateway runs the ``src`` of another checkout (say an older
commit in a ``git worktree``) in the same rounds, and the difference of the two workers
is given round by round: paired rounds cancel most of the machine's drift. With
``--variant NAME:VAR=VALUE[,VAR=VALUE]`` a gateway of this checkout runs with those
settings in the environment beside the default one (say ``journal-off:
CAREERGATE_RECORD_JOURNAL=false``, what the record journal costs), compared the same way.

Run: ``python bench/cpu_per_request.py [--seconds 4] [--rounds 10] [--baseline ../old/src]
[--variant NAME:VAR=VALUE]`` (needs wrk).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxy_bench import (
    WORKLOADS,
    _stat,
    bench_env,
    careergate_process,
    children,
    free_port,
    run_wrk,
    serve_gateways,
    start_floor,
    stop,
    wait_until_listening,
    wrk_script,
)

TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    worker_us: float
    records_us: float
    rps: float


def ticks(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12])


def record_process(pid: int) -> int | None:
    """The gateway's record process (its child running ``careergate.records.child``)."""
    for child in children(pid):
        if b"careergate.records.child" in Path(f"/proc/{child}/cmdline").read_bytes():
            return child
    return None


def measure(url: str, script: Path, pid: int, seconds: int) -> Run:
    """One wrk run at concurrency 32: CPU µs per request of ``pid`` and its record
    process."""
    records = record_process(pid)
    before = ticks(pid), ticks(records) if records else 0
    m = run_wrk(url, script, 32, seconds)
    worker = (ticks(pid) - before[0]) / TICK / m.requests * 1e6
    record = (ticks(records) - before[1]) / TICK / m.requests * 1e6 if records else 0.0
    return Run(worker, record, m.rps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4, help="duration of one wrk run")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds")
    parser.add_argument("--workloads", default="short,resume", help="of proxy_bench's")
    parser.add_argument("--baseline", type=Path, help="another checkout's src directory")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME:VAR=VALUE[,VAR=VALUE]: a gateway with these settings beside the default",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    gateways: dict[str, dict[str, str]] = {
        "gateway": {},
        **({"baseline": {}} if args.baseline else {}),
    }
    for variant in args.variant:
        name, _, settings = variant.partition(":")
        gateways[name] = dict(setting.split("=", 1) for setting in settings.split(","))
    work = Path(tempfile.mkdtemp(prefix="careergate-cpu-"))
    names = ["upstream", "floor", *gateways]
    ports = {name: free_port() for name in names}
    upstream_url = f"http://127.0.0.1:{ports['upstream']}/v1"
    envs = {name: bench_env(work / name) for name in names}
    for name, env in envs.items():
        env["OPENAI_BASE_URL"] = upstream_url
        env.update(gateways.get(name, {}))
    if args.baseline:
        envs["baseline"]["PYTHONPATH"] = str(args.baseline.resolve())
    logs = (work / "servers.log").open("w")
    floor = start_floor(envs["floor"], ports["floor"], upstream_url, logs)
    upstream = careergate_process(
        envs["upstream"], logs, "fake-upstream", "--port", str(ports["upstream"])
    )
    processes: list[subprocess.Popen[Any]] = [upstream, floor]
    results: dict[tuple[str, str], list[Run]] = {}
    try:
        keys, served = serve_gateways(envs, ports, gateways, logs)
        processes.extend(served.values())
        for port in ports.values():
            wait_until_listening(port)
        urllib.request.urlopen(f"{upstream_url}/models").read()  # noqa: S310 - loopback
        pids = {"floor": floor.pid, **{name: p.pid for name, p in served.items()}}
        targets = []
        for workload in args.workloads.split(","):
            for name in ("floor", *gateways):
                script = wrk_script(work, keys.get(name), WORKLOADS[workload], f"{workload}-{name}")
                url = f"http://127.0.0.1:{ports[name]}/v1/chat/completions"
                targets.append((name, workload, url, script))
        for _, _, url, script in targets:  # warm up connections, caches and memos
            run_wrk(url, script, 8, 2)
        for round_number in range(args.rounds):
            order = targets if round_number % 2 == 0 else targets[::-1]
            for name, workload, url, script in order:
                run = measure(url, script, pids[name], args.seconds)
                results.setdefault((name, workload), []).append(run)
                print(
                    f"round {round_number + 1}/{args.rounds} {workload:<7} {name:<9}"
                    f" worker {run.worker_us:6.1f} µs/req  record process"
                    f" {run.records_us:5.1f}  {run.rps:7.0f} req/s",
                    flush=True,
                )
    finally:
        stop(processes)
        logs.close()
    report(results, args)
    shutil.rmtree(work, ignore_errors=True)


def report(results: dict[tuple[str, str], list[Run]], args: argparse.Namespace) -> None:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(
        f"\n{when}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}: median"
        f" of {args.rounds} rounds of wrk -c32 for {args.seconds} s"
    )
    print("| workload | server | worker CPU µs/req | record process | worker vs floor |")
    print("| --- | --- | ---: | ---: | ---: |")
    for (name, workload), runs in results.items():
        floor = statistics.median(r.worker_us for r in results[("floor", workload)])
        worker = statistics.median(r.worker_us for r in runs)
        records = statistics.median(r.records_us for r in runs)
        print(f"| {workload} | {name} | {worker:.1f} | {records:.1f} | {worker / floor:.2f} |")
    compared = [name for name, _ in results if name not in ("floor", "gateway")]
    for workload in args.workloads.split(","):
        for other in dict.fromkeys(compared):
            pairs = pairs_of(results, other, workload)
            change = sorted(new.worker_us - old.worker_us for old, new in pairs)
            rps = statistics.median(new.rps / old.rps for old, new in pairs)
            print(
                f"{workload}: worker CPU µs/req of the default gateway minus {other}'s, round by"
                f" round: {', '.join(f'{d:+.1f}' for d in change)}; median"
                f" {statistics.median(change):+.1f}; requests/s of the default over {other}'s:"
                f" {rps:.3f} (median of the rounds)"
            )


def pairs_of(
    results: dict[tuple[str, str], list[Run]], other: str, workload: str
) -> list[tuple[Run, Run]]:
    """``other``'s run and the default gateway's, round by round."""
    return list(zip(results[(other, workload)], results[("gateway", workload)], strict=True))


if __name__ == "__main__":
    main()
