"""What the secret detector costs on hostile text: a prompt built to make its regular
expressions work hardest (labels repeated without values, a value that never ends,
quotes never closed), against ordinary text of the same size.

Every request's strings pass through the detector before anything leaves, on the event
loop: a text that costs seconds holds every other request for as long. Each text is
scanned by ``SecretScanner.find_whole`` (as the secrets step does, the caller's key
among the known values) in this checkout and, with ``--baseline SRC``, in another
checkout's ``src`` in a process of its own; the best of ``--rounds`` runs is reported,
and the ratio to ordinary text of the same size in the same process.

Run: ``python bench/hostile_secrets_bench.py [--baseline ../old/src] [--size 7200000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def texts(size: int) -> dict[str, str]:
    """The hostile texts and the ordinary one, each about ``size`` characters."""

    def fill(unit: str) -> str:
        return unit * (size // len(unit))

    return {
        "ordinary prose": fill("Led a team of five engineers building payment APIs in Go. "),
        "'password:' repeated": fill("password:"),
        "'password=' repeated": fill("password="),
        "'DB_PASS=' repeated": fill("DB_PASS="),
        "'password:\"' repeated (quotes never closed)": fill('password:"'),
        "one label, a value that never ends": "password: " + "a" * (size - 10),
        "labels with 30-letter values": fill("password: " + "a" * 30 + " "),
        "'token=' repeated": fill("token="),
        "'API_KEY: \"' repeated": fill('API_KEY: "'),
        "a credential's name, a value that never ends": "secret=" + "a1" * ((size - 7) // 2),
        "'tokentoken...' (a name that never ends)": fill("token"),
        "'my password is ' repeated": fill("my password is "),
    }


def measure(size: int, rounds: int) -> dict[str, float]:
    """Seconds per text in this process (its ``careergate`` from ``sys.path``)."""
    from careergate.security.secrets import SecretScanner

    scanner = SecretScanner()
    known = ("sk-cg-" + "k" * 40,)
    seconds = {}
    for name, text in texts(size).items():
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            scanner.find_whole(text, known)
            best = min(best, time.perf_counter() - started)
        seconds[name] = best
    return seconds


def measured_in(src: Path, size: int, rounds: int) -> dict[str, float]:
    """``measure`` in a process importing careergate from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, __file__, "--size", str(size), "--rounds", str(rounds), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=7_200_000, help="characters per text")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout's src directory")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.size, args.rounds)))
        return
    runs = {"this checkout": measured_in(ROOT / "src", args.size, args.rounds)}
    if args.baseline:
        runs["baseline"] = measured_in(args.baseline.resolve(), args.size, args.rounds)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{when}, {args.size:,} characters a text, best of {args.rounds} runs")
    names = list(runs)
    print("| text | " + " | ".join(f"{n}: s (vs prose)" for n in names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for text in runs[names[0]]:
        cells = []
        for name in names:
            seconds = runs[name][text]
            cells.append(f"{seconds:.3f} ({seconds / runs[name]['ordinary prose']:.1f}x)")
        print(f"| {text} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
