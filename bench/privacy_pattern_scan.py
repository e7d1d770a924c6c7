"""The privacy patterns searched with their scan guard against without it.

Every pattern of ``careergate.privacy.patterns`` through ``shape.run``, once as the
product searches it (``Pattern.scan``, behind the lookahead of the characters its
matches can start with, where ``scan_guard`` guards it) and once with the plain
expression, on texts of ``--chars`` characters: the evaluation documents joined, and
shapes that favour one side (digits alone, digit groups, lower-case prose, capitals with
digits, CSV). Best of ``--rounds`` interleaved runs; the findings must be the same.
Then, per guarded pattern, the texts on which it is slowest against its plain form.

Run: ``python bench/privacy_pattern_scan.py [--chars 100000] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Sequence

from careergate.privacy.patterns import PATTERNS, _clues
from careergate.privacy.shape import Pattern, run
from privacy_scoring import load


def shapes(chars: int) -> dict[str, str]:
    documents = "\n".join(d["text"] for split in ("dev", "test") for d in load(split))
    return {
        name: (text * (chars // len(text) + 1))[:chars]
        for name, text in {
            "documents": documents,
            "digits": "1",
            "digit groups": "123 456 7890 ",
            "prose": "their tide is in the inn 1 ",
            "capitals and digits": "AB12 CD34 EF56 ",
            "csv": "1,2,3,4,5,6,7,8,9,10\n",
        }.items()
    }


def best(patterns: Sequence[Pattern], text: str, rounds: int) -> tuple[float, int]:
    clues = _clues(text)
    times, found = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        found = len(list(run(patterns, text, clues)))
        times.append(time.perf_counter() - started)
    return min(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    plain = [dataclasses.replace(p) for p in PATTERNS]
    for pattern in plain:
        object.__setattr__(pattern, "scan", pattern.regex)  # the expression unguarded
    texts = shapes(args.chars)
    print(f"{sum(p.scan is not p.regex for p in PATTERNS)} of {len(PATTERNS)} patterns guarded")
    print("| text | unguarded ms | guarded ms | guarded / unguarded |")
    print("| --- | ---: | ---: | ---: |")
    for name, text in texts.items():
        (without, found), (with_guard, same) = (
            best(plain, text, args.rounds),
            best(PATTERNS, text, args.rounds),
        )
        assert found == same, name
        ratio = with_guard / without
        print(f"| {name} | {without * 1e3:.1f} | {with_guard * 1e3:.1f} | {ratio:.2f} |")
    slowest = []
    for index, (guarded_one, unguarded) in enumerate(zip(PATTERNS, plain, strict=True)):
        if guarded_one.scan is guarded_one.regex:
            continue
        for name, text in texts.items():
            ratio = (
                best([guarded_one], text, args.rounds)[0] / best([unguarded], text, args.rounds)[0]
            )
            slowest.append((ratio, index, name))
    print("\nslowest guarded patterns against their plain form:")
    for ratio, index, name in sorted(slowest, reverse=True)[:5]:
        print(f"  pattern {index:2d} on {name}: {ratio:.2f}")


if __name__ == "__main__":
    main()
