"""What the privacy step costs on one long text, and what other requests wait meanwhile.

A caller may send a prompt of megabytes (an export pasted whole, often without line
breaks). The detection (shapes, known values, the name model, a name's parts looked for
in the whole text) should grow with the text, not with its square; and the requests that
arrive meanwhile should not wait for all of it. Both are measured here on text written
by others: the privacy evaluation's test split (``bench/data``), its documents joined
until the text has the size asked, as they are (lines) or with every line break made a
space (one line).

For each size and layout: the seconds ``PiiDetector.detect`` takes on the text (wall
time, the name model on its thread), and the longest wait of a short new text (a
sentence naming a person) sent to the same detector every 50 ms meanwhile. With
``--baseline SRC`` the same runs are made on another checkout's ``src``, each code in a
process of its own.

Run: ``python bench/long_text_privacy_bench.py [--baseline ../old/src] [--sizes 10000 100000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from privacy_scoring import load  # noqa: E402

LAYOUTS = ("lines", "one line")


def text_of(size: int, layout: str) -> str:
    """The test split's documents joined until ``size`` characters, in ``layout``."""
    documents = [document["text"] for document in load("test")]
    parts: list[str] = []
    length = 0
    while length < size:
        for document in documents:
            parts.append(document)
            length += len(document) + 2
            if length >= size:
                break
    text = "\n\n".join(parts)[:size]
    return " ".join(text.split("\n")) if layout == "one line" else text


async def run_one(detector: object, text: str) -> tuple[float, float]:
    """Seconds on ``text``, and the longest wait of a short text meanwhile."""
    from careergate.privacy.detector import PiiDetector
    from careergate.privacy.subject import Subject

    assert isinstance(detector, PiiDetector)
    waits: list[float] = []
    done = asyncio.Event()

    async def short_ones() -> None:
        # Each wait runs from when the short text was due, not from when the event loop
        # got round to sending it: a loop held by the long text delays the sending too.
        number = 0
        due = time.perf_counter()
        while not done.is_set():
            number += 1
            await detector.detect([f"Please call Maria Jones-{number} back today."], Subject())
            waits.append(time.perf_counter() - due)
            due = time.perf_counter() + 0.05
            await asyncio.sleep(0.05)

    sender = asyncio.create_task(short_ones())
    started = time.perf_counter()
    await detector.detect([text], Subject())
    seconds = time.perf_counter() - started
    done.set()
    await sender
    return seconds, max(waits, default=0.0)


def measure(sizes: list[int]) -> dict[str, list[float]]:
    """``{"size/layout": [seconds, longest wait]}`` in this process's ``careergate``."""
    from careergate.privacy.detector import PiiDetector
    from careergate.privacy.names import NameFinder

    names = NameFinder()
    asyncio.run(names.load())
    results = {}
    for size in sizes:
        for layout in LAYOUTS:
            detector = PiiDetector(names)  # nothing remembered from the run before
            seconds, wait = asyncio.run(run_one(detector, text_of(size, layout)))
            results[f"{size}/{layout}"] = [seconds, wait]
    return results


def in_process_of(src: Path | None, sizes: list[int]) -> dict[str, list[float]]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, __file__, "--child", *map(str, sizes)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.splitlines()[-1]))


def render(now: dict[str, list[float]], before: dict[str, list[float]] | None) -> str:
    head = "| characters | layout | seconds | longest wait of a short text, s |"
    rule = "| ---: | --- | ---: | ---: |"
    if before is not None:
        head += " before: seconds | before: longest wait, s |"
        rule += " ---: | ---: |"
    rows = [head, rule]
    for key, (seconds, wait) in now.items():
        size, layout = key.split("/")
        row = f"| {int(size):,} | {layout} | {seconds:.2f} | {wait:.2f} |"
        if before is not None:
            row += " {:.2f} | {:.2f} |".format(*before[key])
        rows.append(row)
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", type=Path, help="another checkout's src to compare")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--child", type=int, nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    now = in_process_of(ROOT / "src", args.sizes)
    before = in_process_of(args.baseline, args.sizes) if args.baseline else None
    print(render(now, before))


if __name__ == "__main__":
    main()
