"""Personal data in a table pasted as text (a spreadsheet's rows, a CSV export, a
Markdown table): its header names what each column holds, so a cell under "Emp name",
"apellidos", "DOB" or "Mobile" is a name, a date of birth or a phone number whatever
its words, and a name there needs no context the name model would look for.

Only a table of people counts: a header naming at least two columns of personal data
(a name and an email, a name and a date of birth). "| Name | Version |" lists software.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.people import is_name
from careergate.privacy.shape import PATTERN_PRIORITY

_NAME_HEADER = re.compile(
    r"(?i:(?:emp\.?|employee|candidate|applicant|contact|person|staff|student|member"
    r"|full|first|last|given|family|middle|sur)?[ _]?names?"
    r"|surname|nombres?|apellidos?|nom|pr[eé]nom|nome|cognome|vorname|nachname|imi[eę]"
    r"|nazwisko|voornaam|achternaam|adı|soyadı|姓名|氏名|이름|성명)"
)
_HEADERS: tuple[tuple[PiiKind | None, re.Pattern[str]], ...] = (
    (PiiKind.PERSON, _NAME_HEADER),
    (
        PiiKind.DATE_OF_BIRTH,
        re.compile(
            r"(?i:d\.?o\.?b\.?|date[ _]of[ _]birth|birth[ _]?date|born|geburtsdatum"
            r"|fecha[ _]de[ _]nacimiento|date[ _]de[ _]naissance|data[ _]di[ _]nascita"
            r"|data[ _]de[ _]nascimento|geboortedatum|data[ _]urodzenia|doğum[ _]tarihi"
            r"|生年月日|出生日期|생년월일)"
        ),
    ),
    (
        PiiKind.PHONE,
        re.compile(
            r"(?i:(?:mobile|cell|home|work)?[ _]?(?:phone|tel\.?|telephone)(?:[ _]?(?:no\.?"
            r"|number))?|mobile|cell|celular|m[oó]vil|telefone|telefon|tel[eé]fono|handy"
            r"|telefoon|電話|电话|전화)"
        ),
    ),
    (
        PiiKind.ADDRESS,
        re.compile(
            r"(?i:(?:home[ _]|street[ _]|postal[ _])?address|street|direcci[oó]n|endere[cç]o"
            r"|adresse|adres|indirizzo|anschrift|post[ _]?code|postal[ _]code|zip(?:[ _]?code)?"
            r"|cep|plz|c[oó]digo[ _]postal|住所|地址|주소)"
        ),
    ),
    # Personal but found by its shape: it makes a table one of people.
    (None, re.compile(r"(?i:e-?mail(?:[ _]address)?|correo|courriel)")),
)
_CELL = {
    "\t": re.compile(r"[^\t\n]*"),
    "|": re.compile(r"[^|\n]*"),
    ";": re.compile(r'"(?:[^"\n]|"")*"|[^;\n]*'),
    ",": re.compile(r'"(?:[^"\n]|"")*"|[^,\n]*'),
}
"""A cell of each separator's tables (quoted, in a CSV export)."""
_MIN_CELLS = 3
_RULE = re.compile(r":?-{3,}:?")


def labelled_columns(text: str) -> Iterator[Finding]:
    """The cells under a table's columns of personal data, in every table of ``text``."""
    lines = list(_lines(text))
    index = 0
    while index < len(lines):
        _, line = lines[index]
        separator = _separator(line)
        kinds = _header_kinds(line, separator) if separator else None
        index += 1
        if kinds is None or separator is None:
            continue
        while index < len(lines):
            row_start, row = lines[index]
            cells = _cells(row, separator)
            if len(cells) != len(kinds):
                break
            index += 1
            if all(_RULE.fullmatch(row[a:b]) for a, b in cells):
                continue  # a Markdown table's rule under its header
            for kind, (cell_start, cell_end) in zip(kinds, cells, strict=True):
                finding = _cell_finding(text, kind, row_start + cell_start, row_start + cell_end)
                if finding is not None:
                    yield finding


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _separator(line: str) -> str | None:
    """The separator a header line's cells are split by, if it has enough of them."""
    for separator in ("\t", "|", ";", ","):
        if line.count(separator) >= _MIN_CELLS - 1:
            return separator
    return None


def _cells(line: str, separator: str) -> list[tuple[int, int]]:
    """Each cell's span in ``line``, quotes and padding left out; a Markdown table's
    outer bars open and close no cell."""
    spans = []
    position = 0
    pattern = _CELL[separator]
    while position <= len(line):
        match = pattern.match(line, position)
        end = match.end() if match else position
        spans.append(_trimmed(line, position, end))
        position = end + 1
    if separator == "|" and spans and spans[0][0] == spans[0][1]:
        spans = spans[1:]
    if separator == "|" and spans and spans[-1][0] == spans[-1][1]:
        spans = spans[:-1]
    return spans


def _trimmed(line: str, start: int, end: int) -> tuple[int, int]:
    while start < end and line[start] in ' "\t':
        start += 1
    while end > start and line[end - 1] in ' "\t':
        end -= 1
    return start, end


def _header_kinds(line: str, separator: str) -> list[PiiKind | bool | None] | None:
    """Each column's kind (``True``: personal, found by its shape; ``None``: other), if
    the line is the header of a table of people."""
    kinds: list[PiiKind | bool | None] = []
    for start, end in _cells(line, separator):
        label = line[start:end]
        kind: PiiKind | bool | None = None
        for named, header in _HEADERS:
            if header.fullmatch(label):
                kind = True if named is None else named
                break
        kinds.append(kind)
    personal = sum(1 for kind in kinds if kind is not None)
    if len(kinds) < _MIN_CELLS or personal < 2 or (PiiKind.PERSON not in kinds and personal < 3):
        return None
    return kinds


def _cell_finding(text: str, kind: PiiKind | bool | None, start: int, end: int) -> Finding | None:
    value = text[start:end]
    if not isinstance(kind, PiiKind) or not value.strip():
        return None
    if kind is PiiKind.PERSON and not (is_name(value) and any(c.isalpha() for c in value)):
        return None
    if kind is not PiiKind.PERSON and not any(c.isdigit() for c in value):
        return None  # a date, a phone or an address holds digits; "n/a" and "-" do not
    return Finding(kind, start, end, PATTERN_PRIORITY)
