"""Dates of birth: a date after a label that says it is one, in the languages a career
platform's documents come in.

Other dates (a start date, a deadline, a release) are not personal data and stay: only
the label makes a date a date of birth. The date itself may be numeric (``12.03.1988``,
``1988-03-12``, ``03/12/1988``), written out in any language (``12. März 1988``,
``14 de abril de 1966``, ``17 października 1993``, ``July 26, 1965``, ``14th of March
1987``), or in the CJK form (``1988年3月12日``, ``1988년 3월 12일``); after the label a
year of two digits is one too (``D.O.B. 03/14/87``).
"""

from __future__ import annotations

import re

from careergate.privacy.findings import PiiKind
from careergate.privacy.shape import Pattern

_PLACE = r"[^\W\d_][\w'’.-]*(?:[ \t]+(?:[^\W\d_][\w'’.-]*)){0,3}?"
"""A place's name of up to four words, as short as the text allows."""
_BORN_WHERE = (
    r"(?:(?<![^\n])[ \t]*(?:[-*•·][ \t]+)?|(?<=[,(:])[ \t]*|(?<=[,(:]\s)|(?<=\s[-–—]\s)|"
    r"(?i:\b(?:I|he|she|they)\s+(?:was|were)\s+|\bsono\s+|\bsoy\s+"
    r"|\b(?:je\s+suis|elle\s+est)\s+|\b(?:ich\s+bin|er\s+ist|sie\s+ist)\s+))"
)
"""Where a person's birth is told: a line's start or a bullet (a form), after a comma,
a bracket, a dash or a colon (after a name or a label), or after "I was", "she was", "sono",
"je suis", "ich bin"; not after words that
tell of a thing as well ("è", "fue", "il est": "Il progetto è nato a Roma il...")."""
_LABEL = (
    r"(?i:\bborn(?:\s+on)?|\bdate\s+of\s+birth|\bd\.?\s?o\.?\s?b\b\.?|\bbirth\s*date|\bbirthday"
    r"|\bgeburtsdatum|\bgeb\.|\bgeboren(?:\s+am)?|\bfecha\s+de\s+nacimiento|\bf\.\s*nacimiento"
    r"|\bnacid[oa](?:/[ao])?(?:\s+el)?|\bnací\s+el|\bnasci\s+em|\burodzi(?:łem|łam)\s+się|\bdate\s+de\s+naissance|\bnée?\s+le|\bné\(e\)\s+le|\bdata\s+di\s+nascita"
    r"|\bnat[oa](?:/[ao])?\s+il|\bdata\s+de\s+nascimento|\bnascid[oa]\s+em|\bgeboortedatum"
    r"|\bgeboren\s+op|\bdata\s+urodzenia|\bur\.|\bfödelsedatum|\bfödd|\bngày\s+sinh"
    r"|\bsinh\s+ngày|\bdoğum\s+tarih(?:i|im|in)|\bd\.\s*tarihi|дата\s+рождения|تاريخ\s+الميلاد)"
    r"|생년월일|出生日期|出生年月日?|生年月日"
    # Born in a place first, where a form or a person's own line says it ("nato/a a
    # Montaldo Roero il", "Nato a Roma il", "Jane Doe, born in Leeds, UK on", "I was born
    # in Leeds on"): not a firm's or a project's birth ("The company was born in Berlin
    # on", "Il progetto è nato a Roma il").
    rf"|{_BORN_WHERE}(?i:\bnat[oa](?:/[ao])?\s+a|\bnée?\s+à|\bné\(e\)\s+à"
    rf"|\bnacid[oa](?:/[ao])?\s+en|\bgeboren\s+in|\bborn\s+in)\s+{_PLACE}"
    rf"(?:\s*\([A-Z]{{2}}\))?(?:,[ \t]*{_PLACE}){{0,2}},?\s+(?i:il|le|el|am|on)"
)
_YEAR = r"(?:19|20)\d{2}"
_DATE = (
    rf"\d{{1,2}}[./-]\d{{1,2}}[./-]{_YEAR}"
    rf"|{_YEAR}[./-]\d{{1,2}}[./-]\d{{1,2}}"
    rf"|{_YEAR}\s*[年년]\s*\d{{1,2}}\s*[月월]\s*\d{{1,2}}\s*[日일]?"
    # The label says it is a date of birth: a year of two digits is one ("03/14/87").
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2}(?![\d./-])"
    # A day, a month's name in any language, a year ("13. Januar 2004", "14 de abril de
    # 1966", "15-May-1977", "14th of March, 1987"); or a month's name first ("July 26,
    # 1965").
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?(?:\s+of)?(?:\s+|-)(?:de\s+)?[^\W\d_]{{3,12}}\.?,?"
    rf"(?:\s+|-)(?:de\s+)?{_YEAR}"
    rf"|[^\W\d_]{{3,12}}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}"
)

DATE = re.compile(_DATE)
"""A date in any of the forms above."""

DATES: tuple[Pattern, ...] = (
    Pattern(
        PiiKind.DATE_OF_BIRTH,
        re.compile(
            # A gloss or a second field may follow the label: "생년월일 (DOB):", "Doğum
            # Tarihi / Yeri:"; a table's cell ends with "|".
            rf"(?:{_LABEL})(?:\s*\([^)\n]{{1,20}}\)|\s*/\s*[^\W\d_]{{2,12}})?"
            # After a label's colon, the place may come first ("Lugar y fecha de
            # nacimiento: Melilla, 8 de marzo de 1990", "Date of birth: Roma (RM),
            # 12/05/1988"); without a colon it would be any words before a date.
            rf"(?:[ \t]*[:：][ \t]*{_PLACE}(?:\s*\([A-Z]{{2}}\))?(?:,[ \t]*{_PLACE})?,[ \t]*"
            rf"(?=\d)|[\s:：(|\-]*(?:(?i:is|was|on|in|the|el|le|am|il|em|op|es|est|ist|của|tôi|là)"
            rf"[\s:：]+){{0,3}})(?P<date>{_DATE})"
        ),
        group="date",
        needs="digit",
    ),
    # A record's key (JSON, a log line's ``key="value"``): "dateOfBirth": "1987-03-14".
    Pattern(
        PiiKind.DATE_OF_BIRTH,
        re.compile(
            r"(?<![\w-])[\"']?(?i:date_?of_?birth|birth_?date|d_?o_?b|geburtsdatum"
            r"|fecha_?(?:de_?)?nacimiento|data_?(?:de_?|di_?)?nasc(?:imento|ita))[\"']?"
            # Its value in quotes or bare ("dob=26 November 1979 id_type=...").
            rf"[ \t]*[:=][ \t]*(?P<quote>[\"'])?(?P<date>{_DATE})"
            r"(?(quote)(?P=quote)|(?![\w/-]|\.\w))"
        ),
        group="date",
        needs="digit",
    ),
)
