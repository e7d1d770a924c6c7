"""Rebuild ``src/careergate/privacy/data/common_words.txt``: English words in everyday
use in lower case, which a caller-named person's given or family name written in lower
case may also be ("will", "may", "hope", "cook").

A name the caller gave is masked in whatever case the text writes it ("hey jane"), but
not where, in lower case, it is a word of the language: a subject called Will Baker
does not make every "will" of a letter a placeholder. The list joins, lower-cased:

- Faker's English lorem words (``faker.providers.lorem.en_US``, MIT licence);
- spaCy's English stop words (``spacy.lang.en.stop_words``, MIT licence);
- English words that are also common given or family names, listed below by hand.

Run: ``python scripts/build_common_words.py`` (with the dev dependencies installed).
"""

from __future__ import annotations

from pathlib import Path

from faker.providers.lorem.en_US import Provider as EnglishLorem
from spacy.lang.en.stop_words import STOP_WORDS

TARGET = Path(__file__).resolve().parents[1] / "src/careergate/privacy/data/common_words.txt"
NAMES_THAT_ARE_WORDS = """
amber april art august bill bob buck chase chip cliff crystal dawn daisy dean drew earl
faith frank gene glen grace grant guy holly hope hunter iris ivy jack jade jean joy june
king lily mark max may miles nick norm pat pearl penny ray rich rob robin rose ruby rusty
sandy sky summer sunny sue will carol don gay heather
baker banks bell best bird black bond brown bush cash cook cooper field fisher ford fox
gray green grey hall hill house hunt lane law long love major marsh mason miller moss
noble north page park parker porter price rice sharp short smith stone strong street
taylor turner walker ward west white wood young bishop brook reed river royal sterling
"""


def write_word_list(target: Path, header: str, words: set[str]) -> None:
    """``words`` sorted, one a line, under ``header`` (``#`` comments): the form
    ``careergate.privacy.word_lists.word_list`` reads."""
    target.write_text(header + "".join(f"{word}\n" for word in sorted(words)))
    print(f"{len(words)} words written to {target}")


def main() -> None:
    words = (
        {word.lower() for word in EnglishLorem.word_list}
        | {word.lower() for word in STOP_WORDS}
        | set(NAMES_THAT_ARE_WORDS.split())
    )
    header = (
        "# English words in everyday use in lower case: Faker's English lorem words\n"
        "# (Copyright (c) 2012 Daniele Faraglia, MIT licence), spaCy's English stop words\n"
        "# (Copyright (C) 2016-2024 ExplosionAI GmbH, 2016 spaCy GmbH, 2015 Matthew\n"
        "# Honnibal, MIT licence), and English words that are also names. Written by\n"
        "# scripts/build_common_words.py; do not edit by hand.\n"
    )
    write_word_list(TARGET, header, words)


if __name__ == "__main__":
    main()
