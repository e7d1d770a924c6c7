"""The semantic cache on near-duplicate career prompts: hits and false hits by threshold,
with and without the key-term check; then an independent set of question pairs.

``bench/data/semantic_{dev,test}.jsonl`` (hand-written; sha256 in docs/benchmarks.md):
each group has a question, a paraphrase of it (the same question: a hit is right), and
two near-duplicates that ask something else (another role, place, document or
direction: a hit is a false hit). As in one user's scope, every question of a split is
kept in one bucket of the real ``SemanticIndex``; then each paraphrase and each
near-duplicate is looked up. A lookup that returns another question's entry is a false
hit too. The threshold is chosen on the dev split (the lowest with no false hit) and
reported on both; the embedding's and the key terms' cost per lookup are timed.

Held-out splits: ``bench/data/semantic_holdout{,2,3}.jsonl`` (same format, 260, 290 and
265 groups, each written and committed before it was first measured, by someone who had
not read the key terms), looked up the same way at the threshold chosen on the dev split:
their hit rates, their false hits with a one-sided 95% upper bound, and which they are.
The key terms were changed after the first two had been measured (docs/benchmarks.md
says how); only the third was never seen by them.

Independent set: the 600 question pairs that the ``fow-cache`` wheel ships (general
customer-service questions, not careers, written with language models and sampled by a
person; CC BY 4.0): per pair the first question is kept in a fresh index and the second
looked up, at the threshold chosen on the dev split.

Run: ``python bench/semantic_bench.py [--threshold T]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from careergate.cache.semantic import KeyTermsOf, SemanticIndex, no_key_terms
from careergate.features.embeddings import E5Embedder
from careergate.runtime import semantic_key_terms

DATA = Path(__file__).resolve().parent / "data"
HELD_OUT = ("holdout", "holdout2", "holdout3")
THRESHOLDS = [round(0.80 + 0.01 * i, 2) for i in range(20)]
Found = list[tuple[bool, float | None]]
"""Per lookup: whether a hit would be right, and the similarity of the entry it would
return (``None``: no stored question with the same key terms)."""


def load(split: str) -> list[dict[str, Any]]:
    lines = (DATA / f"semantic_{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


async def scores(index: SemanticIndex, groups: list[dict[str, Any]]) -> Found:
    for group in groups:
        index.add("bucket", group["question"], str(group["id"]), None)
    await index.settled()
    found: Found = []
    for group in groups:
        for text, right in [(group["paraphrase"], True), *((d, False) for d in group["different"])]:
            best = await index.candidate("bucket", text)
            if best is None:
                found.append((False, None))
            else:
                found.append((right and best[0] == str(group["id"]), best[1]))
    return found


def rates(found: Found, threshold: float) -> tuple[float, float, int]:
    """Hit rate among the paraphrases, false hits among all lookups, false hit count."""
    paraphrases = len(found) // 3
    hits = sum(1 for right, s in found if right and s is not None and s >= threshold)
    false = sum(1 for right, s in found if not right and s is not None and s >= threshold)
    return hits / paraphrases, false / len(found), false


def upper95(false: int, lookups: int) -> float:
    """One-sided 95% Clopper-Pearson upper bound on a rate seen as false of lookups (about
    3/lookups, the rule of three, when none)."""

    def at_most(p: float) -> float:
        return sum(
            math.comb(lookups, k) * p**k * (1 - p) ** (lookups - k) for k in range(false + 1)
        )

    low, high = false / lookups, 1.0
    for _ in range(60):
        low, high = (
            (low, (low + high) / 2)
            if at_most((low + high) / 2) < 0.05
            else ((low + high) / 2, high)
        )
    return high


async def holdout_rows(
    index: SemanticIndex, split: str, found: Found, t: float, name: str
) -> list[str]:
    """A held-out split at ``t``: one table row, then a line per false hit."""
    groups = load(split)
    hit, rate, false = rates(found, t)
    rows = [
        f"| {split} | {name} | {t:.2f} | {hit:.0%} ({round(hit * len(groups))}/{len(groups)}) "
        f"| {rate:.1%} ({false}/{len(found)}) | {upper95(false, len(found)):.1%} |"
    ]
    questions = {str(g["id"]): g["question"] for g in groups}
    texts = [text for g in groups for text in (g["paraphrase"], *g["different"])]
    for text, (right, s) in zip(texts, found, strict=True):
        if not right and s is not None and s >= t:
            best = await index.candidate("bucket", text)
            assert best is not None
            rows.append(
                f"false hit ({split}, {name}, {s:.3f}): {text!r} answered by {questions[best[0]]!r}"
            )
    return rows


def split_rows(results: dict[str, Found], chosen: float, name: str) -> list[str]:
    rows = []
    for t in sorted({*THRESHOLDS[::2], chosen, 0.97, 0.99}):
        dev, test = rates(results["dev"], t), rates(results["test"], t)
        mark = " (chosen on dev)" if t == chosen else ""
        rows.append(
            f"| {name} | {t:.2f}{mark} | {dev[0]:.0%} | {dev[1]:.1%} ({dev[2]}) "
            f"| {test[0]:.0%} | {test[1]:.1%} ({test[2]}) |"
        )
    return rows


async def pairs_rows(embedder: E5Embedder, checks: dict[str, KeyTermsOf], t: float) -> list[str]:
    """The fow-cache pairs: should-hit served and traps answered wrongly, by category."""
    from fow_cache.data import load_questions

    rows = []
    for name, check in checks.items():
        served: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for pair in load_questions():
            index = SemanticIndex(embedder, t, 10, check)
            index.add("bucket", pair["a"], "a", None)
            await index.settled()
            hit = await index.nearest("bucket", pair["b"]) is not None
            kind = "should hit" if pair["same_answer"] else "trap"
            for key in (kind, f"{kind}: {pair['category']}"):
                served[key][0] += hit
                served[key][1] += 1
        for key in sorted(served, key=lambda k: (not k.startswith("should"), k)):
            hits, total = served[key]
            rows.append(f"| {name} | {key} | {hits}/{total} | {hits / total:.1%} |")
    return rows


def timings(embedder: E5Embedder, terms: KeyTermsOf, texts: list[str]) -> str:
    embed, check = [], []
    for text in texts:
        start = time.perf_counter()
        embedder.query(text + " ")  # not in the index's memo
        embed.append(time.perf_counter() - start)
        start = time.perf_counter()
        terms(text)
        check.append(time.perf_counter() - start)
    return (
        f"per lookup: embedding median {statistics.median(embed) * 1000:.1f} ms, "
        f"key terms median {statistics.median(check) * 1000:.2f} ms"
    )


async def main_async(threshold: float | None, pairs: bool) -> None:
    embedder = E5Embedder()
    terms = semantic_key_terms()
    checks: dict[str, KeyTermsOf] = {"similarity alone": no_key_terms, "with key terms": terms}
    print("| check | threshold | dev hit rate | dev false hits | test hit rate | test false hits |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    chosen, holdout = {}, []
    for name, check in checks.items():
        results = {}
        for split in ("dev", "test"):
            index = SemanticIndex(embedder, 1.0, 10_000, check)
            results[split] = await scores(index, load(split))
        chosen[name] = threshold or next(t for t in THRESHOLDS if rates(results["dev"], t)[2] == 0)
        print("\n".join(split_rows(results, chosen[name], name)))
        for split in HELD_OUT:
            index = SemanticIndex(embedder, 1.0, 10_000, check)
            found = await scores(index, load(split))
            holdout += await holdout_rows(index, split, found, chosen[name], name)
    print("\nHeld-out splits at the threshold chosen on dev:\n")
    print(
        "| split | check | threshold | hit rate | false hits (of all lookups) | 95% upper bound |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    print("\n".join(r for r in holdout if r.startswith("|")))
    print("\n".join(r for r in holdout if not r.startswith("|")))
    print("\n" + timings(embedder, terms, [g["paraphrase"] for g in load("test")]))
    if pairs:
        t = chosen["with key terms"]
        print(f"\nfow-cache question pairs at {t:.2f}:\n")
        print("| check | pairs | served from the cache | share |")
        print("| --- | --- | ---: | ---: |")
        print("\n".join(await pairs_rows(embedder, checks, t)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, help="report this threshold instead")
    parser.add_argument("--no-pairs", action="store_true", help="skip the fow-cache pairs")
    args = parser.parse_args()
    asyncio.run(main_async(args.threshold, not args.no_pairs))


if __name__ == "__main__":
    main()
