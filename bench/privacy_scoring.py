"""Strict scoring of a privacy detector on the evaluation set (``tests/data/privacy/``).

Standard library only, so that Presidio's run (``privacy_presidio.py``, in an
environment of its own) is scored by exactly the same code as careergate's.

A detector's answer for a document is the list of ``(start, end)`` spans it takes out of
the text. A personal value counts as **kept** from the upstream only when, at every place
it stands in the text, none of its letters or digits is left readable; one readable
digit of a card number or one readable given name beside a masked family name is a leak.
Credentials are scored alike. A **false placeholder** is a span on a document that holds
no personal data (``clean``), counted per 1,000 words of those documents.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "privacy"
KINDS = (
    "PERSON",
    "EMAIL",
    "PHONE",
    "ADDRESS",
    "POSTCODE",
    "DATE_OF_BIRTH",
    "NATIONAL_ID",
    "CARD",
    "LINK",
)
Span = tuple[int, int]


def load(split: str) -> list[dict[str, Any]]:
    """The documents of a split (``test`` or ``dev``)."""
    lines = (DATA / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def occurrences(text: str, value: str) -> list[Span]:
    """Where ``value`` stands in ``text`` as a whole (not inside a longer word)."""
    pattern = (
        rf"(?<![^\W_]){re.escape(value)}(?![^\W_])" if value[:1].isalnum() else re.escape(value)
    )
    return [m.span() for m in re.finditer(pattern, text)]


def kept(text: str, value: str, masked: bytearray) -> bool:
    """Whether no letter or digit of ``value`` stays readable anywhere it stands."""
    places = occurrences(text, value) or [(text.find(value), text.find(value) + len(value))]
    return all(
        masked[i] or not text[i].isalnum() for start, end in places for i in range(start, end)
    )


def mask_of(text: str, spans: Iterable[Span]) -> bytearray:
    masked = bytearray(len(text))
    for start, end in spans:
        masked[start:end] = b"\x01" * (end - start)
    return masked


@dataclass
class Scores:
    """What one detector did on one split."""

    kept: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    """(document id, kind, value) of every value left readable."""
    clean_words: int = 0
    clean_spans: int = 0
    false_spans: list[tuple[str, str]] = field(default_factory=list)
    """(document id, masked text) of every span on a document without personal data."""

    def rate(self, kind: str) -> float:
        return self.kept[kind] / self.total[kind] if self.total[kind] else float("nan")

    @property
    def overall(self) -> float:
        total = sum(self.total[kind] for kind in KINDS)
        return sum(self.kept[kind] for kind in KINDS) / total if total else float("nan")

    @property
    def false_per_1000_words(self) -> float:
        return 1000 * self.clean_spans / self.clean_words if self.clean_words else 0.0


def score(documents: Sequence[Mapping[str, Any]], spans: Mapping[str, Sequence[Span]]) -> Scores:
    """Score the ``spans`` a detector took out of each document (by document id).

    Subject documents' values are counted under ``SUBJECT`` (what the caller named, in
    the spellings the text uses), credentials under ``SECRET``; neither is in ``overall``.
    """
    scores = Scores()
    for document in documents:
        text = document["text"]
        found = spans.get(document["id"], ())
        masked = mask_of(text, found)
        if document["kind"] == "clean":
            scores.clean_words += len(text.split())
            scores.clean_spans += len(found)
            scores.false_spans += [(document["id"], text[s:e]) for s, e in found]
            continue
        labelled = [
            ("SUBJECT" if document["kind"] == "subject" else kind, value)
            for kind, value in document["values"]
        ]
        labelled += [("SECRET", value) for value in document.get("secrets", ())]
        for kind, value in labelled:
            scores.total[kind] += 1
            if kept(text, value, masked):
                scores.kept[kind] += 1
            else:
                scores.misses.append((document["id"], kind, value))
    return scores


def percent(value: float) -> str:
    return "n/a" if value != value else f"{value:.1%}"


def table(columns: Mapping[str, Scores]) -> list[str]:
    """A Markdown table: one row per kind, one column per (detector, split)."""
    names = list(columns)
    first = next(iter(columns.values()))
    lines = [
        "| kind (values) | " + " | ".join(names) + " |",
        "| --- | " + " | ".join("---:" for _ in names) + " |",
    ]
    splits = {name.rsplit(", ", 1)[-1]: scores for name, scores in columns.items()}
    for kind in (*KINDS, "SUBJECT", "SECRET"):
        counts = ", ".join(f"{split} {scores.total[kind]}" for split, scores in splits.items())
        if not first.total[kind] and kind in ("SUBJECT", "SECRET"):
            continue
        label = {"SUBJECT": "caller-named values", "SECRET": "credentials"}.get(kind, kind)
        cells = [percent(scores.rate(kind)) for scores in columns.values()]
        lines.append(f"| {label} ({counts}) | " + " | ".join(cells) + " |")
    lines.append(
        "| **personal data kept, overall** | "
        + " | ".join(f"**{percent(s.overall)}**" for s in columns.values())
        + " |"
    )
    lines.append(
        "| false placeholders per 1,000 words without personal data | "
        + " | ".join(f"{s.false_per_1000_words:.2f}" for s in columns.values())
        + " |"
    )
    return lines


WORDS_PER_DOCUMENT = 250


def joined(documents: Sequence[Mapping[str, Any]]) -> list[str]:
    """The split's texts joined, in order, into documents of about 250 words (the unit
    latency is stated in)."""
    out: list[str] = []
    current: list[str] = []
    words = 0
    for document in documents:
        current.append(document["text"])
        words += len(document["text"].split())
        if words >= WORDS_PER_DOCUMENT:
            out.append("\n\n".join(current))
            current, words = [], 0
    return out
