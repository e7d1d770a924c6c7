"""Resident memory of gateways under steady load, side by side: whether it stays flat.

Two or more ``careergate serve`` gateways (one worker each), the same configuration but
for the environment a variant names, in front of one fake OpenAI, each driven by its
own wrk at the same concurrency for the whole run, at the same time (so the machine's
noise falls on all alike). The resident memory (``VmRSS``) of each worker and of its
record process is read after the warm-up, every ``--every`` seconds, and at the end;
the report gives each one's growth from the end of the warm-up.

Run: ``python bench/memory_soak.py --minutes 6 --variant base: --variant
trim:CAREERGATE_HEAP_TRIM_SECONDS=30``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from proxy_bench import Memory, memory_of
from side_by_side import parse_variant, requests_per_second, scratch, side_by_side


def soak(args: argparse.Namespace, work: Path) -> dict[str, list[tuple[float, Memory]]]:
    variants = dict(parse_variant(v) for v in args.variant)
    samples: dict[str, list[tuple[float, Memory]]] = {name: [] for name in variants}
    with side_by_side(work, variants) as gateways:
        seconds = int(args.minutes * 60)
        drivers = gateways.drive(args.connections, seconds)
        started = time.monotonic()
        time.sleep(args.warmup)
        while True:
            elapsed = time.monotonic() - started
            for name, process in gateways.served.items():
                samples[name].append((elapsed, memory_of(process.pid)))
            print(
                f"{elapsed:6.0f} s "
                + "  ".join(
                    f"{n}: {s[-1][1].worker:.1f}/{s[-1][1].records:.1f}" for n, s in samples.items()
                ),
                flush=True,
            )
            if elapsed >= seconds - args.every:
                break
            time.sleep(min(args.every, seconds - args.every - elapsed + 0.5))
        for name, driver in drivers.items():
            rate = requests_per_second(driver.communicate()[0])
            print(f"{name}: {rate} requests/s over the run", flush=True)
    return samples


def report(samples: dict[str, list[tuple[float, Memory]]], args: argparse.Namespace) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    variants = " ".join(f"--variant {v}" for v in args.variant)
    lines = [
        f"Command: `python bench/memory_soak.py --minutes {args.minutes:g} --connections "
        f"{args.connections} {variants}`, {when}.",
        "",
        "| variant | process | after warm-up MiB | middle | end | end vs after warm-up |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, taken in samples.items():
        first, middle, last = taken[0][1], taken[len(taken) // 2][1], taken[-1][1]
        for label, pick in (("worker", _worker), ("record process", _records)):
            growth = (pick(last) / pick(first) - 1) * 100
            lines.append(
                f"| {name} | {label} | {pick(first):.1f} | {pick(middle):.1f} "
                f"| {pick(last):.1f} | {growth:+.1f}% |"
            )
    return "\n".join(lines)


def _worker(memory: Memory) -> float:
    return memory.worker


def _records(memory: Memory) -> float:
    return memory.records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=6)
    parser.add_argument("--warmup", type=float, default=60, help="seconds before the first reading")
    parser.add_argument("--every", type=float, default=30, help="seconds between readings")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--variant", action="append", required=True, help="NAME:VAR=VALUE,...")
    args = parser.parse_args()
    with scratch("careergate-memory-soak-") as work:
        samples = soak(args, work)
    print(report(samples, args))


if __name__ == "__main__":
    main()
