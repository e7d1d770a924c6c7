"""Given names of many countries (``data/given_names.txt``), in the forms texts write them.

Polish declines a given name: "z Kamilem", "CV Piotra", "przekaż Tomaszowi", "z Anną",
"Pani Agnieszko". A name looked up only as written would be known in one case of seven.
Where the text around it is Polish, a word is also a given name when it is one with a
case ending put back to its nominative's.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from careergate.privacy.word_lists import word_list

GIVEN_NAMES = word_list("given_names.txt")
"""Given names common in some country (``scripts/build_given_names.py``), case folded."""

_POLISH_ENDINGS = (
    ("owi", ""),  # dative: Tomaszowi
    ("em", ""),  # instrumental: Kamilem
    ("ie", "a"),  # dative, locative: Annie
    ("ii", "ia"),  # genitive: Marii
    ("iu", "ia"),  # vocative of a diminutive: Kasiu
    ("ą", "a"),  # instrumental: Anną
    ("ę", "a"),  # accusative: Annę
    ("o", "a"),  # vocative: Agnieszko
    ("y", "a"),  # genitive: Anny
    ("i", "a"),  # genitive: Agnieszki
    ("u", ""),  # vocative: Tomaszu
    ("a", ""),  # genitive, accusative: Piotra
)
"""A case ending of a Polish given name and its nominative's ending in its place. Not
here: the endings that change the stem too ("Michale" of Michał, "Agnieszce")."""
_POLISH_WORD = re.compile(
    r"\b(?:się|że|jest|są|oraz|dla|czy|przez|już|także|też|więc|bardzo|tylko|jeszcze|gdy"
    r"|kiedy|który|która|które|którego|będzie|może|został|została|był|była|jak|ale"
    r"|[a-zó]*[ąęłńśźżć][a-ząęłńśźżćó]*)\b"
)
"""Polish function words no other language of the platform's texts writes, and words in
lower case with a letter only Polish writes ("dziękuję", "szybką"): two of them near a
word make its text Polish. A capitalised word's letters do not: an English letter may
name Wrocław or Łucja."""
POLISH_ADDRESS = r"pani|panie|panią|pan|pana|panu|panem|cześć|hej|witaj"
"""Polish titles in their cases and greetings, before a name ("Panie Michale", "Cześć
Kasiu"), as a regular expression's alternatives in lower case."""
_POLISH_REACH = 300
"""Characters either side of a word within which the function words are counted."""
_MIN_STEM = 3


def is_given_name(word: str, text: str, at: int) -> bool:
    """Whether ``word`` (at ``at`` in ``text``) is a known given name, or in Polish text a
    declined form of one."""
    folded = word.casefold()
    if folded in GIVEN_NAMES:
        return True
    if not polish_around(text, at):
        return False
    return any(
        folded.endswith(ending)
        and len(folded) - len(ending) >= _MIN_STEM
        and folded[: -len(ending)] + nominative in GIVEN_NAMES
        for ending, nominative in _POLISH_ENDINGS
    )


def polish_around(text: str, at: int) -> bool:
    """Whether the text around ``at`` is Polish (``_POLISH_WORD``)."""
    signals = _polish_words(text)
    first = bisect_left(signals, at - _POLISH_REACH)
    return first + 1 < len(signals) and signals[first + 1] < at + _POLISH_REACH


@lru_cache(maxsize=4)
def _polish_words(text: str) -> tuple[int, ...]:
    """Where ``text``'s Polish words start: one reading of a text, however many of its
    words are looked up (a text of thousands of capitalised words asks for each)."""
    return tuple(match.start() for match in _POLISH_WORD.finditer(text))
