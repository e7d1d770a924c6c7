"""Names written in Han, kana or Hangul, found again wherever a text writes them.

Those scripts put no space between words: a name the request gives once ("姓名：李成",
"中村 康弘" on a signature) stands elsewhere against other characters of its script
("李成提交的", "中村 康弘です", "김미영입니다"), where the search for Latin names, which
needs a word's edge, does not see it. Each such name is looked for whole, with or
without the space between its family and given names and in either order ("康弘
中村"), and each of its names of two characters or more alone; never against a Latin
letter or a digit, which would make it part of another word or a code. All of a
request's names are looked for in one pass over the text, however many they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.known import NAME_PART_PRIORITY

_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3"
_CJK_NAME = re.compile(rf"[{_CJK_CHARS}]+(?:[ \u3000][{_CJK_CHARS}]+)?")
"""One or two names (a family and a given name) of those scripts."""
_SPACES = re.compile(r"[ \u3000]+")
MIN_CJK_NAME = 2
"""A single character alone ("李") is a family name shared by millions, and a common
word's character: only names of two characters or more are looked for alone."""


def find_cjk_names(text: str, full_names: tuple[str, ...]) -> Iterator[Finding]:
    """Each of ``full_names`` written in those scripts, wherever ``text`` has it."""
    regex, owners = _names_regex(full_names)
    if regex is None:
        return
    for match in regex.finditer(text):
        owner = owners[_SPACES.sub("", match.group())]
        yield Finding(PiiKind.PERSON, *match.span(), NAME_PART_PRIORITY + 1, canonical=owner)


@lru_cache(maxsize=256)
def _names_regex(full_names: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """One search for every spelling of the names, the longest first, and the name each
    spelling (without its spaces) stands for; ``None`` when no name is of those scripts
    or long enough."""
    owners: dict[str, str] = {}
    spellings: dict[str, str] = {}
    for full in full_names:
        for words in _spellings(full):
            owners.setdefault("".join(words), full)
            spellings.setdefault("".join(words), r"[ \u3000]*".join(map(re.escape, words)))
    if not spellings:
        return None, owners
    ordered = sorted(spellings, key=len, reverse=True)
    alternatives = "|".join(spellings[key] for key in ordered)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])"), owners


def _spellings(full: str) -> list[tuple[str, ...]]:
    """The name's words in its order, turned round, and each long enough alone."""
    name = " ".join(full.split())
    if _CJK_NAME.fullmatch(name) is None or len(name.replace(" ", "")) < MIN_CJK_NAME:
        return []
    words = tuple(name.split())
    if len(words) == 1:
        return [words]
    alone = [(word,) for word in words if len(word) >= MIN_CJK_NAME]
    return [words, words[::-1], *alone]
