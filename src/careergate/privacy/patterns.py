"""Personal data with a recognisable shape: emails, links, phone numbers, street
addresses and postcodes, dates of birth, national identifiers.

Each pattern is a compiled regular expression, with a check where the shape alone says too
little (an SSN's reserved ranges, an IBAN's checksum, a phone number's digit count). They
run in microseconds, which is why they, not a statistical model, carry everything but names.
Street addresses are matched in the forms résumés use (``12 Baker Street``, ``221B Baker
St, Apt 4``, ``Hauptstraße 5``, ``12 rue de la Paix``) together with UK and US postcodes,
since statistical recognisers miss most of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from careergate.privacy.findings import Finding, PiiKind

PATTERN_PRIORITY = 2

_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Place|Pl|Way|"
    "Terrace|Close|Crescent|Square|Sq|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Row|Mews|Grove|"
    "Gardens|Walk|Hill|Park"
)
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl)\.?\s*#?\s*[\w-]+)?"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}"
_US_STATE_ZIP = r"[A-Z]{2}\s+\d{5}(?:-\d{4})?"
_TOWN = r"(?:,\s*[A-Z][a-z][A-Za-z'-]*(?:\s+[A-Z][a-z][A-Za-z'-]*){0,2})"
_STREET = (
    r"\b\d{1,5}[A-Za-z]?(?:[-/]\d{1,4})?,?\s+(?:[A-Z][A-Za-z'-]*\.?\s+){1,4}"
    rf"(?:{_STREET_TYPES})\b\.?{_UNIT}"
    rf"(?:{_TOWN}{{0,2}}(?:,?\s*(?:{_UK_POSTCODE}|{_US_STATE_ZIP}))?)?"
)
_CONTINENTAL_STREET = (
    r"\b[A-ZÄÖÜ][a-zäöüß-]+(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|laan|"
    r"straat|gracht|vej|gatan|gata|veien)\s+\d{1,4}[a-z]?\b"
    r"|\b\d{1,4}(?:\s?bis)?,?\s+(?:rue|avenue|boulevard|place|chemin|allée|impasse|quai|"
    r"calle|avenida|plaza|via|viale|piazza|rua)\s+(?:(?:de|du|des|la|le|les|del|de la|di|"
    r"della|da)\s+)?[A-ZÀ-Ý][\w'-]+(?:\s+[A-ZÀ-Ý][\w'-]+){0,3}"
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|"
    r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+(?:19|20)\d{{2}}"
    rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})"
)


def _iban_valid(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def _phone_plausible(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    international = text.lstrip().startswith(("+", "("))
    # Nine digits at least, unless the shape is unmistakable: years and year ranges
    # ("2019 - 2023") have eight and must not be taken for numbers.
    return 7 <= digits <= 15 if international else 9 <= digits <= 15


@dataclass(frozen=True, slots=True)
class Pattern:
    kind: PiiKind
    regex: re.Pattern[str]
    group: int | str = 0
    check: Callable[[str], bool] | None = None
    needs: str = ""
    """A clue without which the pattern cannot match: ``digit``, ``@`` or ``link``. Most
    texts lack most clues, and looking for a clue costs far less than a scan."""


_NAME_WORDS = r"[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,3}"
_HEADINGS = (
    r"(?!(?:Curriculum|Resume|Résumé|Work|Professional|Technical|Key|Core|Personal|Contact|"
    r"Education|Experience|Skills|Summary|Profile|Languages|References|Cover|Dear)\b)"
)

PATTERNS: tuple[Pattern, ...] = (
    # A résumé's first line is its owner's name, which the small name model often misses
    # when it stands alone.
    Pattern(
        PiiKind.PERSON,
        re.compile(rf"\A\s*(?P<name>{_HEADINGS}{_NAME_WORDS})[ \t]*$", re.M),
        group="name",
    ),
    Pattern(
        PiiKind.PERSON,
        re.compile(
            r"\b(?:Name|Full name|Reference|Referee|Contact|Candidate|Applicant|Dear|Mr|Mrs|Ms|"
            r"Miss|Mx|Dr|Prof)\.?:?[ \t]+(?P<name>[A-Z][a-z'’-]+(?:[ \t]+[A-Z][a-z'’-]+){0,2})"
        ),
        group="name",
    ),
    Pattern(
        PiiKind.EMAIL, re.compile(r"\b[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b"), needs="@"
    ),
    Pattern(
        PiiKind.LINK,
        re.compile(
            r"\bhttps?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
            r"|\bwww\.[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
            r"|\b(?:linkedin\.com/in|github\.com|gitlab\.com|twitter\.com|x\.com|"
            r"behance\.net|dribbble\.com|medium\.com/@?)/?[\w-]+(?:\.[\w-]+)*"
        ),
        needs="link",
    ),
    Pattern(
        PiiKind.NATIONAL_ID,
        re.compile(r"\b(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}\b"),
        needs="digit",
    ),
    Pattern(
        PiiKind.NATIONAL_ID,
        re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"),
        needs="digit",
    ),
    Pattern(
        PiiKind.NATIONAL_ID,
        re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b"),
        check=_iban_valid,
        needs="digit",
    ),
    Pattern(
        PiiKind.NATIONAL_ID,
        re.compile(
            r"\b(?i:passport|national\s+id|national\s+insurance|ni|id\s+card|identity\s+card|social\s+security|"
            r"tax\s+id|personal\s+number|personnummer|bsn|nino|ssn)"
            r"(?:\s+(?i:number|no\.?|#))?\s*[:#]?\s*(?P<id>[A-Z0-9][A-Z0-9 -]{5,18}[A-Z0-9])\b"
        ),
        group="id",
        needs="digit",
    ),
    Pattern(
        PiiKind.DATE_OF_BIRTH,
        re.compile(
            r"(?i:\bborn(?:\s+on)?|\bdate\s+of\s+birth|\bd\.?o\.?b\.?|\bbirth\s*date|"
            r"\bbirthday)\s*[:\-]?\s*(?:on\s+|in\s+)?"
            rf"(?P<date>{_DATE})"
        ),
        group="date",
        needs="digit",
    ),
    Pattern(PiiKind.ADDRESS, re.compile(_STREET), needs="digit"),
    Pattern(PiiKind.ADDRESS, re.compile(_CONTINENTAL_STREET), needs="digit"),
    Pattern(PiiKind.ADDRESS, re.compile(rf"\b{_UK_POSTCODE}\b"), needs="digit"),
    Pattern(PiiKind.ADDRESS, re.compile(rf"(?<=,\s){_US_STATE_ZIP}\b"), needs="digit"),
    Pattern(
        PiiKind.PHONE,
        re.compile(
            r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]?\d{2,5}){1,5}"
            r"(?![\w-])"
        ),
        check=_phone_plausible,
        needs="digit",
    ),
)


_DIGIT = re.compile(r"\d")
_LINK_CLUES = ("://", "www.", ".com/", ".net/")


def _clues(text: str) -> frozenset[str]:
    found = {""}
    if _DIGIT.search(text):
        found.add("digit")
    if "@" in text:
        found.add("@")
    if any(clue in text for clue in _LINK_CLUES):
        found.add("link")
    return frozenset(found)


def find_patterns(text: str) -> Iterator[Finding]:
    """Every shape-recognisable finding in ``text`` (overlaps are resolved later)."""
    clues = _clues(text)
    for pattern in PATTERNS:
        if pattern.needs not in clues:
            continue
        for match in pattern.regex.finditer(text):
            start, end = match.span(pattern.group)
            if start < 0:
                continue
            if pattern.check is not None and not pattern.check(match.group(pattern.group)):
                continue
            yield Finding(pattern.kind, start, end, PATTERN_PRIORITY)
