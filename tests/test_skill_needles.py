"""The phrasings' prefilter (``features/extraction/needles.py``) skips a pattern only
where it cannot match: what is found with it is what is found without it."""

from __future__ import annotations

from careergate.evaluation.splits import load_split, regression_split
from careergate.features.documents import Segment
from careergate.features.extraction.finder import SkillFinder
from careergate.features.extraction.needles import needles

ODD_TEXTS = [
    "İT SKILLS and ſtock rotation",  # letters re's IGNORECASE takes for ASCII ones
    "Wrote the MENUS; costed dishes. PAT TESTING, test and tag.",
    "Processed refunds, kept the books, ran weekly payroll",
]


def test_a_pattern_is_skipped_only_where_it_cannot_match() -> None:
    finder = SkillFinder.shipped()
    texts = [s.text for item in load_split("dev", finder.lookup).skill_items for s in item.segments]
    texts += [s.text for item in regression_split(finder.lookup).skill_items for s in item.segments]
    texts += ODD_TEXTS
    segments = [Segment(f"t{n}", text) for n, text in enumerate(texts)]
    phrasings = finder.phrasings.phrasings
    assert sum(p.needles is not None for p in phrasings) > 0.9 * len(phrasings)

    def every_match(segment: Segment) -> set[tuple[str, int, int]]:
        matches = (p.pattern.search(segment.text) for p in phrasings)
        return {(m.re.pattern, m.start(), m.end()) for m in matches if m is not None}

    found = {(f.matched, f.start, f.end) for f in finder.phrasings.find(segments)}
    wanted = {match for segment in segments for match in every_match(segment)}
    assert len(wanted) > 100
    assert found == wanted


def test_the_needles_are_what_every_match_holds() -> None:
    assert needles(r"\b(?:refunds)\b") == {"refunds"}
    assert needles(r"\b(?:PAT test(?:s|ing)?|test and tag)\b") == {"pat test", "test and tag"}
    assert needles(r"(?:wrote|plan) (?:\w+ ){0,3}menus?") == {"menu"}
    assert needles(r"\b(?:a|bc)\b") is None  # too short to rule anything out
    assert needles(r"(?:x(?:yz)?)?") is None  # nothing is needed
    assert needles(r"\b(?:(?:good|great) (?:at )?listen(?:ing|er))\b") == {"listen"}
