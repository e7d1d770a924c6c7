"""Build ``src/careergate/privacy/data/given_names.txt``: given names common in at least
one country, for the privacy step's rule that a known given name before a capitalised
word is a person ("Marcelina Janczura", "Tomasz Wrona").

The English name model misses names of other countries in running text, and a list of
family names covers only the commonest. Given names are fewer and repeat more. Source:
Jörg Michael's list of first names with their frequency in 54 countries (``nam_dict.txt``
as the ``gender-guesser`` package ships it; GNU Free Documentation License 1.2, so this
list derived from it is under the same licence: ``data/given_names.NOTICE.md``),
independent of the Faker lists the evaluation set draws its names from. Kept: names of
three letters or more rated ``MIN_FREQUENCY`` or more (on the list's scale of 1, rare, to
13) in some country but China and Vietnam (``SYLLABLE_COUNTRIES``),
hyphenated where the list joins two names; left out: English
words in everyday use ("Will", "Grace", "Rose": ``common_words.txt``), words that are no
part of a name where career documents put names (``not_name_words.txt``) and tools'
names (``not_names.txt``).

Also ``polish_given_names.txt``: the names the list rates in Poland at all (any
frequency), for the rule that a given name standing alone in Polish text is a person,
where a name of another country would too often be a Polish word ("Dobra", "Maj").

Run: ``python scripts/build_given_names.py`` (with the dev dependencies installed).
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_common_words import write_word_list

DATA = Path(__file__).resolve().parents[1] / "src/careergate/privacy/data"
TARGET = DATA / "given_names.txt"
POLISH_TARGET = DATA / "polish_given_names.txt"
POLAND = 23
"""Poland's place in ``gender_guesser.detector.Detector.COUNTRIES``."""
MIN_FREQUENCY = 4
"""On the list's scale, 1 is a rare name and 13 an extremely common one; below 4 the list
holds many words that are names somewhere and words elsewhere ("Paris", rated 3 in
Greece)."""
COUNTRY_COLUMNS = slice(30, 85)
"""Where ``nam_dict.txt`` puts a name's frequency in each country, one hexadecimal digit
a country, in the order of ``gender_guesser.detector.Detector.COUNTRIES``."""
SYLLABLE_COUNTRIES = frozenset({49, 53})
"""China and Vietnam: their names in Latin letters are syllables that most words of
those languages' texts without tone marks are made of too ("Van Lang", "Quan Binh
Thanh"); Vietnamese names have a rule of their own (by family name)."""


def listed_names(countries: frozenset[int] | None = None) -> dict[str, int]:
    """Each name of ``nam_dict.txt`` with its highest frequency in any country (or in
    ``countries``), 0 where it has none; a name the list joins with ``+``
    ("Anne+Marie") in its hyphenated form."""
    source = resources.files("gender_guesser").joinpath("data/nam_dict.txt")
    names: dict[str, int] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "#=":
            continue  # comments, and "=" lines that pair a short form with its name
        name = line.split()[1].replace("+", "-")
        ratings = [
            int(c, 16)
            for country, c in enumerate(line[COUNTRY_COLUMNS])
            if c.strip()
            and country not in SYLLABLE_COUNTRIES
            and (countries is None or country in countries)
        ]
        names[name] = max(names.get(name, 0), *ratings, 0)
    return names


def excluded() -> set[str]:
    words: set[str] = set()
    for name in ("common_words.txt", "not_name_words.txt", "not_names.txt"):
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()
        words.update(w.strip().casefold() for w in lines if w.strip() and not w.startswith("#"))
    return words


def main() -> None:
    leave_out = excluded()
    names = {
        name.casefold()
        for name, rating in listed_names().items()
        if rating >= MIN_FREQUENCY and len(name) >= 3 and name.casefold() not in leave_out
    }
    header = (
        "# Given names rated common in at least one country by Jörg Michael's list of first\n"
        "# names (nam_dict.txt of the gender-guesser package; GNU Free Documentation\n"
        "# License 1.2, see given_names.NOTICE.md), without English words in everyday use,\n"
        "# headings' words and tools' names. Written by scripts/build_given_names.py; do\n"
        "# not edit by hand.\n"
    )
    write_word_list(TARGET, header, names)
    polish = {
        name.casefold()
        for name, rating in listed_names(frozenset({POLAND})).items()
        if rating and len(name) >= 3 and name.casefold() not in leave_out
    }
    header = (
        "# Given names Jörg Michael's list of first names rates in Poland (nam_dict.txt of\n"
        "# the gender-guesser package; GNU Free Documentation License 1.2, see\n"
        "# given_names.NOTICE.md). Written by scripts/build_given_names.py; do not edit by\n"
        "# hand.\n"
    )
    write_word_list(POLISH_TARGET, header, polish)


if __name__ == "__main__":
    main()
