"""The privacy detector against the evaluation set the project did not write
(``tests/data/privacy/``; the full measure is ``bench/privacy_eval.py``), and the
behaviours that set asked for: cards, every spelling restored as written."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from careergate.endpoints import CHAT
from careergate.privacy import PiiKind, PrivacyMode
from careergate.privacy.detector import PiiDetector
from careergate.privacy.policy import PrivacyPolicy
from careergate.privacy.shield import PrivacyShield
from careergate.privacy.subject import Subject, SubjectSpec
from careergate.security.secrets import SecretScanner

DATA = Path(__file__).resolve().parent / "data" / "privacy"
BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def _documents(split: str) -> list[dict[str, Any]]:
    lines = (DATA / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_the_test_split_is_the_one_committed_before_tuning() -> None:
    digest = hashlib.sha256((DATA / "test.jsonl").read_bytes()).hexdigest()
    assert f"`{digest}`" in BENCHMARKS.read_text()


def _kept(text: str, value: str, masked: bytearray) -> bool:
    """No letter or digit of ``value`` readable wherever it stands."""
    places = [m.span() for m in re.finditer(re.escape(value), text)]
    return all(masked[i] or not text[i].isalnum() for s, e in places for i in range(s, e))


def test_shapes_and_rules_keep_what_they_kept_on_the_development_split() -> None:
    """Without the name model (milliseconds), on every other development document:
    credentials and what the caller names all kept, each other kind of shape at least
    93%, and no more false placeholders in text without personal data than when last
    measured. That bound is 2.5 per 1,000 words, not the goal of 1: the split's clean
    texts include 114 career texts written apart (``bench/data/privacy_clean``), on which
    the shapes and rules make about 2 (docs/benchmarks.md)."""
    detector, scanner = PiiDetector(None), SecretScanner()
    kept: Counter[str] = Counter()
    total: Counter[str] = Counter()
    clean_words = clean_spans = 0
    for document in _documents("dev")[::2]:
        text = document["text"]
        subject = (
            Subject.of(SubjectSpec(**document["subject"])) if document["subject"] else Subject()
        )
        found = [(f.start, f.end) for f in asyncio.run(detector.detect([text], subject))[0]]
        found += [(s.start, s.end) for s in scanner.find_whole(text)]
        if document["kind"] == "clean":
            clean_words += len(text.split())
            clean_spans += len(found)
            continue
        masked = bytearray(len(text))
        for start, end in found:
            masked[start:end] = b"\x01" * (end - start)
        labelled = [("SECRET", value) for value in document["secrets"]]
        labelled += [
            ("SUBJECT" if document["kind"] == "subject" else kind, value)
            for kind, value in document["values"]
        ]
        for kind, value in labelled:
            total[kind] += 1
            kept[kind] += _kept(text, value, masked)
    assert kept["SECRET"] == total["SECRET"] > 0
    assert kept["SUBJECT"] == total["SUBJECT"] > 0
    for kind in total.keys() - {"PERSON", "SECRET", "SUBJECT"}:
        assert kept[kind] >= 0.93 * total[kind], (kind, kept[kind], total[kind])
    assert 1000 * clean_spans / clean_words <= 2.5


def _protect(text: str, subject: dict[str, Any] | None = None) -> tuple[str, Any]:
    shield = PrivacyShield(PrivacyPolicy(PrivacyMode.PSEUDONYMISE), PiiDetector(None))
    body: dict[str, Any] = {"messages": [{"role": "user", "content": text}]}
    extension = {"subject": subject} if subject else None
    protection = asyncio.run(shield.protect(CHAT, body, extension, None, None, None))
    return body["messages"][0]["content"], protection


def test_card_numbers_are_their_own_kind_when_their_check_digit_holds() -> None:
    sent, protection = _protect("Charge 4111 1111 1111 1111, not order 4111 1111 1111 1112.")
    assert sent == "Charge [CARD_1], not order 4111 1111 1111 1112."
    assert protection.kinds == (PiiKind.CARD.value,)


def test_every_spelling_comes_back_as_it_was_written_whole_and_streamed() -> None:
    subject = {"names": ["José Martínez"], "phones": ["+44 20 7946 0958"]}
    text = "JOSE MARTINEZ (José) on 020 7946 0958, or +44 20 7946 0958 after six."
    sent, protection = _protect(text, subject)
    assert not re.search(r"(?i)jos|mart|7946", sent), sent
    placeholders = re.findall(r"\[[A-Z_0-9]+\]", sent)
    assert len(set(placeholders)) == len(placeholders) == 4  # four spellings, one person
    answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": sent}}]}
    protection.restore_answer(answer)
    assert answer["choices"][0]["message"]["content"] == text
    restorer = protection.stream_restorer()
    pieces = [sent[i : i + 5] for i in range(0, len(sent), 5)]
    out = []
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        chunk = {
            "choices": [
                {"index": 0, "delta": {"content": piece}, "finish_reason": "stop" if last else None}
            ]
        }
        restorer.restore(chunk)
        out.append(chunk["choices"][0]["delta"]["content"])
    assert "".join(out) == text
