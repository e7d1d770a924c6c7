"""Build ``src/careergate/privacy/data/polish_words.txt``: Polish words in everyday use
that a Polish given name's case or short form also spells ("Ale", "But", of Ala; "Idzie"
of Ida; "Pole" of Pola), so that such a word is not taken for a person.

Source: the ``TOP`` commonest words of Polish in ``wordfreq``'s frequency lists (its data
under CC BY-SA 4.0, see ``polish_words.NOTICE.md``), in lower case with their diacritics
("mają", a verb, is not "Maja"). Left out: the cases of the given names the
``gender-guesser`` list rates ``COMMON_NAME`` or more in Poland ("Jana", "Piotra",
"Tomasza" are frequent for being names), which stay names.

Run: ``python scripts/build_polish_words.py`` (with the dev dependencies installed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import wordfreq

from careergate.privacy.known import fold
from careergate.privacy.polish import declined

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_common_words import write_word_list
from build_given_names import DATA, POLAND, listed_names

TARGET = DATA / "polish_words.txt"
TOP = 5000
COMMON_NAME = 6
"""On ``nam_dict.txt``'s scale of 1 to 13: a name given often in Poland."""


def main() -> None:
    names = {
        fold(name)
        for name, rating in listed_names(frozenset({POLAND})).items()
        if rating >= COMMON_NAME
    }
    cases = {form for name in names for form in (name, *declined(name))}
    top = wordfreq.top_n_list("pl", TOP)
    words = {word for word in top if word.isalpha() and fold(word) not in cases}
    header = (
        f"# The {TOP} commonest Polish words of wordfreq's lists (CC BY-SA 4.0, see\n"
        "# polish_words.NOTICE.md), without the cases of given names common in\n"
        "# Poland. Written by scripts/build_polish_words.py; do not edit by hand.\n"
    )
    write_word_list(TARGET, header, words)


if __name__ == "__main__":
    main()
