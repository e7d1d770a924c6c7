"""What a detector reports: a kind of personal data and where it is in a text."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum


class PiiKind(StrEnum):
    """The kinds of personal data careergate looks for (they name the placeholders)."""

    PERSON = "PERSON"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"
    LINK = "LINK"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    NATIONAL_ID = "NATIONAL_ID"
    CARD = "CARD"
    """A payment card number (Luhn-checked)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """``text[start:end]`` is personal data of ``kind``.

    ``priority`` settles overlaps: what the platform told us about the user (known values)
    beats a pattern, and a pattern beats a statistical guess (names).
    """

    kind: PiiKind
    start: int
    end: int
    priority: int = 0
    part: str = ""
    """For a part of a known person's name: ``GIVEN`` or ``FAMILY`` (its own placeholder,
    ``[PERSON_1_GIVEN]``, so that "Dear Jane" comes back as "Dear Jane", not the full name)."""
    canonical: str | None = None
    """The full name a ``part`` belongs to, or that a name written otherwise stands for
    (``J. Doe``, ``JANE DOE``: one person, one placeholder, each spelling restored)."""

    @property
    def length(self) -> int:
        return self.end - self.start


def resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order: of overlapping ones, the higher priority
    wins, then the longer."""
    ranked = sorted(findings, key=lambda f: (-f.priority, -f.length, f.start))
    # What is taken, kept in text order: being apart, its starts and ends are both
    # sorted, so a finding's neighbours are found by halving (a text of many findings,
    # a megabyte of names, is not compared pair by pair).
    starts: list[int] = []
    ends: list[int] = []
    taken: list[Finding] = []
    for finding in ranked:
        at = bisect_right(ends, finding.start)  # the first taken ending after it starts
        if at < len(taken) and starts[at] < finding.end:
            continue
        starts.insert(at, finding.start)
        ends.insert(at, finding.end)
        taken.insert(at, finding)
    return taken


def overlapping(
    findings: Sequence[Finding], ends: Sequence[int], start: int, end: int
) -> Iterator[Finding]:
    """The findings of ``findings`` (apart, in text order; ``ends`` their ends) that
    overlap ``start:end``."""
    at = bisect_right(ends, start)
    while at < len(findings) and findings[at].start < end:
        yield findings[at]
        at += 1
