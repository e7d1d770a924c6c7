"""Personal data in a table pasted as text (a spreadsheet's rows, a CSV export, a
Markdown table, an SQL ``INSERT``'s rows): its header names what each column holds, so a
cell under "Emp name", "apellidos", "DOB" or "Mobile" is a name, a date of birth or a
phone number whatever its words, and a name there needs no context the name model would
look for.

Only a table of people counts: a header naming at least two columns of personal data
(a name and an email, a name and a date of birth). "| Name | Version |" lists software.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from careergate.privacy.dates import DATE
from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.people import is_name
from careergate.privacy.shape import PATTERN_PRIORITY

_NAME_HEADER = re.compile(
    r"(?i:(?:emp\.?|employee|candidate|applicant|contact|person|staff|student|member"
    r"|full|first|last|given|family|middle|sur)?[ _]?names?"
    r"|surname|nombres?(?:\s+y\s+apellidos)?|apellidos?|nom|pr[eé]nom|nome(?:\s+completo)?"
    r"|cognome|vorname|nachname|imi[eę](?:\s+i\s+nazwisko)?|nazwisko|voornaam|achternaam"
    r"|ad(?:ı)?(?:\s+soyad(?:ı)?)?|soyadı|姓名|氏名|이름|성명"
    # A column of the people a record names by their role (an ATS's owner, a ticket's
    # assignee); its cells count only where they have a name's form (``is_name``).
    r"|recruiter|hiring[ _]manager|interviewer|referr(?:er|ed[ _]by)|referee|mentor|owner"
    r"|assignee|reporter)"
)
_HEADERS: tuple[tuple[PiiKind | None, re.Pattern[str]], ...] = (
    (PiiKind.PERSON, _NAME_HEADER),
    (
        PiiKind.DATE_OF_BIRTH,
        re.compile(
            r"(?i:(?:d\.?o\.?b\.?|date[ _]?of[ _]?birth|birth[ _]?date|birthday|born|geburtsdatum"
            r"|fecha[ _](?:de[ _])?nac(?:imiento)?|date[ _]de[ _]naissance|data[ _]di[ _]nascita"
            r"|data[ _](?:de[ _])?nasc(?:imento)?|geb(?:urts)?[ _.]?datum|geboortedatum"
            r"|data[ _]urodzenia|doğum[ _]tarihi"
            r"|生年月日|出生日期|생년월일)(?:\s*\([^)]{1,20}\))?)"
        ),
    ),
    (
        PiiKind.PHONE,
        re.compile(
            r"(?i:(?:(?:mobile|cell|home|work)?[ _]?(?:phone|tel\.?|telephone)|mobile|cell"
            r"|celular|m[oó]vil|telefone|telefon|tel[eé]fono|handy|telefoon|電話|电话|전화)"
            r"(?:[ _]?(?:no\.?|number|번호))?)"
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
_GAP = 3
"""Lines of a page's break a table's rows run on past: its number and the blank lines
around it, in an export copied from a PDF ("Page 2 of 2")."""
_PAGE_BREAK = re.compile(
    r"\s*(?:(?:page|p\.|seite|p[aá]gina|pagina)\s*\d+(?:\s*(?:of|/|de|von|di|sur)\s*\d+)?"
    r"|[-–—]?\s*\d+\s*[-–—]?|\d+\s*/\s*\d+)?\s*",
    re.IGNORECASE,
)
"""A page's break: its number ("Page 2 of 2", "- 3 -", "2/5") or a blank line."""


def labelled_columns(text: str) -> Iterator[Finding]:
    """The cells under a table's columns of personal data, in every table of ``text``.
    A table ends at a line of another form, at a blank line and at another table's
    header; its rows run on past a page's break (``_PAGE_BREAK`` lines, up to
    ``_GAP``, one of them a page's number): a table copied from a PDF."""
    lines = list(_lines(text))
    index = 0
    while index < len(lines):
        _, line = lines[index]
        separator = _separator(line)
        kinds = _header_kinds(line, separator) if separator else None
        index += 1
        if kinds is None or separator is None:
            continue
        between, numbered = 0, False
        while index < len(lines):
            row_start, row = lines[index]
            cells = _cells(row, separator)
            if not 2 <= len(cells) <= len(kinds):
                if between == _GAP or not _PAGE_BREAK.fullmatch(row):
                    break
                numbered = numbered or bool(row.strip())
                between += 1
                index += 1
                continue
            if between and not numbered:
                break  # a blank line and more rows: another table
            between, numbered = 0, False
            if all(_RULE.fullmatch(row[a:b]) for a, b in cells):
                index += 1
                continue  # a Markdown table's rule under its header
            found = _row_findings(  # an export leaves a row's empty last cells out
                text, kinds[: len(cells)], [(row_start + a, row_start + b) for a, b in cells]
            )
            if not found and _opens_a_table(row):
                break  # another table of people: its own columns
            index += 1
            yield from found


