"""What looking for a request's names costs in a text that names thousands of people.

A name found in full anywhere in a request is looked for in every text of it, alone
(its given or family name, its initials with the family name). A pasted export of a
chat, a mailing list or a staff directory names thousands of people: searched once per
name (``known.find_name_parts``), the cost grows with the text's length times the
number of names, the square of the export's size; past ``name_words.by_word`` the names
are looked up word by word instead (``name_words.find_names_by_word``). This times both
on texts of ``--names`` people drawn from Faker's locales (each named in full, by the
given name, in capitals and by initials): the search per name up to
``--pattern-up-to`` names (the rest would take minutes). Best of ``--rounds`` runs, CPU
time.

Run: ``python bench/name_parts_bench.py [--names 250 1000 4000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable

from faker import Faker

from careergate.privacy.known import find_name_parts
from careergate.privacy.name_words import find_names_by_word, spelling_tree

Search = Callable[[str, tuple[str, ...]], Iterable[object]]
LOCALES = ["en_GB", "de_DE", "es_ES", "fr_FR", "nl_NL", "pl_PL", "it_IT", "pt_BR"]


def export(people: int) -> tuple[str, list[str]]:
    """A text naming ``people`` people, and their full names."""
    fake = Faker(LOCALES)
    fake.seed_instance(people)
    names = list(dict.fromkeys(f"{fake.first_name()} {fake.last_name()}" for _ in range(people)))
    lines = [
        f"{name} wrote: thanks {name.split()[0]}, see you on Monday. "
        f"{name.split()[-1].upper()} ({name[0]}. {name.split()[-1]})"
        for name in names
    ]
    return "\n".join(lines), names


def best_seconds(search: Search, text: str, names: tuple[str, ...], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        spelling_tree.cache_clear()  # each round builds the names' tree again, as a request does
        started = time.process_time()
        for _ in search(text, names):
            pass
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--pattern-up-to", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, best of {args.rounds}")
    print("| people | characters | word by word, s | one search per name, s | ratio |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for people in args.names:
        text, drawn = export(people)
        names = tuple(drawn)
        by_word = best_seconds(find_names_by_word, text, names, args.rounds)
        if people <= args.pattern_up_to:
            per_name = best_seconds(find_name_parts, text, names, args.rounds)
            pattern, ratio = f"{per_name:.2f}", f"{by_word / per_name:.3f}"
        else:
            pattern = ratio = "-"
        print(f"| {len(names):,} | {len(text):,} | {by_word:.3f} | {pattern} | {ratio} |")


if __name__ == "__main__":
    main()
