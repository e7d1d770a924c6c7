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
_ARTICLES = frozenset(["der", "die", "dem"])
"""German articles, "der" also a particle of names after "van" or "von" ("van der Berg",
"von der Leyen") and never otherwise in one ("Der Betriebsrat"); not "das" and "des",
which are particles of Portuguese and French names ("Maria das Dores")."""
_PARTICLES_BEFORE = frozenset(["van", "von", "vander"])


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
    """Whether ``name`` holds a function word, or a German article other than a
    particle's after "van" or "von" ("Ergänzung der Betriebsvereinbarung", not "van der
    Berg")."""
    words = _WORD.findall(name.casefold())
    return any(
        word in NEVER_IN_NAMES
        or (word in _ARTICLES and (index == 0 or words[index - 1] not in _PARTICLES_BEFORE))
        for index, word in enumerate(words)
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
