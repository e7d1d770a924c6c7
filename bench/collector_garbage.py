"""What the cycle collector finds in a gateway's worker under slow requests, side by side.

A request's state should be freed by reference counting the moment it ends; what is
held in a reference cycle waits for the collector's next pass instead, and the worker's
resident size follows the worst pile it has seen. This counts that pile: each variant's
``careergate serve`` (one worker) starts with a probe (``sitecustomize.py`` on its
``PYTHONPATH``) that turns the automatic collector off and, every ``--every`` seconds,
runs it once and writes how many unreachable objects it found. The fake upstream holds
every answer ``--latency`` seconds, so that each request lives past the moment the
watch for a caller that leaves starts; wrk drives each variant at the same time, after
``--idle`` passes without load (what the worker leaves when it serves nothing). The
report divides the passes under load by the requests each pass saw.

Run: ``python bench/collector_garbage.py --variant before:PYTHONPATH=WORKTREE/src
--variant after:`` (a worktree of an older commit for ``before``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from side_by_side import parse_variant, requests_per_second, scratch, side_by_side

PROBE = """
import gc, os, threading, time

def _count(path, every):
    gc.disable()  # every cycle waits for the probe's own pass, so none is missed
    while True:
        time.sleep(every)
        found = gc.collect()
        with open(path, "a") as out:
            out.write(f"{os.getpid()} {time.monotonic()} {found}\\n")

if os.environ.get("CAREERGATE_GC_PROBE"):
    threading.Thread(
        target=_count,
        args=(os.environ["CAREERGATE_GC_PROBE"], float(os.environ["CAREERGATE_GC_EVERY"])),
        daemon=True,
    ).start()
"""


@dataclass
class Passes:
    """One variant's collector passes in its worker: without load, and under it."""

    idle: list[int]
    loaded: list[int]
    rate: float
    """wrk's requests per second."""


def run(args: argparse.Namespace, work: Path) -> dict[str, Passes]:
    """Per variant: the worker's passes without load and under it, and wrk's rate."""
    probe_dir = work / "probe"
    probe_dir.mkdir()
    (probe_dir / "sitecustomize.py").write_text(PROBE)
    variants = dict(parse_variant(v) for v in args.variant)
    for name, env in variants.items():
        env["PYTHONPATH"] = ":".join(filter(None, [str(probe_dir), env.get("PYTHONPATH")]))
        env["CAREERGATE_GC_PROBE"] = str(work / f"{name}.counts")
        env["CAREERGATE_GC_EVERY"] = str(args.every)
    with side_by_side(work, variants, ("--fault-rate", f"latency={args.latency}:1")) as gateways:
        print(f"{args.idle} passes without load ...", flush=True)
        time.sleep((args.idle + 1.5) * args.every)
        loaded_from = time.monotonic() + args.every  # the first pass under load only
        drivers = gateways.drive(args.connections, args.seconds)
        print(f"driving each variant for {args.seconds} s ...", flush=True)
        outputs = {name: driver.communicate()[0] for name, driver in drivers.items()}
        loaded_until = time.monotonic()
        results = {}
        for name, output in outputs.items():
            passes = _worker_passes(work / f"{name}.counts", gateways.served[name].pid)
            results[name] = Passes(
                [n for at, n in passes[1:] if at < loaded_from - args.every],
                [n for at, n in passes if loaded_from <= at <= loaded_until],
                requests_per_second(output) or 0.0,
            )
        return results


def _worker_passes(path: Path, worker: int) -> list[tuple[float, int]]:
    """The worker's passes, (when, objects found), the first one holding the start's
    garbage (its record process writes its own, under its own pid)."""
    if not path.exists():
        return []
    lines = [line.split() for line in path.read_text().splitlines()]
    return [(float(at), int(found)) for pid, at, found in lines if int(pid) == worker]


def report(results: dict[str, Passes], args: argparse.Namespace) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    variants = " ".join(f"--variant {v}" for v in args.variant)
    lines = [
        f"Command: `python bench/collector_garbage.py --seconds {args.seconds} --connections "
        f"{args.connections} --latency {args.latency:g} --every {args.every:g} --idle "
        f"{args.idle} {variants}`, {when}.",
        "",
        "| variant | idle passes, median objects | passes under load | median objects "
        "(lowest to highest) | requests per pass | objects per request | requests/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, passes in results.items():
        idle = f"{statistics.median(passes.idle):,.0f}" if passes.idle else ""
        per_pass = passes.rate * args.every
        if not passes.loaded:
            lines.append(f"| {name} | {idle} | 0 | | {per_pass:,.0f} | | {passes.rate:,.0f} |")
            continue
        median = statistics.median(passes.loaded)
        lines.append(
            f"| {name} | {idle} | {len(passes.loaded)} | {median:,.0f} "
            f"({min(passes.loaded):,} to {max(passes.loaded):,}) | {per_pass:,.0f} "
            f"| {median / per_pass:.2f} | {passes.rate:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.1, help="the upstream's, seconds")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between passes")
    parser.add_argument("--idle", type=int, default=3, help="passes before the load starts")
    parser.add_argument("--variant", action="append", required=True, help="NAME:VAR=VALUE,...")
    args = parser.parse_args()
    with scratch("careergate-collector-") as work:
        results = run(args, work)
    print(report(results, args))


if __name__ == "__main__":
    main()
