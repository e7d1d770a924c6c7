"""The function words of the platform's languages (``data/function_words.tsv``, built by
``scripts/build_function_words.py``): articles, pronouns, prepositions and auxiliaries.

No name is made with one ("Meine Qualifikationen", "What Went Well", "Oferta de Empleo"
are a letter's and a page's words), and they tell a line's language: an English name
model reads German nouns, which are capitalised, as people."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

_WORD = re.compile(r"[^\W\d_]+")
_ARTICLES_FIRST = frozenset(["der", "die", "das", "dem", "des"])
"""German articles, which are also the particles of names after "van" or "von" ("van der
Berg"), but never open one ("Der Betriebsrat")."""


def _read() -> tuple[dict[str, str], frozenset[str]]:
    text = resources.files("careergate.privacy").joinpath("data/function_words.tsv").read_text()
    languages: dict[str, str] = {}
    in_names: set[str] = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            language, word, use = line.split("\t")
            languages.setdefault(word, language)
            if use == "name":
                in_names.add(word)
    return languages, frozenset(in_names)


LANGUAGE_OF_WORD, NEVER_IN_NAMES = _read()
"""Each function word and the first language listed that has it (English first); those
that are no name's word in any language."""


def has_function_word(name: str) -> bool:
    """Whether ``name`` holds a function word, or opens with a German article."""
    words = _WORD.findall(name.casefold())
    return bool(words) and (
        words[0] in _ARTICLES_FIRST or any(word in NEVER_IN_NAMES for word in words)
    )


def language_of(text: str) -> str | None:
    """The language of most of ``text``'s function words, if it has two or more of them;
    ``None`` otherwise."""
    counts = Counter(
        language
        for word in _WORD.findall(text.casefold())
        if (language := LANGUAGE_OF_WORD.get(word)) is not None
    )
    if not counts:
        return None
    language, count = counts.most_common(1)[0]
    return language if count >= 2 else None
