"""Words in everyday use in the languages of the platform's texts, none a given name
listed for some country nor a common family name (``data/everyday_words.txt``, built by
``scripts/build_everyday_words.py``).

The English name model reads a run of capitalised words of any language as a person: a
German form's "Offene Punkte", a Turkish job title ("Kıdemli Muhasebe Uzmanı"), a
heading ("QUÉ BUSCAMOS"), an English programme ("Women Returners"). No person is named
with everyday words alone, and once taken for a person every later "Punkte" of the text
would be masked as a part of that name.

The list is long (hundreds of thousands of words): it is held as the sorted hashes of
its words in an array, a few MiB where a set of the words would take tens, and read on
first use, since only a text the name model read needs it.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from functools import cache
from importlib import resources

_WORD = re.compile(r"[^\W\d_]+")


@cache
def _everyday() -> array[int]:
    path = resources.files("careergate.privacy").joinpath("data/everyday_words.txt")
    with path.open(encoding="utf-8") as lines:
        hashes = sorted(hash(line.rstrip("\n")) for line in lines if not line.startswith("#"))
    return array("q", hashes)


def _is_everyday(word: str, hashes: array[int]) -> bool:
    key = hash(word)
    at = bisect_left(hashes, key)
    return at < len(hashes) and hashes[at] == key


def said_in_everyday_words(candidate: str) -> bool:
    """Whether every word of ``candidate`` (one at least) is an everyday word of a
    language: "Duplicate Pending Hire", "Ekip Lideri"; not "Anna Fischer" (a given
    name), "Mark Young" ("Mark" is one) or "Kowalski"."""
    # Turkish "İ" folds to "i" and a combining dot, which wordfreq's words do not have.
    words = _WORD.findall(candidate.casefold().replace("i\u0307", "i"))
    hashes = _everyday()
    return bool(words) and all(_is_everyday(word, hashes) for word in words)
