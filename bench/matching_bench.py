"""Job matching at scale: how long ranking N postings for a profile takes without a model
(BM25 with ``bm25s`` plus ESCO skill coverage), against BM25 alone in the same run.

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
from pathlib import Path

import bm25s

from careergate.features.documents import Segment
from careergate.features.matching import Candidate, JobMatcher
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,3000,10000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    matcher = JobMatcher(Taxonomy.esco())
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        candidates = postings(size, seed=size)
        ours, baseline = [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            bm25_only(candidates)
            baseline.append(time.perf_counter() - started)
            started = time.perf_counter()
            matcher.rank(PROFILE, candidates, query_is_posting=False)
            ours.append(time.perf_counter() - started)
        a, b = statistics.median(ours), statistics.median(baseline)
        rows.append(f"| {size:,} | {a:.2f} | {b:.2f} | {a / b:.1f} |")
        print(f"{size:>6} postings: ranked in {a:.2f} s; BM25 alone {b:.2f} s", flush=True)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = "\n".join(
        [
            "## Job matching at scale",
            "",
            f"Command: `python bench/matching_bench.py --sizes {args.sizes} --rounds "
            f"{args.rounds}`, {when}, {os.cpu_count()} cores; medians. Synthetic postings; "
            "ranking without a model (BM25 plus ESCO skill coverage, every posting's skills "
            "found in its text), against BM25 alone in the same run.",
            "",
            "| postings | ranked in s | BM25 alone s | ratio |",
            "| ---: | ---: | ---: | ---: |",
            *rows,
            "",
        ]
    )
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
