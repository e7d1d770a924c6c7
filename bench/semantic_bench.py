"""The semantic cache on near-duplicate career prompts: hits and false hits by threshold.

``bench/data/semantic_{dev,test}.jsonl`` (hand-written; sha256 in docs/benchmarks.md):
each group has a question, a paraphrase of it (the same question: a hit is right), and
two near-duplicates that ask something else (another role, place, document or
direction: a hit is a false hit). As in one user's scope, every question of a split is
kept in one bucket of the real ``SemanticIndex``; then each paraphrase and each
near-duplicate is looked up. A lookup that returns another question's entry is a false
hit too. The threshold is chosen on the dev split (the lowest with no false hit) and
reported on both; the embedding's cost per lookup is timed.

Run: ``python bench/semantic_bench.py [--threshold T]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from careergate.cache.semantic import SemanticIndex
from careergate.features.embeddings import E5Embedder

DATA = Path(__file__).resolve().parent / "data"
THRESHOLDS = [round(0.80 + 0.01 * i, 2) for i in range(20)]


def load(split: str) -> list[dict[str, Any]]:
    lines = (DATA / f"semantic_{split}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


async def scores(
    index: SemanticIndex, groups: list[dict[str, Any]]
) -> list[tuple[bool, str, float]]:
    """Per lookup: whether a hit would be right, the best entry's id, its similarity."""
    for group in groups:
        index.add("bucket", group["question"], str(group["id"]), None)
    await index.settled()
    found = []
    for group in groups:
        for text, right in [(group["paraphrase"], True), *((d, False) for d in group["different"])]:
            vector = await index._vector(text)
            best = index.similarity("bucket", vector)
            assert best is not None
            found.append((right and best[0] == str(group["id"]), best[0], best[1]))
    return found


def rates(found: list[tuple[bool, str, float]], threshold: float) -> tuple[float, float, int]:
    """Hit rate among the paraphrases, false hits among all lookups, false hit count."""
    paraphrases = len(found) // 3
    hits = sum(1 for right, _, s in found if right and s >= threshold)
    false = sum(1 for right, _, s in found if not right and s >= threshold)
    return hits / paraphrases, false / len(found), false


async def main_async(threshold: float | None) -> None:
    embedder = E5Embedder()
    results = {}
    for split in ("dev", "test"):
        index = SemanticIndex(embedder, 1.0, 10_000)
        results[split] = await scores(index, load(split))
    chosen = threshold
    if chosen is None:
        chosen = next(t for t in THRESHOLDS if rates(results["dev"], t)[2] == 0)
    print("| threshold | dev hit rate | dev false hits | test hit rate | test false hits |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for t in sorted({*THRESHOLDS[::2], chosen}):
        dev, test = rates(results["dev"], t), rates(results["test"], t)
        mark = " (chosen on dev)" if t == chosen else ""
        print(
            f"| {t:.2f}{mark} | {dev[0]:.0%} | {dev[1]:.1%} ({dev[2]}) "
            f"| {test[0]:.0%} | {test[1]:.1%} ({test[2]}) |"
        )
    timings = []
    for text in [g["paraphrase"] for g in load("test")]:
        start = time.perf_counter()
        embedder.query(text + " ")  # not in the index's memo
        timings.append(time.perf_counter() - start)
    print(f"\nembedding per lookup: median {statistics.median(timings) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, help="report this threshold instead")
    args = parser.parse_args()
    asyncio.run(main_async(args.threshold))


if __name__ == "__main__":
    main()
