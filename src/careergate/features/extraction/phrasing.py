"""Skills stated in other words (``data/skill_phrasings.yaml``): "a team player",
"calm under pressure", "trained new starters", "an eye for detail". Each pattern is a
regular expression over the text (case-insensitive) and names the ESCO (or Lightcast)
skill it shows; the words it matched are the evidence. A pattern is searched only in
a text that holds what it needs (``needles.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from careergate.features.documents import Segment
from careergate.features.extraction.labels import Found, Skill
from careergate.features.extraction.needles import Needles, needles
from careergate.yaml_text import load_yaml

_CASE_TWINS = frozenset("\u0130\u0131\u017f")
"""Letters that ``re``'s case-insensitive matching takes for an ASCII letter ("İ", "ı"
for i, "ſ" for s) and ``str.lower`` does not turn into it: a text holding one is
searched with every pattern."""


@dataclass(frozen=True)
class Phrasing:
    skill: Skill
    pattern: re.Pattern[str]
    needles: Needles | None


class Phrasings:
    def __init__(self, phrasings: list[Phrasing]) -> None:
        self.phrasings = phrasings

    @classmethod
    def load(cls, lookup: Callable[[str], Skill | None]) -> Phrasings:
        text = resources.files("careergate.features").joinpath("data/skill_phrasings.yaml")
        data: dict[str, Any] = load_yaml(text.read_text())
        phrasings = []
        for entry in data["phrasings"]:
            skill = lookup(entry["skill"])
            if skill is None:
                raise ValueError(f"skill_phrasings.yaml: no skill named {entry['skill']!r}")
            for pattern in entry["patterns"]:
                wrapped = rf"\b(?:{pattern})\b"
                phrasings.append(Phrasing(skill, re.compile(wrapped, re.I), needles(wrapped)))
        return cls(phrasings)

    def find(self, segments: list[Segment]) -> list[Found]:
        found = []
        for segment in segments:
            lowered = None if _CASE_TWINS & set(segment.text) else segment.text.lower()
            for phrasing in self.phrasings:
                wanted = phrasing.needles
                if lowered is not None and wanted and not any(n in lowered for n in wanted):
                    continue
                match = phrasing.pattern.search(segment.text)
                if match is not None:
                    found.append(
                        Found(
                            phrasing.skill,
                            phrasing.pattern.pattern,
                            segment.field,
                            match.start(),
                            match.end(),
                            match.group(0),
                        )
                    )
        return found
