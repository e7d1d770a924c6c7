"""Personal data with a recognisable shape: emails, links, phone numbers, cards and
national identifiers (``identifiers.py``), dates of birth (``dates.py``), street
addresses and postcodes (``addresses.py``), names where documents put them
(``people.py``) and names their own addresses spell (``handles.py``).

Each pattern is a compiled regular expression, with a check where the shape alone says
too little (a checksum, a phone number's digit count). They run in microseconds, which
is why they, not a statistical model, carry everything but names in running prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from careergate.privacy.addresses import ADDRESSES, near_streets, postcode_lines
from careergate.privacy.attendees import names_in_attendee_lists
from careergate.privacy.checksums import gtin13
from careergate.privacy.columns import inserted_rows, labelled_columns
from careergate.privacy.dates import DATES
from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.handles import names_in_handles
from careergate.privacy.identifiers import IDENTIFIERS
from careergate.privacy.people import PEOPLE
from careergate.privacy.polish import has_polish
from careergate.privacy.references import IDENTIFIER_LABEL_BEFORE
from careergate.privacy.shape import PATTERN_PRIORITY, Pattern, run

__all__ = ["PATTERNS", "PATTERN_PRIORITY", "find_patterns"]

_PHONE_LABEL = re.compile(
    r"(?i:\btel|phone|mobile|\bmob|\bcell|\bcall|\bfax|whatsapp|\bsms|text\s+me|reach\s+me|"
    r"contact|\bmy\s+number|móvil|teléfono|téléphone|portable|telefon|telefone|telefono|cellulare|celular|"
    r"\bhandy|\bgsm|điện\s+thoại|sđt)"
    r"|전화|연락처|电话|手机|電話|携帯"
)
"""A word before a number on its line that says it is a phone number."""


def _phone_plausible(match: re.Match[str]) -> bool:
    """Seven to fifteen digits (an extension apart). Without a country code or a label
    (``Tel.``) nine at least: eight-digit runs are mostly dates and year ranges."""
    text = re.split(r"(?i)\s?(?:x|ext\.?|#)\s?\d+$", match.group())[0]
    digits = sum(c.isdigit() for c in text)
    if not 7 <= digits <= 15:
        return False
    if IDENTIFIER_LABEL_BEFORE.search(_line_before(match)) or _article_number(text.strip(), digits):
        return False  # "Invoice 2024-00317", "SKU 4006381333931", an ISBN
    if match.start() and _CJK_LETTER_RE.match(match.string, match.start() - 1):
        # Against the word before it only after a phone's label ("手机13812345678",
        # "電話いただくなら05-1213-8940"): a period ("勤務期間05.2019-08.2021"), an
        # amount or an order number is written so too.
        return _labelled(match)
    if _CJK_LETTER_RE.match(match.string, match.end()) and not _trunk_grouped(text, digits):
        return _labelled(match)  # a salary's range, a rate or an order number before a particle
    if text.lstrip().startswith(("+", "(", "00")) or digits >= 9:
        return True
    return _labelled(match) or _a_contact_line(match)


def _article_number(text: str, digits: int) -> bool:
    """An ISBN-13 ("978-0-13-468599-1") or an EAN-13 written as one run of digits, its
    check digit right; not thirteen digits that open as a phone's international prefix
    does ("001-355-815-0813")."""
    if digits != 13 or not gtin13(text):
        return False
    return text.startswith(("978", "979")) or (text.isdigit() and not text.startswith("0"))


def _labelled(match: re.Match[str]) -> bool:
    """A phone's label before the number on its line (``_PHONE_LABEL``)."""
    return _PHONE_LABEL.search(_line_before(match)) is not None


def _line_before(match: re.Match[str]) -> str:
    """Up to 40 characters before the number, on its line: where its label stands."""
    return match.string[max(0, match.start() - 40) : match.start()].rsplit("\n", 1)[-1]


_NOT_A_PHONE = re.compile(
    r"(?:19|20)\d\d\s*[-–/.]\s*(?:(?:19|20)\d\d|\d\d)|\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d\d"
)
"""A year range or a date."""


def _a_contact_line(match: re.Match[str]) -> bool:
    """Digits alone on their line, under a phone's label (``Phone:`` on the line
    before) or among a document's contact lines (an email within two lines, the line
    before labelling nothing else): how a CV's header gives a phone number without
    saying so on its line. A date is no phone number."""
    text, value = match.string, match.group().strip()
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:line_end].strip() != value or _NOT_A_PHONE.fullmatch(value):
        return False
    previous = text[text.rfind("\n", 0, max(line_start - 1, 0)) + 1 : line_start].rstrip()
    if _PHONE_LABEL.search(previous):
        return True
    if previous.endswith((":", "：", ".")):
        return False  # under a label of something else ("Invoice date:", "Order no.")
    above = line_start
    for _ in range(2):
        above = text.rfind("\n", 0, max(above - 1, 0)) + 1
    below = line_end
    for _ in range(2):
        found = text.find("\n", below + 1)
        below = len(text) if found < 0 else found
    return "@" in text[above:below]


