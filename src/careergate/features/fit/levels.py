"""Seniority on one scale: 0 apprentice or trainee, 1 junior or assistant, 2 experienced,
3 senior, 4 head, manager or principal.

A posting's level comes from its title, its ``experience`` field and the years it asks
for; a profile's from its latest job title and the years its jobs add up to. A posting
that states no level suits levels 1 to 3. A level two or more steps away from the
person's is a different job (a senior data engineer is not an apprentice's candidate),
one step away a stretch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from careergate.features.documents import Segment

_WORDS: tuple[tuple[int, re.Pattern[str]], ...] = tuple(
    (level, re.compile(rf"\b(?:{words})\b", re.I))
    for level, words in (
        (
            4,
            r"head|principal|director|chief|controller|ward manager|care home manager|"
            r"warehouse manager|staff (?:software )?engineer|registered manager",
        ),
        (
            0,
            r"apprentice|apprenticeship|trainee|intern|internship|school leavers?|"
            r"no experience (?:needed|required)",
        ),
        (3, r"senior|lead|sous chef|team leader|supervisor|band [67]"),
        (
            1,
            # Not "post-graduate": "Grade 2 (2+ years post-graduate)" is experienced.
            r"junior|(?<!post-)(?<!post )graduate|entry[- ]level|assistant|porter|clerk|operative|"
            r"mate|commis|helper|first job",
        ),
        (2, r"mid[- ]level|experienced"),
    )
)
_YEARS = re.compile(
    r"\b(\d{1,2})\s*\+?\s*(?:(?:[-–]|to)\s*\d+\s*)?(?:years?|yrs?)\b"
    r"(?![\s-]*(?:old|of age|or over|or older|ago|in business|fixed|contract)\b)",
    re.I,
)
"""Years asked for: "3+ years", "2-4 years", "3 to 5 years" (the first), "2–3 yrs"; not
"a £500 yearly tool allowance" (read as 500 years before), "over 18 years of age", a
firm's "25 years in business" nor "a 2 year fixed-term contract" (nor the ages of
``_AGES``)."""
_AGES = re.compile(
    r"\b(?:aged?|ages)\b(?:\s+(?:between|from))?\s+\d+\s*(?:[-–]|to|and)\s*\d+\s*"
    r"(?:years?|yrs?)|\(\s*\d+\s*[-–]\s*\d+\s*years?\s*\)|\bunder\s+\d+\s*years?",
    re.I,
)
"""The ages of the people a job serves ("pupils aged 5-11 years", "Key Stage 2 (7-11
years)", "children under 5 years"), left out before years asked are read."""
MOST_YEARS_ASKED = 15
"""More is a firm's age ("trading for 25 years"), not experience asked for."""
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?")


@dataclass(frozen=True)
class Seniority:
    level: int | None
    """None when the document does not say."""
    years: float
    """Years of experience: asked for (a posting) or worked (a profile)."""
    also_below: bool = False
    """A person's level read from their years alone, their latest title naming none or
    only an experienced one: that many years fit the level below as well (a carpenter
    of eleven years suits a post for an experienced carpenter). A title that says
    "Senior" says where the person stands, and keeps the one-step gap."""


def level_in(text: str) -> int | None:
    """The first level a title or phrase names, checked from the most telling ("Senior
    Care Assistant" is senior)."""
    for level, pattern in _WORDS:
        if pattern.search(text):
            return level
    return None


def posting_seniority(segments: list[Segment]) -> Seniority:
    title = next((s.text for s in segments if s.field == "title"), "")
    stated = next((s.text for s in segments if s.field == "experience"), "")
    level = level_in(title)
    if level is None:
        level = level_in(stated)
    asked = 0.0
    for segment in segments:
        if segment.field.startswith(("qualifications", "description")):
            for match in _YEARS.finditer(_AGES.sub(" ", segment.text)):
                if int(match.group(1)) <= MOST_YEARS_ASKED:
                    asked = max(asked, float(match.group(1)))
    if level is None:
        text = " ".join(s.text for s in segments if s.field != "title")
        level = 0 if level_in(text) == 0 else None
    if level is None and asked:
        level = 1 if asked < 2 else 2 if asked < 5 else 3
    return Seniority(level, asked)


def profile_seniority(segments: list[Segment], today: date) -> Seniority:
    years = _years_worked(segments, today)
    titles = [
        s.text for s in segments if s.field.endswith(".position") or s.field == "basics.label"
    ]
    latest = titles[0] if titles else ""
    level = level_in(latest)
    by_years = 1 if years < 2 else 2 if years < 6 else 3
    if level is None or level == 2:
        return Seniority(by_years, years, also_below=by_years == 3)
    return Seniority(level, years)


def level_fit(posting: Seniority, profile: Seniority) -> float:
    """1 when the levels agree (or the posting states none and the person is 1 to 3);
    lower the further apart they are, and when the person has fewer years than asked."""
    fit = 1.0
    if posting.level is not None and profile.level is not None:
        gap = posting.level - profile.level
        if gap == -1 and profile.also_below:
            gap = 0
        fit = {0: 1.0, 1: 0.6, -1: 0.6}.get(gap, 0.2)
    elif posting.level is None and profile.level is not None and profile.level > 3:
        fit = 0.6
    short = posting.years - profile.years
    if short > 0:
        fit *= max(0.4, 1 - 0.1 * short)
    return fit


def _years_worked(segments: list[Segment], today: date) -> float:
    """The years covered by the jobs' dates, overlaps counted once; years as an
    apprentice, trainee or intern are training, not experience of the trade."""
    training = {
        s.field.split(".")[0]
        for s in segments
        if s.field.startswith("work[") and s.field.endswith(".position") and _training(s.text)
    }
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    for segment in segments:
        if segment.field.split(".")[0] in training:
            continue
        if segment.field.startswith("work[") and segment.field.endswith("Date"):
            job = segment.field.split(".")[0]
            when = _when(segment.text)
            if when is not None:
                (starts if segment.field.endswith("startDate") else ends)[job] = when
    now = today.year + (today.month - 1) / 12
    spans = sorted((start, ends.get(job, now)) for job, start in starts.items())
    total, reach = 0.0, 0.0
    for start, end in spans:
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


_TRAINING = re.compile(
    r"(?i)^\W*(?:apprentice|trainee|intern)\b|\b(?:apprentice|trainee|intern)\W*$"
)
"""A title whose head is a trainee ("Trainee Dental Nurse", "1st Year Apprentice",
"Software Engineering Intern"), not one that trains them ("Apprenticeship Coordinator",
"Lead Apprentice Assessor")."""


def _training(title: str) -> bool:
    return _TRAINING.search(title) is not None


def _when(text: str) -> float | None:
    match = _DATE.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)) + (int(match.group(2) or 1) - 1) / 12
