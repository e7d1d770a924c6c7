"""Given names of many countries (``data/given_names.txt``), in the forms texts write them:
as listed, or where the text around is Polish in any of Polish's cases ("z Kamilem",
"CV Piotra", "Pani Agnieszko"; ``polish.py``)."""

from __future__ import annotations

from functools import lru_cache

from careergate.privacy.known import fold, polish_cases
from careergate.privacy.polish import is_polish_word, nominatives, polish_around, short_forms
from careergate.privacy.word_lists import word_list

GIVEN_NAMES = word_list("given_names.txt")
"""Given names common in some country (``scripts/build_given_names.py``), case folded."""


def is_given_name(word: str, text: str, at: int) -> bool:
    """Whether ``word`` (at ``at`` in ``text``) is a known given name, or in Polish text a
    declined form of one."""
    folded = word.casefold()
    if folded in GIVEN_NAMES:
        return True
    if not polish_around(text, at):
        return False
    return any(nominative in GIVEN_NAMES for nominative in nominatives(folded))


def is_polish_given_name(word: str) -> bool:
    """Whether ``word`` is a given name in use in Poland (``data/polish_given_names.txt``)
    or a short form of one (``polish.short_forms``), in any of Polish's cases, and no
    everyday Polish word ("Ale", "Pole"): what a Polish text writes of a person by the
    given name alone ("Adrianem", "z Gosią")."""
    return fold(word) in _polish_forms() and not is_polish_word(word)


@lru_cache(maxsize=1)
def _polish_forms() -> frozenset[str]:
    names = word_list("polish_given_names.txt") | short_forms().keys()
    return frozenset(form for name in names for form in (fold(name), *polish_cases(name)))
