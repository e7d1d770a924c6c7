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


def _read() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    text = resources.files("careergate.privacy").joinpath("data/function_words.tsv").read_text()
    languages: dict[str, str] = {}
    in_names: dict[str, set[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            language, word, use = line.split("\t")
            languages.setdefault(word, language)
            if use == "name":
                in_names.setdefault(language, set()).add(word)
    return languages, {language: frozenset(words) for language, words in in_names.items()}


LANGUAGE_OF_WORD, _NEVER_IN_NAMES = _read()
"""Each function word and the first language listed that has it (English first); by
language, those that are no name's word in any language."""
NEVER_IN_NAMES = _NEVER_IN_NAMES["en"]
"""English function words that are no name's word: "With" or "From" before a name is
not part of it, in any text."""


_FOREIGN = frozenset().union(*(w for lang, w in _NEVER_IN_NAMES.items() if lang != "en"))
"""The other languages' function words that are no name's word."""


def is_function_word(word: str) -> bool:
    """Whether ``word`` is a function word of one of the languages, and no name's."""
    folded = word.casefold()
    return folded in NEVER_IN_NAMES or folded in _FOREIGN


def needs_language(name: str) -> bool:
    """Whether ``has_function_word`` may answer otherwise for ``name`` once the text's
    language is known: it holds another language's function word or a German article.
    Only then is the language worth reading off the text around it."""
    return any(word in _FOREIGN or word in _ARTICLES for word in _WORD.findall(name.casefold()))


def has_function_word(name: str, language: str | None = None) -> bool:
    """Whether ``name`` holds an English function word, or one of ``language`` (the
    text's: German "sowie" is a Polish name's word in a Polish text), or a German article
    in German text other than a particle's after "van" or "von" ("Ergänzung der
    Betriebsvereinbarung", not "van der Berg")."""
    words = _WORD.findall(name.casefold())
    own = _NEVER_IN_NAMES.get(language or "en", NEVER_IN_NAMES)
    return any(
        word in NEVER_IN_NAMES
        or word in own
        or (
            language == "de"
            and word in _ARTICLES
            and (index == 0 or words[index - 1] not in _PARTICLES_BEFORE)
        )
        for index, word in enumerate(words)
    )


def language_of(text: str) -> str | None:
    """The language of most of ``text``'s function words, if they are two or more and a
    tenth of its words at least (a language's own text is a third of them or more; a
    text in a language not listed has a few by chance); ``None`` otherwise."""
    words = _WORD.findall(text.casefold())
    counts = Counter(
        language for word in words if (language := LANGUAGE_OF_WORD.get(word)) is not None
    )
    if not counts:
        return None
    language, count = counts.most_common(1)[0]
    return language if count >= 2 and count * 10 >= len(words) else None


REACH = 200
"""Characters each side of a place in a text that tell the language it is written in."""


def language_around(text: str, start: int, end: int) -> str | None:
    """``language_of`` the text within ``REACH`` of ``start`` to ``end``."""
    return language_of(text[max(0, start - REACH) : end + REACH])
