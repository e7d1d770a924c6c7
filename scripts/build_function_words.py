"""Build ``src/careergate/privacy/data/function_words.tsv``: the function words (articles,
pronouns, prepositions, auxiliaries...) of the languages the platform's texts are written
in, each with its language, for the privacy step's name checks.

No person's name is made with "Meine", "Der", "What" or "de empleo"; a line whose words
are mostly German function words is German, where an English name model takes nouns for
people. Source: spaCy's stop words of English, German, French, Spanish, Italian, Dutch
and Portuguese (MIT licence). Left out: words of one letter (initials: "John A Smith")
and most of two, the particles of names ("van", "de", "da", "bin", "der"...), and words
that are also given names (``NAMES_THAT_ARE_WORDS`` of ``build_common_words.py``, with a
few of other languages'). A word that is a name in any of Faker's locales, or another
language's word of three letters or fewer, only tells a line's language: it may stand in
a name.

Run: ``python scripts/build_function_words.py``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faker.providers.person
from build_common_words import NAMES_THAT_ARE_WORDS

TARGET = Path(__file__).resolve().parents[1] / "src/careergate/privacy/data/function_words.tsv"
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")
PARTICLES = frozenset(
    """de da do dos das del della dei di du la las le les los van von der den ten ter bin
    binti ibn al el y e""".split()  # noqa: SIM905 - a word list reads better as text
)
OTHER_NAMES = frozenset(
    """sol mar luz ana eva lang lange gross groß grosse große hoch kurz ende morgen recht weit
    gern offen bravo brava bueno buena mayor largo salvo scola vita meer claro valor juste
    bene vale casa mondo sotto cedo longe lugar prof publ""".split()  # noqa: SIM905
)
"""Function words that are given or family names too ("Lang", "Kurz", "Ende", "Bueno",
"van der Meer"), or a title ("Prof")."""
TWO_LETTERS = frozenset(
    """we my me us of in on at is it by if or as be do so an im am um zu au et un""".split()  # noqa: SIM905
) - {"do", "so", "an"}
"""The words of two letters kept: most others are parts of names too ("An", "Le", "Ha",
"Ho", "So", "Do" in Vietnamese, Korean and Chinese names)."""


def faker_names() -> set[str]:
    """The given and family names of every Faker locale, lower-cased."""
    names: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female", "last_names"):
            listed = getattr(provider, attribute, None)
            if isinstance(listed, dict | list | tuple):
                names.update(str(name).lower() for name in listed)
    return names


def main() -> None:
    names = set(NAMES_THAT_ARE_WORDS.split()) | OTHER_NAMES
    everywhere = faker_names()
    rows = []
    for language in LANGUAGES:
        stop_words = importlib.import_module(f"spacy.lang.{language}.stop_words").STOP_WORDS
        for word in sorted(stop_words):
            if not word.isalpha() or word in PARTICLES or word in names:
                continue
            if len(word) <= 2 and word not in TWO_LETTERS:
                continue
            # Another language's short word is as often a name ("Mai", "Dan", "Ali", "Mia").
            in_names = word not in everywhere and (language == "en" or len(word) >= 4)
            rows.append(f"{language}\t{word}\t{'name' if in_names else 'line'}\n")
    header = (
        "# language<TAB>word<TAB>use: function words of the platform's languages, from spaCy's\n"
        "# stop words (Copyright (C) 2016-2024 ExplosionAI GmbH, 2016 spaCy GmbH, 2015\n"
        "# Matthew Honnibal, MIT licence), without initials and name particles. Use 'name':\n"
        "# no name holds the word; 'line': it only tells a line's language, being a name in\n"
        "# some language (Faker's name lists, MIT licence, Copyright (c) 2012 Daniele\n"
        "# Faraglia) or another language's word of three letters or fewer. Written by\n"
        "# scripts/build_function_words.py; do not edit by hand.\n"
    )
    TARGET.write_text(header + "".join(rows))
    print(f"{len(rows)} words written to {TARGET}")


if __name__ == "__main__":
    main()
