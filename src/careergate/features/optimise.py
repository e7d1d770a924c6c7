"""Content optimisation: edits that make a resume's bullets and summary speak to a
posting. Each edit names the field, the exact ``original`` text (found verbatim in the
resume, or the edit is dropped), its ``replacement`` and the ``reason``; the answer
gives the share of the posting's skills the summary and bullets name, before and
after the edits.

Nothing is invented: an edit whose replacement brings a number the resume does not hold
is dropped, and the rules only reword, remove or name skills the resume already shows.

Rules (the fallback): weak openings ("Responsible for", "Worked on") become strong verbs;
buzzwords go; bullets without a number and overlong ones get a note (a number cannot be
made up); the summary names the posting's skills the resume shows elsewhere. AI path:
the model proposes edits (structured output) that pass the same checks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from careergate.features.documents import NUMBER, Segment, clipped
from careergate.features.extraction.finder import SkillFinder
from careergate.features.model_access import (
    ModelCaller,
    ModelUnavailable,
    ask_structured,
    list_schema,
)

FEATURE = "content-optimisation"
PROMPT_VERSION = "optimise-v1"
MAX_BULLET_CHARS = 220
_WEAK_OPENINGS = {
    "responsible for": "Owned",
    "worked on": "Delivered",
    "helped with": "Supported",
    "helped to": "Helped",
    "assisted with": "Supported",
    "assisted in": "Supported",
    "participated in": "Contributed to",
    "was involved in": "Contributed to",
    "tasked with": "Delivered",
    "duties included": "Delivered",
}
_BUZZWORDS = (
    "results-driven",
    "results driven",
    "detail-oriented",
    "go-getter",
    "team player",
    "hard worker",
    "hard-working",
    "synergy",
    "think outside the box",
    "self-starter",
    "dynamic",
    "passionate",
)
_EDITABLE = ("basics.summary", ".highlights[", ".summary", ".description")
_ANSWER_SCHEMA = list_schema(
    "edits",
    original={"type": "string"},
    replacement={"type": "string"},
    reason={"type": "string"},
)


@dataclass(frozen=True, slots=True)
class Edit:
    field: str
    original: str
    replacement: str
    reason: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "original": self.original,
            "replacement": self.replacement,
            "reason": self.reason,
            "source": self.source,
        }


@dataclass
class OptimisationReport:
    edits: list[Edit]
    notes: list[dict[str, str]]
    coverage_before: float
    coverage_after: float
    degraded: bool
    reason: str | None = None
    model: str | None = None
    dropped: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "edits": [e.to_json() for e in self.edits],
            "notes": self.notes,
            "keyword_coverage": {
                "before": round(self.coverage_before, 4),
                "after": round(self.coverage_after, 4),
            },
            "dropped": self.dropped,
            "degraded": self.degraded,
            "reason": self.reason,
            "model": self.model,
            "prompt_version": PROMPT_VERSION,
        }


class ContentOptimiser:
    def __init__(self, skills: SkillFinder, model: str = "gpt-4o-mini") -> None:
        self.skills = skills
        self.model = model

    async def optimise(
        self, resume: list[Segment], posting: list[Segment], caller: ModelCaller | None
    ) -> OptimisationReport:
        # Reading the documents for skills is CPU work: off the event loop.
        wanted, (rules, notes) = await asyncio.to_thread(self._wanted_and_rules, resume, posting)
        degraded, edits = True, rules
        reason: str | None = "no model was asked (offline)"
        model: str | None = None
        dropped: list[str] = []
        if caller is not None:
            try:
                proposed, model = await self._propose(resume, posting, caller)
                ai, dropped = self._checked(proposed, resume)
            except ModelUnavailable as exc:
                reason = str(exc)
            else:
                edits = _merged(ai, rules)
                if ai:
                    degraded, reason = False, None
                else:  # the model answered, but nothing better than the rules' edits
                    reason = "the model proposed no usable edit; the rule-based edits stand"
        before, after = await asyncio.to_thread(
            lambda: (
                self._coverage(resume, wanted),
                self._coverage(_apply(resume, edits), wanted),
            )
        )
        return OptimisationReport(edits, notes, before, after, degraded, reason, model, dropped)

    def _wanted_and_rules(
        self, resume: list[Segment], posting: list[Segment]
    ) -> tuple[dict[str, str], tuple[list[Edit], list[dict[str, str]]]]:
        """The posting's skills, and the rules' edits of the resume for them."""
        wanted = {f.skill.uri: f.skill.label for f in self.skills.find(posting)}
        return wanted, self._rules(resume, wanted)

    def _rules(
        self, resume: list[Segment], wanted: dict[str, str]
    ) -> tuple[list[Edit], list[dict[str, str]]]:
        edits: list[Edit] = []
        notes: list[dict[str, str]] = []
        for segment in resume:
            if not any(marker in segment.field for marker in _EDITABLE):
                continue
            text = segment.text
            lowered = text.lower().lstrip()
            for weak, strong in _WEAK_OPENINGS.items():
                if lowered.startswith(weak):
                    start = text.lower().index(weak)
                    original = text[start : start + len(weak)]
                    edits.append(
                        Edit(
                            segment.field,
                            original,
                            strong,
                            f"“{original}” is a weak opening; lead with what you did.",
                            "rules",
                        )
                    )
                    break
            for buzzword in _BUZZWORDS:
                at = text.lower().find(buzzword)
                if at >= 0:
                    original = text[at : at + len(buzzword)]
                    edits.append(
                        Edit(
                            segment.field,
                            original,
                            "",
                            f"“{original}” is a buzzword; show it with a result instead.",
                            "rules",
                        )
                    )
            if ".highlights[" in segment.field and not NUMBER.search(text):
                notes.append(
                    {
                        "field": segment.field,
                        "note": "No number: add a measurable result you can stand behind.",
                    }
                )
            if len(text) > MAX_BULLET_CHARS:
                notes.append(
                    {
                        "field": segment.field,
                        "note": f"{len(text)} characters: shorten to one line.",
                    }
                )
        summary = next((s for s in resume if s.field == "basics.summary"), None)
        if summary is not None:
            # As the resume itself writes them ("Python", not ESCO's "Python (computer
            # programming)"), so the summary reads naturally.
            written: dict[str, str] = {}
            for found in self.skills.find([s for s in resume if s is not summary]):
                written.setdefault(found.skill.uri, found.text)
            in_summary = {f.skill.uri for f in self.skills.find([summary])}
            missing = [written[uri] for uri in wanted if uri in written and uri not in in_summary]
            if missing:
                addition = f" Skilled in {_join(missing[:4])}."
                edits.append(
                    Edit(
                        summary.field,
                        summary.text,
                        summary.text.rstrip() + addition,
                        "The posting asks for skills your resume shows but your summary "
                        "does not name.",
                        "rules",
                    )
                )
        return edits, notes

    async def _propose(
        self, resume: list[Segment], posting: list[Segment], caller: ModelCaller
    ) -> tuple[list[dict[str, str]], str | None]:
        editable = [s for s in resume if any(m in s.field for m in _EDITABLE)]
        listed, model = await ask_structured(
            caller,
            model=self.model,
            instructions="Improve these resume bullets and summary for the posting. Each edit "
            "quotes the exact original text, gives the replacement and why. Never add "
            "employers, titles, dates, numbers or skills the resume does not show.",
            content="Posting:\n"
            + clipped("\n".join(s.text for s in posting), 3000)
            + "\n\nResume:\n"
            + clipped("\n".join(f"[{s.field}] {s.text}" for s in editable), 5000),
            schema=_ANSWER_SCHEMA,
            name="edits",
            max_tokens=1500,
        )
        edits: list[dict[str, str]] = listed["edits"]
        return edits, model

    def _checked(
        self, proposed: list[dict[str, str]], resume: list[Segment]
    ) -> tuple[list[Edit], list[str]]:
        """Edits whose original is verbatim in a part of the resume offered for editing
        (the summary and bullets: not a job title, an employer or a date) and whose
        replacement brings no number the resume does not hold; the reasons for the
        others."""
        known_numbers = {n for s in resume for n in NUMBER.findall(s.text)}
        editable = [s for s in resume if any(m in s.field for m in _EDITABLE)]
        kept: list[Edit] = []
        dropped: list[str] = []
        for item in proposed:
            original = item["original"]
            home = next((s for s in editable if original and original in s.text), None)
            if home is None:
                dropped.append(f"original not in the resume's editable text: {original[:80]!r}")
                continue
            if item["replacement"].strip() == original.strip():
                dropped.append(f"changes nothing: {original[:80]!r}")
                continue
            new_numbers = set(NUMBER.findall(item["replacement"])) - known_numbers
            if new_numbers:
                dropped.append(f"invents {', '.join(sorted(new_numbers))}: {original[:60]!r}")
                continue
            kept.append(Edit(home.field, original, item["replacement"], item["reason"], "ai"))
        return kept, dropped

    def _coverage(self, resume: list[Segment], wanted: dict[str, str]) -> float:
        """The share of the posting's skills that the summary and bullets name (the
        prose a reader, or a screening system, reads in context)."""
        if not wanted:
            return 1.0
        prose = [s for s in resume if any(m in s.field for m in _EDITABLE)]
        shown = {f.skill.uri for f in self.skills.find(prose)}
        return len(shown & wanted.keys()) / len(wanted)


def _merged(ai: list[Edit], rules: list[Edit]) -> list[Edit]:
    """The model's edits, then the rules' edits of text no edit of the model's touches:
    a rule-based edit is dropped only for a better one of the same text."""
    touched = [(edit.field, edit.original) for edit in ai]

    def overlaps(edit: Edit) -> bool:
        return any(
            edit.field == where and (edit.original in text or text in edit.original)
            for where, text in touched
        )

    return [*ai, *(edit for edit in rules if not overlaps(edit))]


def _apply(resume: list[Segment], edits: list[Edit]) -> list[Segment]:
    """The resume with the edits made: longest originals first, so that an edit of a whole
    segment is not undone by a smaller one made before it."""
    ordered = sorted(edits, key=lambda edit: -len(edit.original))
    changed = []
    for segment in resume:
        text = segment.text
        for edit in ordered:
            if edit.field == segment.field and edit.original in text:
                text = text.replace(edit.original, edit.replacement, 1)
        changed.append(Segment(segment.field, text))
    return changed


def _join(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
