"""Build ``src/careergate/privacy/data/everyday_words.txt``: words in everyday use in the
languages of the platform's texts that no person is named with, so that a run of them
the English name model reads as a person ("Offene Punkte", "Kıdemli Muhasebe Uzmanı",
"Women Returners", "QUÉ BUSCAMOS") is not one.

Source: the ``TOP`` commonest words of each of ``LANGUAGES`` in ``wordfreq``'s frequency
lists (its data under CC BY-SA 4.0, see ``everyday_words.NOTICE.md``), in lower case with
their diacritics. Left out, so that they stay possible names, compared without
diacritics: every given name of Jörg Michael's list (``given_names.txt``'s source, with
English everyday words: "Mark", "Will", "Grace"), but a function word the list rates
below ``MIN_FREQUENCY`` everywhere (German "Sie"); the English words that are also given
or family names (``build_common_words.NAMES_THAT_ARE_WORDS``); the common family names
(``family_names.txt``). ``TOP`` was chosen on the development split: it holds wordfreq's
family names too ("klein", "martínez"), so a longer list takes more of the model's
false people and risks more of its real ones.

Run: ``python scripts/build_everyday_words.py`` (with the dev dependencies installed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import wordfreq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_common_words import NAMES_THAT_ARE_WORDS, write_word_list
from build_given_names import DATA, MIN_FREQUENCY, listed_names

from careergate.privacy.function_words import LANGUAGE_OF_WORD
from careergate.privacy.known import fold

FUNCTION_WORDS = frozenset(fold(word) for word in LANGUAGE_OF_WORD)

TARGET = DATA / "everyday_words.txt"
TOP = 50000
LANGUAGES = ("en", "de", "es", "fr", "it", "nl", "pt", "pl", "tr")
"""The languages the function words tell apart (``function_words.tsv``), Polish and
Turkish."""


def _names() -> set[str]:
    listed = {
        fold(name)
        for name, rating in listed_names().items()
        if rating >= MIN_FREQUENCY or fold(name) not in FUNCTION_WORDS
    }
    family = {
        line.strip().casefold()
        for line in (DATA / "family_names.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    return listed | {fold(name) for name in family | set(NAMES_THAT_ARE_WORDS.split())}


def main() -> None:
    names = _names()
    words = {
        word
        for language in LANGUAGES
        for word in wordfreq.top_n_list(language, TOP)
        if word.isalpha() and len(word) >= 2 and fold(word) not in names
    }
    header = (
        f"# The {TOP} commonest words of each of {', '.join(LANGUAGES)} in wordfreq's\n"
        "# lists (CC BY-SA 4.0, see everyday_words.NOTICE.md), without given names, English\n"
        "# words that are names and common family names.\n"
        "# Written by scripts/build_everyday_words.py; do not edit by hand.\n"
    )
    write_word_list(TARGET, header, words)


if __name__ == "__main__":
    main()
