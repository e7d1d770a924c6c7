"""Given names of many countries (``data/given_names.txt``), in the forms texts write them:
as listed, or where the text around is Polish in any of Polish's cases ("z Kamilem",
"CV Piotra", "Pani Agnieszko"; ``polish.py``)."""

from __future__ import annotations

from careergate.privacy.polish import nominatives, polish_around
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
