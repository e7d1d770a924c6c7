"""The privacy patterns' scan guard: the same matches as the patterns themselves, on
every document of the privacy evaluation set and on texts shaped against it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from careergate.privacy.patterns import PATTERNS
from careergate.privacy.scan_guard import guarded

DATA = Path(__file__).parent / "data" / "privacy"


def texts() -> list[str]:
    documents = [
        json.loads(line)["text"]
        for split in ("dev", "test")
        for line in (DATA / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    shaped = [
        "BORN ON 01.02.1990; GEBOREN AM 3. März 1985, DOĞUM TARİHİ: 12.03.1991",
        "ſtreet 12, Kelvin K 5; née le 4 mai 1990 à Lyon",
        "\n- nato a Roma il 12/03/1988\n(born in Leeds on 4 May 1990)",
        "生年月日：1990年1月2日 出生日期 1990年1月2日 생년월일 1990년 1월 2일",
        "tel:+44 20 7946 0958 (0)20 7946 0958 ‐ 020‑7946‑0958",
        "",
        " \t\n",
    ]
    return documents + shaped


def matches(
    regex: re.Pattern[str], text: str
) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in regex.finditer(text)]


def test_every_pattern_finds_the_same_matches_through_its_guard() -> None:
    corpus = texts()
    guarded_ones = [p for p in PATTERNS if p.scan is not p.regex]
    assert len(guarded_ones) >= len(PATTERNS) // 3  # those opening with labels, at least
    for pattern in guarded_ones:
        for text in corpus:
            assert matches(pattern.scan, text) == matches(pattern.regex, text), (
                pattern.regex.pattern[:60],
                text[:60],
            )


@pytest.mark.parametrize(
    ("source", "text", "found"),
    [
        (r"(?i:\bborn|\bdate of birth)\s+\d+", "She was BORN 1990", ["BORN 1990"]),
        (r"(?<![\w-])(?:Dr|Mr)\.?\s\w+", "x-Dr Who and Mr Smith", ["Mr Smith"]),
        (r"(?:\+|00)?\d{3}", "call +441 or 00442", ["+441", "00442"]),
        (r"(?:ab)*c|d", "ababc d", ["ababc", "d"]),
        (r"(?>ab|cd)e", "xabe cde", ["abe", "cde"]),
        (r"(?i:𐐀x|-y)", "𐐨x -y", ["𐐨x", "-y"]),  # above U+FFFF, in its other case
    ],
)
def test_a_guard_admits_every_start_a_match_can_have(
    source: str, text: str, found: list[str]
) -> None:
    pattern = re.compile(source)
    scan = guarded(pattern)
    assert scan is not pattern
    assert [m.group() for m in scan.finditer(text)] == found


@pytest.mark.parametrize(
    "source",
    [
        r"〒\s?\d{3}",  # one literal first: re finds it as cheaply
        r"\b[A-Z]{2}\d{2}",  # a run of one class
        r"^[ \t]*(?:\[|\d)",  # a line's start rules out the rest first
        r"(?i)born|date of birth",  # global flags must open the pattern
        r"\d*",  # can match nothing: anywhere
        r"[^\W\d_]+son",  # any letter
        r"\w+@",  # any word character
        r".x",
        r"(a)?(?(1)b|c)",  # a condition on a group
        r"(?:x|\S)y",
    ],
)
def test_a_pattern_that_can_start_almost_anywhere_is_left_unguarded(source: str) -> None:
    pattern = re.compile(source)
    assert guarded(pattern) is pattern
