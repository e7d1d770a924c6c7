"""Build ``src/careergate/privacy/data/career_words.txt``: the words that ESCO's skill
labels are made of ("action", "root", "cause", "acquisition", "branding"), without those
that are a given or family name in any of Faker's locales ("job", "good", "baker").

A line or an entity made only of such words is a heading or a team ("ACTION ITEMS",
"Talent Acquisition", "Internal Communications"), not a person. Source: the ESCO
classification's labels shipped in ``careergate/features/data/esco_skills.tsv.gz``
(``data/ESCO-NOTICE.md`` there), words of three letters or more, lower-cased; Faker's
name lists (MIT licence, Copyright (c) 2012 Daniele Faraglia) and the English words that
are names too of ``build_common_words.py``.

Run: ``python scripts/build_career_words.py``.
"""

from __future__ import annotations

import csv
import gzip
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_common_words import NAMES_THAT_ARE_WORDS, write_word_list
from build_function_words import faker_names

ROOT = Path(__file__).resolve().parents[1] / "src/careergate"
ESCO = ROOT / "features/data/esco_skills.tsv.gz"
TARGET = ROOT / "privacy/data/career_words.txt"


def main() -> None:
    words: set[str] = set()
    with gzip.open(ESCO, "rt", encoding="utf-8") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            for label in [row["preferred_label"], *row["alt_labels"].split("|")]:
                words.update(re.findall(r"[^\W\d_]{3,}", label.lower()))
    words -= faker_names() | set(NAMES_THAT_ARE_WORDS.split())
    header = (
        "# The words of ESCO's skill labels (European Commission, ESCO classification,\n"
        "# see careergate/features/data/ESCO-NOTICE.md) that are no given or family name\n"
        "# in Faker's lists (MIT licence). Written by scripts/build_career_words.py; do\n"
        "# not edit by hand.\n"
    )
    write_word_list(TARGET, header, words)


if __name__ == "__main__":
    main()
