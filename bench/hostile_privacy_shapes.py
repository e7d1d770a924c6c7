"""What the privacy step's shapes cost on hostile text: long runs of one short unit
("a-", digits, Hangul, "Sig. ") that make a regular expression read the rest of the
run again from every character in it, the cost growing with the square of the length.

The shapes (``privacy.patterns.find_patterns``: every pattern, the postcodes near
streets, the names addresses spell, the tables' columns), on the copy of the text they
read (``privacy.reading``: escapes read, invisible characters left out), read each text
of a request before anything leaves; a text that costs seconds holds its worker for as
long. Each unit is repeated to ``--sizes`` characters (an address, an email and a
number follow, so that every pattern has something to find); the best of ``--rounds``
runs is reported, with the ratio of the largest size's time to the smallest's: about
the ratio of the sizes for a cost that grows with the length, its square for one that
does not.

A second table does the same for the spellings of the people a request names
(``privacy.known``: the caller's subject searched whole, by initials, turned round, and
part by part), with runs of initials, commas and hyphens around their words.

Run: ``python bench/hostile_privacy_shapes.py [--sizes 10000,40000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from careergate.privacy.known import find_known, find_name_parts
from careergate.privacy.patterns import find_patterns
from careergate.privacy.reading import reading_of
from careergate.privacy.subject import Subject, SubjectSpec

UNITS = {
    "letters and dashes": "a-",
    "letters": "a",
    "letters and dots": "a.",
    "digits": "1",
    "digits and dashes": "1-",
    "digits and spaces": "1 ",
    "digits against kana": "電0",
    "bare record keys": "dob=1",
    "runs of forty digits": "1234567890" * 4 + " ",
    "JSON escapes": "\\u00e1\\n",
    "capitalised words": "Ab ",
    "capitals": "AB ",
    "name, comma": "Ab, ",
    "lines": "Ab\n",
    "dotted": "x.y ",
    "at signs": "a@",
    "Hangul": "가",
    "Hangul and digits": "가1",
    "Han": "中",
    "slashes": "1/",
    "honorifics": "Sig. ",
    "street words": "via ",
    "German ways": "Strasse ",
    "links": "http://a",
    "a recipient's label and name": "收货人：郭辉",
    "recommendations": "推荐郑勇",
    "phones before a particle": "02-7034-0827으로 ",
    "lanes before a Vietnamese street": "1/2 Trần ",
    "streets named with particles": "6 Rua da Mata, ",
    "name labels": "Name: Jane Doe\n",
    "greetings": "Dear Jane Doe, ",
    "a role's speaker": "Candidate: Tell me more. ",
    "names in capitals on lines": "JANE DOE\n",
    "signatures after a dash": "Thanks – Jane Doe\n",
    "Korean names before a title": "김지은 과장 ",
    "a chat's bare times": "[10:14] Jane Doe (Acme): hi\n",
    "initials": "R.J. ",
    "roles in apposition": "my manager, Jane Doe, ",
    "own sites": "my portfolio is a.b ",
    "flats before named buildings": "Apt 1, Ab ",
    "Eircode-like pairs": "D07 N9K ",
    "Turkish streets without a door": "Ab Mah. Cd Cad. ",
    "words before common family names": "Ab Mehta ",
    "capitalised words before no family name": "Ab Cd ",
}
OPENED = {
    "an address key's value left open": ('address="', "1"),
    "an address label's line": ("Address: 1", " "),
    "an address label's words": ("Address: 1", "Ab "),
    "a table's label cells": ("", "| Name | Jane "),
    "tabs after a digit": ("1", "\t"),
    "bars": ("", "| "),
    "record keys": ("", '"a":"'),
    "chat times": ("", "[9:41 AM] "),
    "a chat's lines": ("", "12/03/2024, 14:05 - Jane Doe: hi\n"),
    "an INSERT's rows": (
        "INSERT INTO users (name, email, phone) VALUES ",
        "('Ana Ruiz', 'a@b.co', '0207 946 0958'), ",
    ),
    "an INSERT's row never closed": ("INSERT INTO users (name, email) VALUES (", "'Ana', "),
    "an attendee list's items": ("Attendees: ", "Ab Cd (x) and "),
    "an attendee list's notes": ("Attendees: ", "Ab ("),
}
"""Units after an opening that makes them one value: an address under its key never
closed, one table row as long as the text, an SQL statement's rows."""
TAIL = " 12 Main Street, jane.doe@example.com, +44 20 7946 0958"
NAMED = ("Aditya Narayan Rao", "Mary Anne Smith", "Bastiaan van Egisheim", "Zoë Saldaña-Pérez")
"""The people the second table's texts are searched for, as a caller names them."""
NAMED_UNITS = {
    "initials": "a. ",
    "initials without dots": "a n ",
    "a family name and a comma": "Smith, ",
    "given names and hyphens": "mary-",
    "a family name": "Rao ",
    "a particle's family name and a comma": "van Egisheim, ",
    "dots": "m.",
    "hyphens": "- ",
}


def patterns(text: str) -> None:
    list(find_patterns(reading_of(text).text))


def named_people(text: str) -> None:
    list(find_known(text, Subject.of(SubjectSpec(names=list(NAMED)))))
    list(find_name_parts(text, NAMED, frozenset(NAMED)))


def best_seconds(search: Callable[[str], None], text: str, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        search(text)
        best = min(best, time.process_time() - started)
    return best


def table(
    search: Callable[[str], None], shapes: list[tuple[str, str, str]], sizes: list[int], rounds: int
) -> None:
    print("| unit | " + " | ".join(f"{size:,} chars, s" for size in sizes) + " | ratio |")
    print("| --- | " + " | ".join("---:" for _ in sizes) + " | ---: |")
    for name, opening, unit in shapes:
        seconds = [
            best_seconds(search, opening + unit * (size // len(unit)) + TAIL, rounds)
            for size in sizes
        ]
        ratio = seconds[-1] / seconds[0] if seconds[0] else float("nan")
        cells = " | ".join(f"{value:.3f}" for value in seconds)
        print(f"| {name} (`{unit!r}`) | {cells} | {ratio:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,40000", help="characters, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    shapes = [(name, "", unit) for name, unit in UNITS.items()]
    shapes += [(name, opening, unit) for name, (opening, unit) in OPENED.items()]
    table(patterns, shapes, sizes, arguments.rounds)
    print(f"\nThe spellings of {', '.join(NAMED)}:\n")
    named = [(name, "", unit) for name, unit in NAMED_UNITS.items()]
    table(named_people, named, sizes, arguments.rounds)


if __name__ == "__main__":
    main()
