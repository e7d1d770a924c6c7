"""Build ``src/careergate/privacy/data/everyday_words.tsv``: each language's words in
everyday use that no person is named with, with their rank, so that a run of them the
English name model reads as a person in a text of that language ("Offene Punkte", "Wat
Wij Bieden") is not one.

Source: the ``TOP`` commonest words of each of ``LANGUAGES`` in ``wordfreq``'s frequency
lists (its data under CC BY-SA 4.0, see ``everyday_words.NOTICE.md``), in lower case with
their diacritics, with their rank in that list. Left out, so that they stay possible
names, compared without diacritics: every given name of Jörg Michael's list
(``given_names.txt``'s source, with English everyday words: "Mark", "Will", "Grace"),
but a function word the list rates below ``MIN_FREQUENCY`` everywhere (German "Sie");
the English words that are also given or family names
(``build_common_words.NAMES_THAT_ARE_WORDS``); the common family names
(``family_names.txt``). wordfreq's lists hold many more family names than those ("ruiz"
is Spanish's 4,194th word, "bakker" Dutch's 3,859th), which is why the rule that reads
this list asks for one of a language's very commonest words as well
(``privacy/everyday_words.py``).

Run: ``python scripts/build_everyday_words.py`` (with the dev dependencies installed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import wordfreq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_common_words import NAMES_THAT_ARE_WORDS
from build_given_names import DATA, MIN_FREQUENCY, listed_names

from careergate.privacy.function_words import LANGUAGE_OF_WORD
from careergate.privacy.known import fold
from careergate.privacy.people import FAMILY_NAMES

TARGET = DATA / "everyday_words.tsv"
TOP = 20000
LANGUAGES = ("en", "de", "es", "fr", "it", "nl", "pt")
"""The languages ``function_words.language_of`` tells a text to be written in."""
FUNCTION_WORDS = frozenset(fold(word) for word in LANGUAGE_OF_WORD)


def _names() -> set[str]:
    listed = {
        fold(name)
        for name, rating in listed_names().items()
        if rating >= MIN_FREQUENCY or fold(name) not in FUNCTION_WORDS
    }
    return listed | {fold(name) for name in FAMILY_NAMES | set(NAMES_THAT_ARE_WORDS.split())}


def main() -> None:
    names = _names()
    lines = [
        f"{language}\t{rank}\t{word}\n"
        for language in LANGUAGES
        for rank, word in enumerate(wordfreq.top_n_list(language, TOP), start=1)
        if word.isalpha() and len(word) >= 2 and fold(word) not in names
    ]
    header = (
        f"# language, rank, word: the {TOP} commonest words of each of {', '.join(LANGUAGES)}\n"
        "# in wordfreq's lists (CC BY-SA 4.0, see everyday_words.NOTICE.md), without given\n"
        "# names, English words that are names and common family names.\n"
        "# Written by scripts/build_everyday_words.py; do not edit by hand.\n"
    )
    TARGET.write_text(header + "".join(lines), encoding="utf-8")
    print(f"{len(lines)} words written to {TARGET}")


if __name__ == "__main__":
    main()