def inserted_rows(text: str) -> Iterator[Finding]:
    """The values of an SQL ``INSERT INTO t (columns) VALUES (...), (...)`` under its
    columns of personal data, as a table's cells under its header (a statement pasted
    into a question about why it fails): ``fecha_nac`` names a date of birth, ``apellidos``
    a family name."""
    if "insert" not in text.lower():  # most texts: a scan in C, not the pattern's
        return
    for statement in _INSERT.finditer(text):
        if not _PEOPLE_TABLE.search(statement.group("table")):
            continue
        columns = [c.strip(' \t\r\n`"[]') for c in statement.group("columns").split(",")]
        kinds = _column_kinds(columns)
        if kinds is None:
            continue
        position = statement.end()
        while (row := _ROW_OPENS.match(text, position)) is not None:
            cells, position = _row_values(text, row.end())
            if len(cells) == len(kinds):
                yield from _row_findings(text, kinds, cells)
            if (comma := _NEXT_ROW.match(text, position)) is None:
                break
            position = comma.end()


_INSERT = re.compile(
    r"(?i:\binsert\s+(?:ignore\s+|or\s+\w+\s+)?into)\s+(?P<table>[\w.`\"\[\]]{1,200})\s*"
    r"\((?P<columns>[^()]{1,2000})\)\s*(?i:values)\s*"
)
_PEOPLE_TABLE = re.compile(
    r"(?i:user|candidat|applicant|employee|emplead|person|people|contact|customer|client"
    r"|member|staff|student|patient|usuario|mitarbeiter|kunde|bewerber|utilisateur|salari"
    r"|profile|resume|hire|recruit|talent)"
)
"""Names of tables of people: an ``INSERT`` into another (companies, schools, products)
has names and phone numbers that are not a person's."""
_ROW_OPENS = re.compile(r"\(\s*")
_NEXT_ROW = re.compile(r"\s*,\s*")
_VALUE = re.compile(r"N?'((?:[^'\\\n]|''|\\.)*)'|([^,()'\n]*)")
"""A string literal (its content apart; ``N'…'`` too) or a bare value (a number,
``NULL``)."""
_VALUE_ENDS = re.compile(r"\s*([,)])\s*")


def _row_values(text: str, position: int) -> tuple[list[tuple[int, int]], int]:
    """The spans of one ``VALUES`` row's values (a literal's without its quotes), and
    where the row ends (after its closing parenthesis; where it stopped if it is cut)."""
    cells: list[tuple[int, int]] = []
    while True:
        value = _VALUE.match(text, position)
        assert value is not None, "a bare value may be empty: it always matches"
        if value.group(1) is not None:  # a string literal's content
            cells.append(_trimmed(text, value.start(1), value.end(1)))
        else:  # a number or NULL: no person's data
            cells.append((value.start(), value.start()))
        ends = _VALUE_ENDS.match(text, value.end())
        if ends is None:
            return cells, value.end()
        position = ends.end()
        if ends.group(1) == ")":
            return cells, position


def _opens_a_table(line: str) -> bool:
    separator = _separator(line)
    return separator is not None and _header_kinds(line, separator) is not None


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Each line and where it starts, without a Windows line end's carriage return."""
    offset = 0
    for line in text.split("\n"):
        yield offset, line.removesuffix("\r")
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
    """Each column's kind, if the line is the header of a table of people
    (``_column_kinds``)."""
    return _column_kinds([line[start:end] for start, end in _cells(line, separator)])


def _column_kinds(labels: list[str]) -> list[PiiKind | bool | None] | None:
    """Each column's kind (``True``: personal, found by its shape; ``None``: other), if
    the columns are those of a table of people."""
    kinds: list[PiiKind | bool | None] = []
    for label in labels:
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


def _row_findings(
    text: str, kinds: list[PiiKind | bool | None], cells: list[tuple[int, int]]
) -> list[Finding]:
    """The row's cells as their columns' kinds, where each value has its kind's form, if
    two of them at least do (an email counts): a row of a person. A breakpoints table's
    "| Name | Mobile |" holds "Columns" and "480px", no person."""
    found = []
    personal = 0
    for kind, (start, end) in zip(kinds, cells, strict=True):
        value = text[start:end]
        if kind is True:
            personal += "@" in value
        elif isinstance(kind, PiiKind) and _FORMS[kind](value):
            personal += 1
            # Above a shape's: the header says what the cell is, where a phone number's
            # shape would run on over the tab into the date beside it.
            found.append(Finding(kind, start, end, PATTERN_PRIORITY + 1))
    return found if personal >= 2 else []


def _a_name(value: str) -> bool:
    return _NAME_CELL.fullmatch(value) is not None and is_name(value)


def _a_phone(value: str) -> bool:
    return _PHONE_CELL.fullmatch(value) is not None and 7 <= sum(c.isdigit() for c in value) <= 15


_NAME_CELL = re.compile(r"[^\W\d_][^\W\d_ '’.-]*(?:(?:,[ ]|[ '’.-])+[^\W\d_]+)*\.?")
"""Words of letters, family name first with a comma too ("Doe, Jane": an HR export's)."""
_PHONE_CELL = re.compile(r"\+?[\d ().-]+")
_FORMS: dict[PiiKind, Callable[[str], bool]] = {
    PiiKind.PERSON: _a_name,
    PiiKind.DATE_OF_BIRTH: lambda value: DATE.fullmatch(value) is not None,
    PiiKind.PHONE: _a_phone,
    PiiKind.ADDRESS: lambda value: any(c.isdigit() for c in value),
}
"""What a cell of each kind looks like: a name is words of letters (not "VARCHAR(100)"),
a date of birth a date, a phone number seven to fifteen digits."""
