"""The development split's skill errors, document by document: what the fallback found
that the gold list lacks, and what it missed, with precision and recall over the
documents chosen. The tool for tuning rules on ``dev``; it reads no other split, since
no rule may be tuned on the items of ``test`` (``careergate eval features`` gives its
figures only).

Run: ``python scripts/dev_skill_errors.py [PREFIX] [--quiet]``: the documents whose id
starts with PREFIX (all of them by default; ``phrase:`` for Nesta's phrases).
"""

from __future__ import annotations

import argparse
import asyncio
from importlib import resources

from careergate.evaluation.skill_scores import SkillTally, concepts_of
from careergate.evaluation.splits import load_split
from careergate.features.extraction.finder import SkillFinder
from careergate.features.skills import SkillInference
from careergate.yaml_text import load_yaml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prefix", nargs="?", default="", help="document ids starting so")
    parser.add_argument("--quiet", action="store_true", help="the scores only")
    arguments = parser.parse_args()

    finder = SkillFinder.shipped()
    inference = SkillInference(finder)
    gold_path = resources.files("careergate.features").joinpath("data/eval/dev/skills.yaml")
    gold_names: dict[str, list[str]] = load_yaml(gold_path.read_text())["documents"]
    split = load_split("dev", finder.lookup)
    items = [i for i in split.skill_items if i.name.startswith(arguments.prefix)]
    tally = SkillTally()
    for item in items:
        found = asyncio.run(inference.fallback(item.segments, "offline")).skills
        concepts = concepts_of(found)
        tally.add(concepts, item.gold)
        if arguments.quiet:
            continue
        accepted = set().union(*item.gold) if item.gold else set()
        named = set().union(*concepts.values()) if concepts else set()
        print(f"== {item.name}")
        for skill in found:
            if not concepts[skill.uri] & accepted:
                print(f"   extra   {skill.label}  <- {skill.evidence!r} ({skill.field})")
        names = gold_names.get(item.name, [])
        for index, gold in enumerate(item.gold):
            if not gold & named:
                print(f"   missed  {names[index] if index < len(names) else sorted(gold)[0]}")
    scores = tally.scores(len(items))
    print(
        f"{len(items)} documents: precision {scores.precision:.3f}, "
        f"recall {scores.recall:.3f}, F1 {scores.f1:.3f}"
    )


if __name__ == "__main__":
    main()
