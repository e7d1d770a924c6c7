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

With ``--compare SEEDS``, instead: for that many seeds, 250 names drawn from each of
``WIDE_LOCALES`` (29 of Faker's locales) in the same forms, the spans each way finds
(overlaps resolved), and every span one finds and the other does not.

Run: ``python bench/name_parts_bench.py [--names 250 1000 4000] [--rounds 3]``, or
``python bench/name_parts_bench.py --compare 12``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable

from faker import Faker

from careergate.privacy.findings import resolve_overlaps
from careergate.privacy.known import find_name_parts
from careergate.privacy.name_words import find_names_by_word, spelling_tree

Search = Callable[[str, tuple[str, ...]], Iterable[object]]
LOCALES = ["en_GB", "de_DE", "es_ES", "fr_FR", "nl_NL", "pl_PL", "it_IT", "pt_BR"]
WIDE_LOCALES = [
    *LOCALES,
    *("de_AT", "pt_PT", "sv_SE", "da_DK", "no_NO", "fi_FI", "tr_TR", "cs_CZ", "hu_HU"),
    *("ro_RO", "en_IE", "en_US", "fr_CA", "es_MX", "vi_VN", "ja_JP", "zh_CN", "ko_KR"),
    *("hr_HR", "sk_SK", "et_EE"),
]


def export(
    people: int, locales: list[str] = LOCALES, seed: int | None = None
) -> tuple[str, list[str]]:
    """A text naming ``people`` people, and their full names."""
    fake = Faker(locales)
    fake.seed_instance(people if seed is None else seed)
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
    parser.add_argument("--compare", type=int, metavar="SEEDS", help="compare the spans found")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare)
        return
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


def compare(seeds: int) -> None:
    """The spans each way finds on ``seeds`` texts of 250 names of ``WIDE_LOCALES``."""
    total, differing = 0, []
    for seed in range(seeds):
        text, drawn = export(250, WIDE_LOCALES, seed)
        names = tuple(drawn)
        by_name, by_word = (
            {(f.start, f.end) for f in resolve_overlaps(list(search(text, names)))}
            for search in (find_name_parts, find_names_by_word)
        )
        total += len(by_name)
        differing += [
            ("one search per name" if span in by_name else "word by word", text[slice(*span)])
            for span in sorted(by_name ^ by_word)
        ]
    print(f"{seeds} texts of 250 names of {len(WIDE_LOCALES)} locales: {total:,} spans found "
          f"by the search per name; {len(differing)} found by one way only")  # fmt: skip
    for way, value in differing:
        print(f"  only {way}: {value!r}")


if __name__ == "__main__":
    main()
