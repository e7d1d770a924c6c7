"""Names written in Han, kana or Hangul, found again wherever a text writes them.

Those scripts put no space between words: a name the request gives once ("姓名：李成",
"中村 康弘" on a signature) stands elsewhere against other characters of its script
("李成提交的", "中村 康弘です", "김미영입니다"), where the search for Latin names, which
needs a word's edge, does not see it. Each such name is looked for whole, with or
without the space between its family and given names and in either order ("康弘
中村"), and each of its names of two characters or more alone; never against a Latin
letter or a digit, which would make it part of another word or a code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from careergate.privacy.findings import Finding, PiiKind

_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3"
_CJK_NAME = re.compile(rf"[{_CJK_CHARS}]+(?:[ \u3000][{_CJK_CHARS}]+)?")
"""One or two names (a family and a given name) of those scripts."""
_SPACE = r"[ \u3000]*"
MIN_CJK_NAME = 2
"""A single character alone ("李") is a family name shared by millions, and a common
word's character: only names of two characters or more are looked for alone."""
PRIORITY = 2
"""As a Latin name found whole (``known.NAME_PART_PRIORITY + 1``)."""


def find_cjk_names(text: str, full_names: Iterable[str]) -> Iterator[Finding]:
    """Each of ``full_names`` written in those scripts, wherever ``text`` has it."""
    for full in full_names:
        regex = _cjk_regex(full)
        if regex is None:
            continue
        for match in regex.finditer(text):
            yield Finding(PiiKind.PERSON, *match.span(), PRIORITY, canonical=full)


@lru_cache(maxsize=4096)
def _cjk_regex(full: str) -> re.Pattern[str] | None:
    """The name's spellings, the longest first; ``None`` for a name in another script
    or too short."""
    name = " ".join(full.split())
    if _CJK_NAME.fullmatch(name) is None or len(name.replace(" ", "")) < MIN_CJK_NAME:
        return None
    words = name.split()
    spellings = [_SPACE.join(map(re.escape, words))]
    if len(words) == 2:
        spellings.append(_SPACE.join(map(re.escape, reversed(words))))
        spellings += [re.escape(word) for word in words if len(word) >= MIN_CJK_NAME]
    return re.compile(rf"(?<![A-Za-z0-9])(?:{'|'.join(spellings)})(?![A-Za-z0-9])")
