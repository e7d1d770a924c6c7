"""Words in everyday use in each language the platform's texts are told to be written in,
none a given name listed for some country nor a common family name, with their rank
among the language's words (``data/everyday_words.tsv``, built by
``scripts/build_everyday_words.py``).

The English name model reads a run of capitalised words of any language as a person: a
German form's "Offene Punkte", a Dutch advert's "Wat Wij Bieden"; and once one is taken
for a person, every later "Punkte" of the text is masked as a part of its name.

The lists also hold many family names (a name is a frequent word of the texts wordfreq
counted): "Ruiz", "Bakker", "Karaca", "Diop" rank among the 20,000 commonest words of
Spanish, Dutch, Turkish or French. So a run counts as everyday words only in a text
whose language is known, when each of its words is among that language's, and one among
its ``HEAD`` commonest, which names seldom reach ("García" is Spanish's 1,291st word).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_WORD = re.compile(r"[^\W\d_]+")
HEAD = 1000
"""A rank no family name of the development sets reached in its language."""


@cache
def _ranks(language: str) -> dict[str, int]:
    """The language's everyday words and their ranks, read on first use: only a text in
    which the model found a person needs them."""
    path = resources.files("careergate.privacy").joinpath("data/everyday_words.tsv")
    prefix = f"{language}\t"
    ranks: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(prefix):
            _, rank, word = line.split("\t")
            ranks[word] = int(rank)
    return ranks


def said_in_everyday_words(candidate: str, language: str | None) -> bool:
    """Whether ``candidate`` is made of ``language``'s everyday words, one of them among
    its ``HEAD`` commonest: "Offene Punkte" in German text; not "Anna Fischer" (a given
    name), "García López" (neither word that common) nor anything in a text whose
    language is not known."""
    if language is None:
        return False
    ranks = _ranks(language)
    words = _WORD.findall(candidate.casefold())
    return (
        bool(words)
        and all(word in ranks for word in words)
        and any(ranks[word] <= HEAD for word in words)
    )
