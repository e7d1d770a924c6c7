"""The development split's job matching on the documents of one batch: the fallback,
plain BM25 and each ablation, nDCG@10 and MRR, with each profile's fallback and BM25
figures. The tool for tuning the ranking on ``dev``; it reads no other split, since no
rule may be tuned on the items of ``test`` (``careergate eval features`` gives its
figures only).

Run: ``python scripts/dev_matching.py [PREFIX]``: the profiles and postings whose id
starts with PREFIX (all of them by default), ranked against each other.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace

from careergate.evaluation.feature_run import AS_OF
from careergate.evaluation.ranking_scores import score_matching
from careergate.evaluation.splits import Split, load_split
from careergate.features.extraction.finder import SkillFinder
from careergate.features.fit.facts import FactReader
from careergate.features.matching import JobMatcher


def batch(split: Split, prefix: str) -> Split:
    profiles = {k: v for k, v in split.profiles.items() if k.startswith(prefix)}
    postings = {k: v for k, v in split.postings.items() if k.startswith(prefix)}
    grades = {p: {j: g for j, g in split.grades[p].items() if j in postings} for p in profiles}
    return replace(split, profiles=profiles, postings=postings, grades=grades)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prefix", nargs="?", default="", help="document ids starting so")
    arguments = parser.parse_args()
    finder = SkillFinder.shipped()
    matcher = JobMatcher(finder, "none", None, reader=FactReader(finder, today=AS_OF))
    split = batch(load_split("dev", finder.lookup), arguments.prefix)
    scores = await score_matching(matcher, split, None)
    for name, figures in scores.methods.items():
        print(f"{name:24s} nDCG@10 {figures.ndcg_at_10:.3f}  MRR {figures.mrr:.3f}")
    for profile in split.profiles:
        alone = replace(split, profiles={profile: split.profiles[profile]})
        alone = replace(alone, grades={profile: split.grades[profile]})
        one = await score_matching(matcher, alone, None, ablations=False)
        bm25 = one.methods["bm25"]
        fallback = one.methods["fallback"]
        print(f"  {profile:40s} fallback {fallback.ndcg_at_10:.3f}  BM25 {bm25.ndcg_at_10:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