_CJK_LETTERS = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3"
"""Kana, Han and Hangul: scripts that write a word against a number."""
_CJK_LETTER = rf"[{_CJK_LETTERS}]"
_CJK_LETTER_RE = re.compile(_CJK_LETTER)
_LATIN_WORD = rf"[^\W{_CJK_LETTERS}]"
"""A word's letter or digit in a script that parts its words with spaces."""


def _trunk_grouped(number: str, digits: int) -> bool:
    """A phone number's form when a particle follows it ("02-7034-0827으로"): a trunk
    prefix or a country code, groups, nine digits at least (Korea's and Japan's numbers
    have ten or eleven); a salary's range ("15000-20000元"), a rate ("+0.1234567로") or an
    order number has not."""
    starts = number.lstrip().startswith(("0", "+"))
    return starts and digits >= 9 and _GROUPED.search(number) is not None


_GROUPED = re.compile(r"\d[ .-]\d")


_OWN_SITE = r"portfolio|website|web[ \t]+site|site|homepage|blog"
"""What a person calls their own site."""

PATTERNS: tuple[Pattern, ...] = (
    *PEOPLE,
    Pattern(
        PiiKind.EMAIL,
        # The domain ends where Latin letters do: Korean writes its particle right after
        # the address ("zryu@nate.com로").
        # Nor does it start at the letter of an escape ("\tjane@x.example" in JSON text).
        re.compile(
            r"(?<!\\)(?:(?<![\w.%+-])|(?<=\\[nrtbf]))"
            r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9])"
        ),
        needs="@",
    ),
    Pattern(
        PiiKind.LINK,
        re.compile(
            r"\bhttps?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
            r"|\bwww\.[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
            r"|\b(?:linkedin\.com/in|github\.com|gitlab\.com|twitter\.com|x\.com|"
            r"behance\.net|dribbble\.com|medium\.com/@?|xing\.com/profile)/?[\w-]+(?:\.[\w-]+)*"
            r"|(?<![\w-])[\w-]+\.github\.io\b"
        ),
        needs="link",
    ),
    # A person's own site named as such, without "www." or a scheme: "Portfolio:
    # asha-kulkarni.in", "my portfolio is sannebakker.nl" (not "our website is
    # acme.com": a firm's).
    Pattern(
        PiiKind.LINK,
        re.compile(
            rf"(?:\b(?i:my|his|her|their|your)[ \t]+(?i:personal[ \t]+)?(?i:{_OWN_SITE})"
            r"[^\n.:]{0,30}?[ \t]+"
            r"|(?:^|(?<=[.!?;|·•]))[ \t]*(?i:portfolio|homepage|personal[ \t]+(?:web)?site|blog)"
            r"[ \t]*:[ \t]*)"
            r"(?P<site>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,12}"
            r"(?:/[^\s<>\"')\]]*[^\s<>\"')\].,;:!?])?)(?![\w/-]|\.\w)",
            re.M,
        ),
        group="site",
    ),
    *IDENTIFIERS,
    *DATES,
    *ADDRESSES,
    Pattern(
        PiiKind.PHONE,
        re.compile(
            # Groups of digits taken whole (possessive), one alone too ("(08276) 85955"):
            # split every way a run of forty digits could be, they made a long text of
            # such runs cost seconds.
            # It may follow a word in those scripts too ("電話いただくなら05-1213-8940").
            rf"(?<![+/.-])(?<!{_LATIN_WORD})"
            r"(?:(?:\+|00)\d{1,3}[ \t.-]?|\d{1,3}[ \t.-]?(?=\())?(?:\(0\)[ \t.-]?)?"
            r"(?:\(\d{1,5}\)[ \t.-]?)?"
            r"\d{1,5}+(?:[ \t.-]?\d{1,5}+){0,6}(?:[ \t]?(?i:x|ext\.?|#)[ \t]?\d{1,6})?"
            # Korean and Japanese write a particle right after it ("02-7034-0827으로",
            # "090-1234-5678まで"); a letter of another script goes on a code.
            rf"(?!-|(?!{_CJK_LETTER})\w)"
        ),
        check=_phone_plausible,
        needs="digit",
    ),
)


_DIGIT = re.compile(r"\d")
_CJK = re.compile(r"[\u4e00-\u9fff\uac00-\ud7a3]")
_LINK_CLUES = ("://", "www.", ".com/", ".net/", ".github.io")


def _clues(text: str) -> frozenset[str]:
    found = {""}
    if _DIGIT.search(text):
        found.add("digit")
    if "@" in text:
        found.add("@")
    if any(clue in text for clue in _LINK_CLUES):
        found.add("link")
    if _CJK.search(text):
        found.add("cjk")
    if has_polish(text):
        found.add("polish")
    return frozenset(found)


def find_patterns(text: str) -> Iterator[Finding]:
    """Every shape-recognisable finding in ``text`` (overlaps are resolved later), the
    postcodes near its street addresses, the names its own addresses spell, the cells
    of its tables' columns of personal data and the names of its lists of attendees."""
    clues = _clues(text)
    found = list(run(PATTERNS, text, clues))
    yield from found
    yield from names_in_handles(text)
    yield from near_streets(text, found)
    yield from labelled_columns(text)
    yield from inserted_rows(text)
    yield from names_in_attendee_lists(text)
    if "digit" in clues:
        yield from postcode_lines(text)
