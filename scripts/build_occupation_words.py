"""Build ``src/careergate/cache/data/occupation_words.txt``: the words job titles are
made of, for the semantic cache's key terms (``careergate.cache.key_terms``).

Source: the English job titles of Faker's ``job`` provider (MIT licence; a list of
occupations after the UK's standard occupational classification), the part of each
title before its first comma ("Engineer, civil" gives "engineer"; "Adult nurse" gives
"adult" and "nurse"). Words of two letters or fewer and the ordinary words in
``ORDINARY`` (or of the same stem: ``fitness``) are left out: a word that is in most
prompts tells no two jobs apart.

Run: ``python scripts/build_occupation_words.py`` (Faker is a dev dependency).
"""

from __future__ import annotations

import re
from pathlib import Path

import Stemmer
from faker.providers.job.en_US import Provider

OUT = Path(__file__).resolve().parents[1] / "src/careergate/cache/data/occupation_words.txt"
ORDINARY = frozenset(
    """the and for with make made get give take put fit right best good great other
    general special year years new work working person people""".split()  # noqa: SIM905 - a word list reads better as text
)


def main() -> None:
    stem = Stemmer.Stemmer("english").stemWord
    ordinary = {stem(word) for word in ORDINARY}
    words = set()
    for title in Provider.jobs:
        for word in re.findall(r"[a-z]+", title.split(",")[0].lower()):
            if len(word) > 2 and stem(word) not in ordinary:
                words.add(word)
    header = [
        "# The words of job titles, one a line: built by scripts/build_occupation_words.py",
        "# from the job titles of Faker's job provider (MIT licence, Copyright (c) 2012",
        "# Daniele Faraglia); see that script for what is left out.",
    ]
    OUT.write_text("\n".join([*header, *sorted(words)]) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {OUT}")


if __name__ == "__main__":
    main()
