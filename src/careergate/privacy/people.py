"""Names of people found by where documents put them, in any script.

The name model reads running English prose; career documents put names where it looks
least: alone on a CV's first lines, in capitals, over two lines, family name first,
after a form's label in another language, under a letter's closing, in a script it was
not trained on. These rules find a name by its place:

- the first lines of a document made only of name words (``JANE DOE``; ``Jane`` then
  ``Doe``; ``RÉSUMÉ — DOE Jane``), and any line of two to four words in capitals;
- after a label or a greeting (``Name:``, ``Nombre:``, ``Cardholder:``, ``Dear``,
  ``Hi``), a self-introduction (``my name is``, ``I'm``, ``I,``, ``everyone calls me``),
  a relative (``my son``, ``named her``), or a closing (``Kind regards,`` then the name
  on the next line, ``— Jane`` at the end);
- before what only a person has (``Carolina's address``, ``Harita's kid``), in
  apposition to someone's role (``my manager, Maja Lind,``), as a chat's speaker
  (``[10:14] Jane Doe (Acme):``);
- names in Han or Hangul script amid text in another script (a run of one to four
  characters, or a Japanese ``family given`` pair), Korean names before a title or an
  honorific in any text (``박서연 과장``, ``김지은 님``), self-introductions in Chinese,
  Japanese and Korean (``我是郑勇``, ``佐藤 花子です``, ``저는 박지훈입니다``), and
  Vietnamese names by their family name (the sixteen that most Vietnamese bear), with or
  without their marks.

Words that head CV sections or name roles (``PROFILE``, ``Engineer``) are never names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from careergate.privacy.findings import PiiKind
from careergate.privacy.function_words import (
    LANGUAGE_OF_WORD,
    NEVER_IN_NAMES,
    has_function_word,
    language_around,
    needs_language,
)
from careergate.privacy.given_names import is_given_name, is_polish_given_name
from careergate.privacy.known import COMMON_WORDS
from careergate.privacy.polish import POLISH_ADDRESS, polish_around
from careergate.privacy.shape import Pattern
from careergate.privacy.word_lists import word_list

Span = Callable[[re.Match[str]], tuple[int, int] | None]

_PERSON = PiiKind.PERSON
NAME_PRIORITY = 1
"""A name found by a rule of where documents put names (here, in ``handles.py`` and in
``attendees.py``): below a shape's, so that an address or an identifier that a rule's
words run into wins."""
_LETTER = r"[^\W\d_]"
_NAME_WORD = rf"{_LETTER}(?:{_LETTER}|['’](?={_LETTER})|-(?={_LETTER})|\.(?=[ \t]|[^\W\d_a-z]\.))*"
_PARTICLE = (
    r"(?:de|da|do|dos|das|del|della|di|du|la|las|le|los|van|von|der|den|ten|ter|bin|binti|al"
    r"|el|y|e)"
)
_NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_NAME_WORD}){{0,3}}"
_FULL_NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_NAME_WORD}){{0,7}}"
"""A name a field holds whole, of up to eight words ("Pedro Henrique Souza Lima
Albuquerque", "María de los Ángeles García Fernández de Córdoba")."""
_CJK = "\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3"


NOT_NAME_WORDS = word_list("not_name_words.txt")
TOOLS = word_list("not_names.txt")
CAREER_WORDS = word_list("career_words.txt")
EPONYMOUS_BRANDS = word_list("eponymous_brands.txt")
FAMILY_NAMES = word_list("family_names.txt")
_LETTERS = re.compile(r"[^\W\d_]+")


def is_name(candidate: str, language: str | None = None) -> bool:
    """Name words, each starting with a capital (or in a script without case), none a
    heading's or a role's word, not all of them tools' names, none a function word of
    English or of ``language`` (the text's, when known)."""
    words = [w for w in re.split(r"[ \t,]+", candidate.strip()) if w]
    if not words or len(words) > 5 or all(w.casefold() in TOOLS for w in words):
        return False
    if _said_in_words(candidate, language):
        return False
    return all(_is_name_word(word) for word in words)


def _ends_a_name(word: str) -> bool:
    """A function word, or in capitals a word of the skills' labels: where a name's
    words stop ("JANE DOE DATA ANALYST", "JANE DOE AND JOHN SMITH")."""
    folded = word.strip(".,").casefold()
    if folded in NEVER_IN_NAMES:
        return True
    return word.isupper() and len(folded) > 1 and folded in CAREER_WORDS


def _said_in_words(candidate: str, language: str | None = None) -> bool:
    """Whether ``candidate`` is made of the language's own words: a function word ("What
    Went Well", "Meine Qualifikationen", "Oferta de Empleo"), only words of the skills'
    labels ("ACTION ITEMS", "Talent Acquisition"), or, in capitals, any of them ("MOCK
    INTERVIEW", "DC SHIFT REPORT": a heading; a name in capitals is all names)."""
    if has_function_word(candidate, language):
        return True
    folded = _LETTERS.findall(candidate.casefold())
    if all(word in CAREER_WORDS for word in folded):
        return True
    return candidate.isupper() and any(word in CAREER_WORDS for word in folded)


def _is_name_word(word: str) -> bool:
    """A particle, an initial, or a word starting with a capital (or in a script without
    case) that is no heading's or role's word. A tool's name may be a person's ("Ruby", "Jenkins"):
    only a name made of nothing else is not one (``is_name``)."""
    if _PARTICLE_WORD.fullmatch(word) or _INITIAL.fullmatch(word):
        return True
    if word.casefold().strip(".") in NOT_NAME_WORDS or _DIGIT.search(word):
        return False  # no name is written with digits ("Zoom Room 2", "Team 4")
    if _LOWER_AFTER_HYPHEN.search(word):
        return False  # "Lisbon-based", "Mid-year": a compound word, not a double name
    first = word[0]
    return not (first.isalpha() and first.lower() != first.upper() and not first.isupper())


_LOWER_AFTER_HYPHEN = re.compile(
    r"-(?:based|led|owned|run|made|driven|focused|oriented|related|specific|wide|scale|level"
    r"|year|term|time|free|friendly|facing|ready|class|style|type|like|side|house|site)\b"
)
"""A compound's second word after a hyphen ("Lisbon-based", "Mid-year"): no name's
("Smith-Jones", "Jean-Pierre" and Korean "Min-jun" are)."""
_PARTICLE_WORD = re.compile(_PARTICLE)
_DIGIT = re.compile(r"\d")
_INITIAL = re.compile(r"[^\W\d_a-z]\.")
"""A name's initial ("John A. Smith"), which is no article though "a" is one."""


def _group_is_name(match: re.Match[str]) -> bool:
    name = match.group("name")
    return is_name(name, _language_for(match, name))


def _language_for(match: re.Match[str], name: str) -> str | None:
    """The language of the text around the ``name`` group, where it can tell whether
    ``name`` holds a function word (``needs_language``); ``None`` where it cannot, which
    spares reading the text around every candidate."""
    if not needs_language(name):
        return None
    return language_around(match.string, match.start("name"), match.end("name"))


_WORDS = re.compile(r"[^ \t,]+")
_INITIALS = re.compile(r"(?:[^\W\d_a-z]\.){1,3}")
_ABBREVIATIONS = frozenset(
    {"u.s.", "u.k.", "u.s.a.", "e.u.", "u.n.", "d.c.", "n.y.", "p.o.", "b.a.", "m.a.", "b.s."}
    | {"m.s.", "b.v.", "n.v.", "s.a.", "s.a.s.", "s.r.l.", "s.p.a.", "a.g.", "e.v.", "s.l."}
)
"""Initials of places, degrees and firms' forms ("U.S. Army", "B.A. Economics"), not of a
person's names."""


def name_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The name's words at the start of the ``name`` group: up to the first word that
    is not a name's (lower case, a role, a heading) and after a word that ends a
    sentence ("I'm Jan Kowal. I saw..." is "Jan Kowal")."""
    start = match.start("name")
    end = start
    for word in _WORDS.finditer(match.string, start, match.end("name")):
        text = word.group()
        if _INITIALS.fullmatch(text):
            if text.casefold() in _ABBREVIATIONS:
                break
            end = word.end()  # a given name's initials ("A. Fischer", "R.J. de Vries")
            continue
        if not text.rstrip(".") or not _is_name_word(text.rstrip(".")) or _ends_a_name(text):
            break
        if end > start and _next_column(match.string, end, word.start()):
            break
        end = word.end()
        if text.endswith(".") and len(text.rstrip(".")) > 1:
            end -= 1  # the sentence's full stop, not the name's
            break
    name = match.string[start:end]
    while name and re.search(rf"[ \t]+{_PARTICLE}$", name):
        name = re.sub(rf"[ \t]+{_PARTICLE}$", "", name)
    if not name.strip() or _INITIALS.fullmatch(name):
        return None
    if start + len(name) < match.end("name") and re.fullmatch(_PARTICLE, name, re.I):
        return None  # "Firmado: El Director", not "Dear Van,"
    said = _said_in_words(name, _language_for(match, name))
    if (_all_tools(name) or said) and not _labelled(match):
        return None
    if is_brand(match.string, start, name):
        return None  # "Dr. Oetker", "Dr. Martens"
    return start, start + len(name)


def is_brand(text: str, start: int, name: str) -> bool:
    """``name`` (at ``start`` in ``text``), alone or with the title before it, is a brand
    named after a person ("Ralph Lauren", "Dr. Oetker")."""
    return is_brand_name(name) or is_brand_name(f"{text[max(0, start - 4) : start]} {name}")


def is_brand_name(words: str) -> bool:
    """``words`` are a brand named after a person (``EPONYMOUS_BRANDS``), in any case
    and spacing."""
    return " ".join(words.casefold().split()) in EPONYMOUS_BRANDS


def _next_column(text: str, end: int, start: int) -> bool:
    """A form's next field after a wide gap (three spaces or more, a tab): its label, a
    word or three then a colon ("MAI BẢO JOHN    Giới tính: Nam", "John   SMITH   Date:"),
    not the rest of a padded name ("Jean   DUPONT", "Maria\t\t\tGarcia")."""
    gap = text[end:start]
    if len(gap) < 3 and "\t" not in gap:
        return False
    return _FIELD_LABEL.match(text, start) is not None


_FIELD_LABEL = re.compile(r"[^\s:：]+(?: [^\s:：]+){0,2}[ \t]*[:：]")


def _all_tools(name: str) -> bool:
    return all(word.casefold() in TOOLS for word in re.split(r"[ \t,]+", name.strip()) if word)


def _full_name_span(match: re.Match[str]) -> tuple[int, int] | None:
    """``name_span``, when it holds two words at least ("Emp name" heads a column) and
    the line's other columns no figure ("Acme Corp  Backend  2019-2022" is a job)."""
    span = name_span(match)
    if span is None or " " not in match.string[span[0] : span[1]]:
        return None
    line_end = match.string.find("\n", span[1])
    rest = match.string[span[1] : line_end if line_end >= 0 else len(match.string)]
    return None if any(c.isdigit() for c in rest) else span


def _speaker_span(match: re.Match[str]) -> tuple[int, int] | None:
    """``name_span``, when it is the whole speaker ("Acme Recruiting" is a firm) and
    speaks twice at least: an applicant tracker's timeline ("14:05 - Offer Extended:")
    and an agenda name each step once, a chat its people again and again."""
    span = name_span(match)
    if span is None or span[1] != match.end("name"):
        return None
    if _bare_time_and_role(match):
        return None
    return span if _times_named(match.string, match.group("name")) > 1 else None


def _bare_time_and_role(match: re.Match[str]) -> bool:
    """After a bare time ("[08:47]"), which a team's bot or a role's account writes as
    often ("[08:47] VP Talent Acquisition:", "[09:30] Bot RH:"), a speaker is a person
    when a firm follows its name ("Jane Doe (Acme):") or it is two words, none in
    capitals or a role's."""
    if "bare" not in match.re.groupindex or match.group("bare") is None:
        return False
    if match.group("affiliation") is not None:
        return False
    words = match.group("name").split()
    return len(words) != 2 or any(
        word.isupper() or word.casefold() in CAREER_WORDS or word.casefold() in _NO_ONES
        for word in words
    )


_NO_ONES = frozenset(
    [
        "bot",
        "bots",
        "team",
        "alerts",
        "notifications",
        "system",
        "cloud",
        "app",
        "assistant",
        "workflow",
        "reminder",
    ]
)
"""Words of a chat's accounts that are no one ("Standup Bot", "Jira Cloud")."""


@lru_cache(maxsize=16)
def _times_named(text: str, speaker: str) -> int:
    """How often ``text`` names ``speaker`` as one: counted once per speaker and text,
    not again for each of its lines (a long chat's every line had the whole text
    read again)."""
    said = text.count(f"{speaker}:") + text.count(f"[{speaker}]")
    return said + len(re.findall(rf"{re.escape(speaker)}[ \t]*{_AFFILIATION}[ \t]*:", text))


def _addressed_span(match: re.Match[str]) -> tuple[int, int] | None:
    """``name_span``, unless the letter opens to no one by name ("Damen und Herren")."""
    span = name_span(match)
    if span is None or match.string[span[0] : span[1]].split()[0].casefold() in _ADDRESSEES:
        return None
    return span


def _labelled(match: re.Match[str]) -> bool:
    """Whether the name follows a form's label for a name ("Nombre: Julia"): then a
    tool's name is a person's, even alone."""
    start = match.start("name")
    return _NAME_LABEL_BEFORE.search(match.string, max(0, start - 40), start) is not None


_SIGN_OFF = (
    r"(?i:\b(?:thanks|thank\s+you|cheers|regards|best|merci|danke|gracias|saludos|grüße"
    r"|groeten|cordialement|atentamente|obrigad[oa]|grazie))"
)


def _attribution_span(match: re.Match[str]) -> tuple[int, int] | None:
    """``name_span``, not in capitals: a signature writes a name as a name."""
    span = name_span(match)
    return None if span is None or match.string[span[0] : span[1]].isupper() else span


def _appositive_span(match: re.Match[str]) -> tuple[int, int] | None:
    """``name_span``, when it is the whole apposition and of two words at least: "our
    director, Sales and Marketing," is none."""
    if not _WHOSE_BEFORE.search(match.string, max(0, match.start() - 40), match.start()):
        return None  # no one's role: "Logistics Coordinator, Stark Logistics, 2015"
    span = name_span(match)
    if span is None or span[1] != match.end("name"):
        return None
    name = match.string[span[0] : span[1]]
    if " " not in name or _FIRM_NAME.search(name):
        return None  # "as our CEO, Acme Holdings, said"
    return span


LEGAL_FORMS = (
    r"Bank|Logistics|Corp|Corporation|Inc|Ltd|Ltda|LLC|LLP|PLC|Pty|GmbH|AG|KG|OHG|UG|BV|B\.V|"
    r"NV|N\.V|SARL|SAS|SA|S\.A|S\.L|SL|S\.R\.L|SRL|SpA|S\.p\.A|S\.C|S\.Com|AB|ASA|Oy|A/S|A\.Ş|"
    r"S\.A\.S|S\.A\.R\.L|S\.L\.L|R\.L|C\.V|HB|KB|S\.\s?Coop|Koninklijke|Despacho|Asociados|"
    r"Sp\.\s*z\s*o\.o|Group|Groep|Gruppe|Grupo|Gruppo|Health|Healthcare|Labs?|Solutions|"
    r"Systems|Technologies|Partners|Holdings?|University|College|School|Hospital|Foundation|"
    r"Stichting|Institute|Associates|Associati|Consulting|Capital|Insurance|Pharma|Media|"
    r"Studios?|İnşaat|Ticaret|Sanayi|Figli|Sons|Co|Cia|Hnos|Hermanos|Công\s+ty|Cổ\s+phần|Tập\s+Đoàn|"
    r"Enterprise|Energy|Mobility|Controls|Streaming|Parks|Financials|Healthineers|Programme|"
    r"Program|Scheme|Academy|Tic|Şti|S\.C\.P"
)
"""Legal forms and words that end a firm's or an institution's name ("Acme Holdings",
"Leroux SARL")."""
_ROLE_BEFORE_NAME = (
    r"manager|director|supervisor|boss|colleague|mentor|recruiter|coordinator|founder"
    r"|ceo|cto|cfo|coo|president|team\s+lead|chef|jefe|jefa|directeur|directrice|gerente"
    r"|diretora?|leiterin|leiter|vorgesetzter?|kierownik|kierowniczka|müdürü?|yöneticisi?"
    r"|responsabile|responsable"
)
"""Roles a person's name is put in apposition to, in the languages of the set."""
_WHOSE = (
    r"my|our|his|her|their|your|the|\w+['’]s|min|mitt|mi|mon|ma|notre|mein|meine|sein|seine"
    r"|unser|unsere|il|la|o|a|nosso|nossa|mój|moja|nasz|nasza"
)
_WHOSE_BEFORE = re.compile(rf"(?i:\b(?:{_WHOSE})[ \t]+(?:[\w-]+[ \t]+){{0,2}})$")
_FIRM_NAME = re.compile(rf"\b(?:{LEGAL_FORMS})\.?$")
"""Whose role it is: a person's is named ("my manager, Jane Doe"); a CV's line names a
firm after a role ("Logistics Coordinator, Stark Logistics, 2015")."""


def _family_named_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The given names before one of the family names the model misses most, as many as
    there are ("Maria Luísa Souza", "Maria da Luz Pereira"): words read from the family
    name leftwards while each is a given name's (in a capital; not a title, a role's, a
    heading's, a firm's or a place's word; after a known given name, another one)
    or a particle; ``None`` without one, or with a firm's legal form after it ("Macedo
    Cardoso Ltda.")."""
    if _LEGAL_FORM_AFTER.match(match.string, match.end()):
        return None
    words = list(_WORDS.finditer(match.group("name")))
    offset = match.start("name")
    start = offset + words[-1].start()
    given = 0
    known = False
    for word in reversed(words[:-1]):
        text = word.group()
        if text.islower() and _PARTICLE_WORD.fullmatch(text):
            start = offset + word.start()
            continue
        given_name = is_given_name(text, match.string, offset + word.start())
        if not _a_given_name(text) or (known and not given_name):
            break  # a word before a known given name must be one too: "Yesterday Jan Nowak"
        known = known or given_name
        start = offset + word.start()
        given += 1
    name = match.string[start : match.end("name")]
    if not given or not name[:1].isupper() or not is_name(name, _language_for(match, name)):
        return None
    return start, match.end("name")


def _a_given_name(word: str) -> bool:
    if not word[0].isupper() or word.isupper() or _TITLED.fullmatch(word.rstrip(".")):
        return False
    if not _is_name_word(word) or _ends_a_name(word):
        return False  # "Then", "Senior", a heading's word
    folded = word.casefold()
    if folded in CAREER_WORDS or _PARTICLE_WORD.fullmatch(folded):
        return False
    return not _FIRM_OR_PLACE_WORD.fullmatch(word)


_LEGAL_FORM_AFTER = re.compile(rf"[ \t]*(?:(?:&|and|e|y|und|en|ve|i)[ \t]+)?(?:{LEGAL_FORMS})\b")


_FIRM_OR_PLACE_WORD = re.compile(
    rf"(?:{LEGAL_FORMS})"
    r"|(?i:banco|banca|praia|rua|vila|casa|hotel|otel|caf[eé]|kafe|restaurante|cl[ií]nica"
    r"|col[eé]gio|escola|instituto|universidade|loja|mercado|farm[aá]cia|edif[ií]cio|fazenda"
    r"|estrada|avenida|largo|parque|jardim|porto|igreja|santa|s[aã]o|apteka|szko[lł]a|ulica"
    r"|osiedle|plac|sklep|bank|hastanesi|okulu|caddesi|sokak|mahallesi|nagar|marg|chowk"
    r"|road|street|tower|towers|plaza|mall|hall|house|park|lake|bay|beach|valley|station|court"
    r"|square|gardens|centre|center|airport|county|city|heights|island)"
)
"""Words that name a firm or a place with a family name after them, in the languages of
``FAMILY_NAMES``."""
_FAMILY_NAMED = re.compile(
    rf"(?<![\w-])(?P<name>(?:[^\W\d_a-z][\w'’-]*[ \t]+(?:{_PARTICLE}[ \t]+)?){{1,3}}"
    rf"(?i:{'|'.join(sorted(map(re.escape, FAMILY_NAMES), key=len, reverse=True))}))"
    r"(?![\w'’-])"
)
"""Up to three words and one of ``FAMILY_NAMES`` after them (``_family_named_span``
keeps the given names among the words)."""


_GIVEN_NAMED = re.compile(
    r"(?<![\w'’.-])(?=(?P<name>(?P<given>[^\W\d_a-z][^\W\d_A-Z]+(?:-[^\W\d_a-z][^\W\d_A-Z]+)?)"
    rf"(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_NAME_WORD}){{1,3}}))(?P=given)"
)
"""A word in title case and up to three name words after it (``_given_named_span`` keeps
them when the first is a known given name, ``is_given_name``). The match is the first word alone, so
that a capitalised word before a name ("Yesterday Tomasz Wrona") does not hide it."""


def _given_named_span(match: re.Match[str]) -> tuple[int, int] | None:
    """A known given name and the family name after it ("Marcelina Janczura", "Mirte van
    den Nieuwenhuijsen"): the words ``name_span`` reads as a name's, up to the first that
    is not written as a family name is (``_a_family_word``). ``None`` when no family word
    is left, when the given name is a function word of a language ("Bei den Stammdaten")
    or a place's saint ("San Giovanni Del Dosso"), when a firm's legal form follows
    ("Karin Weber GmbH"), or when a word is written in Vietnamese."""
    given, text = match.group("given"), match.string
    if given.casefold() in LANGUAGE_OF_WORD or not is_given_name(given, text, match.start()):
        return None
    if _FIRM_OR_PLACE_WORD.fullmatch(given) or _SAINT.fullmatch(given):
        return None
    if _SAINT_BEFORE.search(text, max(0, match.start() - 8), match.start()):
        return None
    span = name_span(match)
    if span is None:
        return None
    start, end = span
    family = 0
    for word in _WORDS.finditer(text, match.end("given"), end):
        if _PARTICLE_WORD.fullmatch(word.group()):
            continue
        if not _a_family_word(word.group()):
            break
        family, end = family + 1, word.end()
        if POSSESSIVE.search(word.group()):
            end -= 2  # "Anna Berg's CV"
    if not family or _LEGAL_FORM_AFTER.match(text, end) or _FIRM_AFTER.match(text, end):
        return None
    if _FIRM_WITHIN.search(text, start, end) or _VIETNAMESE_LETTER.search(text, start, end):
        return None  # Vietnamese names are the Vietnamese rule's ("Tiếng Anh Thương Mại")
    return start, end


def _a_family_word(word: str) -> bool:
    """Written as a family name is: with a capital and a lower-case letter, without a dot
    ("CD", "B2", "III" and "S.C.P." are not), and no everyday, heading's, tool's, firm's or
    place's word ("Julia Data Team", "Victoria Station")."""
    if not _FAMILY_WORD.fullmatch(word) or word.isupper():
        return False
    folded = word.casefold()
    if folded in COMMON_WORDS or folded in CAREER_WORDS or folded in TOOLS:
        return False
    return not _FIRM_OR_PLACE_WORD.fullmatch(word) and not _TITLED.fullmatch(word)


_FAMILY_WORD = re.compile(r"[^\W\d_a-z](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
POSSESSIVE = re.compile(r"['’]s$")
"""A possessive's ending ("Anna Berg's"): no part of the name."""
_VIETNAMESE_LETTER = re.compile("[\u1ea0-\u1ef9ươđƯƠĐ]")
_SAINT = re.compile(r"(?i:san|santo|santa|sankt|saint|sainte|st|ste|são)")
"""The word before a saint's name that names a place ("San Pietro", "Sankt Anton")."""
_SAINT_BEFORE = re.compile(rf"\b{_SAINT.pattern}\.?[ \t]+\Z")


def _greeted_span(match: re.Match[str]) -> tuple[int, int] | None:
    """``name_span`` after a greeting or an introduction, unless the greeting ended its
    sentence ("Thank you. Expect feedback...") or the words are an acronym of three
    letters or fewer without a title before them ("Thanks, ETA 14:00")."""
    if _SENTENCE_ENDED.search(match.string, match.start(), match.start("name")):
        return None
    span = name_span(match)
    if span is None:
        return None
    name = match.string[span[0] : span[1]]
    titled = _TITLED.search(match.string, match.start(), span[0])
    return None if name.isupper() and len(name) <= 3 and not titled else span


_TITLED = re.compile(r"(?i:\b(?:dear|mr|mrs|ms|miss|mx|dr|prof|herr|frau|sr|sra)\b)")
"""A title or "Dear" before the words: a family name in capitals may be short ("Dear Mr
LEE", "Mrs KIM")."""


_SENTENCE_ENDED = re.compile(r"(?i:thanks|thank\s+you|cheers|hello|hi|hey)[.!][ \t]+$")


def _field_name_span(match: re.Match[str]) -> tuple[int, int] | None:
    """``name_span`` after a field's label, unless the label is a role's ("Interviewer:",
    "Candidate:") and a sentence ends after its one word or goes on in lower case: that
    is what a speaker says in a transcript ("Interviewer: Tell me about yourself",
    "Candidate: Yes. I have five years..."), not a name. After a label of the name
    itself, the words are the name whatever follows."""
    span = name_span(match)
    if span is not None:
        span = _with_field_end(match.string, span)
    if span is None or _labelled(match):
        return span
    if _CODE_AFTER.match(match.string, span[1]):
        return None  # "Reference: INF-2025-0142"
    following = _SPOKEN_AFTER.match(match.string, span[1])
    if following is None or " " in match.string[span[0] : span[1]].strip():
        return span  # two words or more are a name, whatever follows
    return None if following.group(1) is None or following.group(1).islower() else span


def _with_field_end(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The span with the field's last word, where one word that reads as no name's
    ends the field ("Nome: Guilherme Freitas Sales" then a line's end): a field holds
    the name whole, and family names are everyday words too. Only a word in title case,
    after two name words at least ("Candidate: Yes Please" is no name)."""
    last = _LAST_FIELD_WORD.match(text, span[1])
    if last is None or " " not in text[span[0] : span[1]].strip():
        return span
    return span[0], last.end("word")


_LAST_FIELD_WORD = re.compile(
    r"[ \t]+(?P<word>[^\W\d_a-z][^\W\d_A-Z]+)(?=[ \t]*(?:$|\||[+(·,;]|[ \t]{2}))", re.M
)
_CODE_AFTER = re.compile(r"[-/_]?\d")
_SPOKEN_AFTER = re.compile(r"[.!?](?!\w)|,?[ \t]+(\w)")
"""What follows a speaker's first words: a sentence's end ("Candidate: Yes."), or words
in lower case ("Interviewer: Tell me...", "Vielen Dank, dass Sie...")."""


_PLACE_BEFORE = re.compile(r"(?i:thành\s+phố|\btp\.|tỉnh|quận|huyện)\s*$")


_FIRM_AFTER = re.compile(r"[ \t]+(?:ty|và|nghiệp|TNHH)\b")
_FIRM_WITHIN = re.compile(r"(?i:\btập[ \t]+đoàn\b)")
"""A group of firms ("Hoàng Tập Đoàn"): its founder's name, then the word for group."""


_LAST_WORDS = re.compile(rf"(?<![\w-])({_NAME_WORD})(?:[ \t]+({_NAME_WORD}))?$")


_AFTER_LOWER_CASE = re.compile(r"[a-z,][ \t]+$")
"""Mid-sentence: "Transferred from Accounts" and "Updates from HR" start a line."""


def _name_before(match: re.Match[str]) -> tuple[int, int] | None:
    """The one or two name words right before the match, mid-sentence ("to Tamara [from
    accounts]")."""
    text = match.string
    words = _LAST_WORDS.search(text, max(0, match.start() - 60), match.start())
    if words is None:
        return None
    spans = [(words.start(1), words.end(2))] if words.group(2) else []
    spans.append(words.span(words.lastindex or 1))
    for start, end in spans:
        if is_name(text[start:end]) and _AFTER_LOWER_CASE.search(text, 0, start):
            return start, end
    return None


def _vietnamese_span(match: re.Match[str]) -> tuple[int, int] | None:
    """A Vietnamese name of two words or more, not a town named after a person ("TP. Hồ
    Chí Minh") nor a firm named after its owners ("Phạm Công ty", "Lê và Mai")."""
    before = match.string[max(0, match.start() - 12) : match.start()]
    span = name_span(match)
    if span is None or _PLACE_BEFORE.search(before) or _FIRM_AFTER.match(match.string, span[1]):
        return None
    if _FIRM_WITHIN.search(match.string, span[0], span[1]):
        return None
    return span if " " in match.string[span[0] : span[1]].strip() else None


def _first_line_span(match: re.Match[str]) -> tuple[int, int] | None:
    """``name_span`` at a document's start, unless it is one word in capitals: a title
    ("STELLENANZEIGE – ...", "WARD HANDOVER"); a name in a CV's header has two words."""
    span = name_span(match)
    if span is None or _one_word_in_capitals(match.string[span[0] : span[1]]):
        return None
    after = match.string[span[1] : match.end("name")].strip()
    if after[:1].islower() and " " not in match.string[span[0] : span[1]]:
        return None  # a sentence's first word ("Bardzo dziękuję, ...", "Thanks so much, ...")
    if _DATE_AFTER_PLACE.match(match.string, span[1]):
        return None  # a letter's place and date ("Köln, den 24.03.2025")
    return span


_DATE_AFTER_PLACE = re.compile(r"[ \t]*,[ \t]*(?:(?i:den|le|el|il|am|dnia|the)[ \t]+)?\d")


def _one_word_in_capitals(name: str) -> bool:
    return name.isupper() and len(name.split()) == 1


def _first_lines_name(match: re.Match[str]) -> bool:
    """A document's first line, or its second after a name or a heading; not one word
    in capitals (a title)."""
    name = match.group("name")
    if len(name) < 2 or _one_word_in_capitals(name.strip()) or _unlike_a_cjk_name(name):
        return False
    # The lines before it, up to a third, read first: a long text's every line is a
    # match, and all but its first three are none of these.
    lines = []
    for line in _NON_BLANK_LINE.finditer(match.string, 0, match.start("name")):
        lines.append(line.group().strip())
        if len(lines) > 2:
            return False
    if not is_name(name, _language_for(match, name)):
        return False
    return all(is_name(line) or _is_heading(line) for line in lines)


_NON_BLANK_LINE = re.compile(r"[^\n]*\S[^\n]*")


def _unlike_a_cjk_name(name: str) -> bool:
    """Han or Hangul alone, not in a name's usual form: a form's heading ("신규 입사자
    인사기록카드"), where a line in capitals would say so in a script with case."""
    name = name.strip()
    return _CJK_ONLY.fullmatch(name) is not None and not _CJK_NAME_LINE.fullmatch(name)


_CJK_ONLY = re.compile(rf"[{_CJK}][{_CJK} \u3000]*")


def _is_heading(line: str) -> bool:
    return all(word.casefold().strip(":—-") in NOT_NAME_WORDS for word in line.split())


def _caps_line(match: re.Match[str]) -> bool:
    """Capitals indeed: not a line in a script without case ("서울시 서초구")."""
    name = match.group("name")
    return (
        name.isupper()
        and sum(c.isalpha() for c in name) >= 4
        and is_name(name, _language_for(match, name))
    )


_SPACES = re.compile(r"[ \t\u3000]+")


def _cjk_person_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The name after a Chinese or Korean label, or the recommended candidate, unless
    it ends as a department's or a firm's name does."""
    group = match.lastgroup or "name"
    if match.group(group)[-1] in _CJK_UNIT_ENDS:
        return None
    if group == "listed" and not _LISTED_AFTER_LABEL.search(
        match.string, max(0, match.start() - 40), match.start()
    ):
        return None  # a list of anything else
    return match.span(group)


def _cjk_span(match: re.Match[str]) -> tuple[int, int] | None:
    """The run, without a word after its space that is no name's ("김민수 연락처", "박지영
    서울시"), when ``_cjk_name`` takes it."""
    name = _cjk_kept(match.group("name"))
    if not _cjk_name(match, name):
        return None
    start = match.start("name")
    return start, start + len(name)


def _cjk_kept(name: str) -> str:
    first, space, second = name.partition(" ")
    if not space:
        first, space, second = name.partition("\u3000")
    if second and (second in NOT_NAME_WORDS or second[-1] in _PLACE_ENDINGS):
        return first
    return name


def _cjk_name(match: re.Match[str], name: str) -> bool:
    """Whether ``name``, the run (``_cjk_kept``), is a short run of Han or Hangul amid
    text in another script, not a place or label."""
    if _SPACES.sub("", name) in NOT_NAME_WORDS or name[-1] in _PLACE_ENDINGS:
        return False  # a form's heading, spaced out or not ("学　歴")
    if _SPACES.split(name, maxsplit=1)[0] in NOT_NAME_WORDS:
        return False  # a firm's legal form before its name ("주식회사 한강")
    if _a_date_or_count(match, name):
        return False
    text = match.string
    if _GLOSSED_LABEL_AFTER.match(text, match.start("name") + len(name)):
        return False  # a bilingual form's label: "성 (Surname):"
    if _FIRM_BEFORE.search(text, max(0, match.start() - 6), match.start()):
        return False
    if _FIRM_AFTER_CJK.match(text, match.start("name") + len(name)):
        return False
    return _mostly_latin(text)


def _a_date_or_count(match: re.Match[str], name: str) -> bool:
    """A run against a digit, a date's or a count's unit ("2019年7月7日", "1989/12/12生",
    "3명"), or a character alone against Han, kana or a form's wide space: a form's odd
    heading character ("履　歴　書"), not a given name written alone in a Latin sentence
    ("莉 spent a year") or a family name after its label ("성 (Surname): 문 이름")."""
    text = match.string
    start = match.start("name")
    end = start + len(name)
    if text[start - 1 : start].isdigit() or text[end : end + 1].isdigit():
        return True
    if len(_SPACES.sub("", name)) > 1 or name != match.group("name"):
        return False  # a name of one character before a word that is none ("문 이름")
    before = _NEIGHBOUR_BEFORE.search(text, max(0, start - 8), start)
    after = _NEIGHBOUR_AFTER.match(text, end)
    return any(m is not None and _CJK_OR_WIDE.match(m.group(1)) for m in (before, after))


_NEIGHBOUR_BEFORE = re.compile(r"(\S|\u3000)[ \t]*$")
_NEIGHBOUR_AFTER = re.compile(r"[ \t]*(\S|\u3000)")
_CJK_OR_WIDE = re.compile(f"[{_CJK}\u3000]")


@lru_cache(maxsize=2)
def _mostly_latin(text: str) -> bool:
    """At most twice as many Han, kana and Hangul characters as Latin letters. Counted
    once per text (the last two), not for every run in it."""
    cjk = sum(1 for c in text if "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7a3")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return cjk <= 2 * latin


_FIRM_BEFORE = re.compile(r"(?:주식회사|유한회사|합자회사|\([주유]\)|株式会社|有限会社|\()\s*$")
_FIRM_AFTER_CJK = re.compile(
    r"\s*(?:주식회사|유한회사|합자회사|株式会社|有限会社|有限公司|公司|\))"
)
"""A firm's legal form next to a run of Han or Hangul (the run is the firm's name), or
parentheses around it (an abbreviated legal form: "(주)")."""
_PLACE_ENDINGS = frozenset("시구군로길읍면市区區省县縣町村都府道街路州社司所团")
_NAME_FIELD_LABELS = (
    r"full\s+name|name|first\s+names?(?:\(s\))?|given\s+names?|voorna(?:\(a\))?m(?:\(en\))?"
    r"|voornamen|voornaam|nombre|nom|prénom|nome|vorname|imię"
)
"""Labels of a person's name itself (not of a role: "Manager: Maven" may be a tool)."""
_LABEL_WORDS = (
    rf"{_NAME_FIELD_LABELS}|last\s+name|surname|family\s+name"
    r"|nombre\s+completo|apellidos?|nom\s+complet|nome\s+completo|cognome"
    r"|naam|achternaam|nachname|imię\s+i\s+nazwisko|nazwisko|namn"
    r"|efternamn|họ\s+tên|họ\s+và\s+tên|adı\s+soyadı|ad\s+soyad|soyadı|(?<![^\n])adı"
    r"|cardholder|card\s+holder|account\s+holder|employee|candidate|applicant"
    r"|salariée?|salarié\(e\)|employée?|employé\(e\)|dipendente|empleado(?:/a)?|empleada"
    r"|emergency\s+contact|contact\s+person|reference|referee|signed|signature|firmado"
    r"|unterschrift|handtekening(?:[ \t]+\w+)?|assinatura|podpis|underskrift|imza"
    r"|nom\s+de\s+naissance|nom\s+de\s+jeune\s+fille|geburtsname|birth\s+name|maiden\s+name"
    r"|manager|recruiter|interviewer|mentor"
    r"|имя|фамилия|фио|имя\s+и\s+фамилия|الاسم(?:\s+الكامل)?"
)
"""Words that label a field holding a person's name. Turkish "Adı" only opens a line:
"Şirket Adı" is a company's name."""
_NAME_WORDS_LABELS = (
    rf"{_NAME_FIELD_LABELS}|last\s+name|surname|family\s+name|nombre\s+completo|apellidos?"
    r"|nom\s+complet|nome\s+completo|cognome|naam|achternaam|nachname|imię\s+i\s+nazwisko"
    r"|nazwisko|namn|efternamn|họ\s+tên|họ\s+và\s+tên|adı\s+soyadı|ad\s+soyad|soyadı|adı"
    r"|имя|фамилия|фио|الاسم"
)
"""Labels of the name alone, not of a role ("| Manager | Accountable |" is a RACI table)."""
_GLOSSED_LABEL_AFTER = re.compile(rf"[ \t]*\((?i:{_NAME_WORDS_LABELS})\)[ \t]*[:：]")
"""A bilingual form's name label after a run of Han or Hangul: "성 (Surname):"."""
_CJK_LABELS = r"이[ \u3000]*름|성[ \u3000]*명|姓[ \u3000]*名|氏[ \u3000]*名"
"""A form's name labels, whose characters forms often space out ("氏　　名")."""
_CJK_PERSON_LABELS = r"紧急联系人|收货人|收件人|面试官|推荐人|수취인|비상연락인|면접관"
"""Labels of a person in Chinese and Korean forms that only a person follows (a parcel's
recipient, an emergency contact), read only with a colon or as a table's cell, and only
before a name of the script's usual form (``_CJK_NAME_FORM``). Not "contact", "applicant"
or "person in charge" (联系人, 申请人, 담당자), nor "candidate" (候选人: "高学历", a
requirement): a firm, a department, a requirement or a blank follows those as often."""
_LISTED_AFTER_LABEL = re.compile(
    rf"(?:{_CJK_PERSON_LABELS})[ \t\u3000]*[:：][ \t\u3000]*"
    rf"(?:[\u4e00-\u9fff]{{2,4}}、)*[\u4e00-\u9fff]{{2,4}}$"
)
"""A label of people and the names it lists so far, before a "、" and the next."""
_HAN_FAMILY = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
"""The hundred most common Chinese family names (nine people in ten bear one)."""
_HANGUL_FAMILY = (
    "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지"
    "엄채원천방공현함변염여추도소석선설마길연위표명기반"
)
"""Korean family names, the most common first."""
_HANGUL_DOUBLE_FAMILY = r"남궁|제갈|독고|선우|황보|사공|서문"
"""Korean family names of two syllables, the commonest."""
_CJK_NAME_FORM = (
    rf"(?:(?:欧阳|歐陽|司马|司馬|上官|诸葛|諸葛|东方|東方|皇甫|[{_HAN_FAMILY}])"
    rf"[\u4e00-\u9fff]{{1,2}}"
    rf"|(?:{_HANGUL_DOUBLE_FAMILY})[\uac00-\ud7a3]{{1,2}}|[{_HANGUL_FAMILY}][\uac00-\ud7a3]{{1,3}})"
)
"""A Chinese name (a common family name and one or two characters) or a Korean one (a
family name and one to three syllables, or a family name of two and one or two)."""
_CJK_NAME_LINE = re.compile(
    rf"{_CJK_NAME_FORM}|[{_HAN_FAMILY}{_HANGUL_FAMILY}][ \u3000][\u4e00-\u9fff\uac00-\ud7a3]{{1,3}}"
)
"""A name as a line may hold it, its family name spaced from the rest or not."""
_KOREAN_TITLES = (
    r"과장|대리|팀장|부장|차장|실장|본부장|사장|이사|상무|전무|대표|주임|매니저|교수|박사"
    r"|선생님|변호사|책임|선임|수석|인턴|님|씨"
)
"""What follows a Korean name only, with a space: a rank or a job's title ("박서연 과장"),
or the honorifics "님" and "씨" ("김지은 님", "지은 씨"), written against the name too."""
_KOREAN_PARTICLES = (
    r"이|가|은|는|을|를|의|에게|께서|께|과|와|도|만|으로|로|에|이며|입니다|이다|이랑"
)
"""Particles written against the title ("과장이", "대리에게", "님의")."""
_KOREAN_NAME = re.compile(
    rf"(?<![\uac00-\ud7a3])(?P<name>(?:{_HANGUL_DOUBLE_FAMILY}|[{_HANGUL_FAMILY}])[\uac00-\ud7a3]{{2}}"
    rf"(?=(?:[ ](?:{_KOREAN_TITLES})님?|님|씨)(?:{_KOREAN_PARTICLES})?(?![\uac00-\ud7a3]))"
    rf"|[\uac00-\ud7a3]{{2}}(?=[ ](?:님|씨)(?:{_KOREAN_PARTICLES})?(?![\uac00-\ud7a3])))"
)
"""A Korean name before a title or an honorific: a family name and two syllables, or a
given name of two syllables before "님" or "씨" ("지은 씨는")."""
_NOT_KOREAN_NAME_ENDS = frozenset("에를의로와며면다요게고도는가을된던될할")
"""Last syllables of a word with its particle or ending ("이번에 팀장이": "this time, the
team lead"; "지정된 과장": "the appointed manager"), not of a name."""


def _korean_name(match: re.Match[str]) -> bool:
    name = match.group("name")
    return name[-1] not in _NOT_KOREAN_NAME_ENDS and name not in NOT_NAME_WORDS


def _introduced_cjk_span(match: re.Match[str]) -> tuple[int, int]:
    """The name of whichever language's self-introduction matched (each alternative's
    one group)."""
    return match.span(match.lastgroup or "name")


_JAPANESE_NAME = re.compile(
    r"(?<![\u4e00-\u9fff\u30a0-\u30ff々])"
    r"(?P<name>[\u4e00-\u9fff々]{1,3}[ \u3000][\u4e00-\u9fff々]{1,3}|[\u4e00-\u9fff々]{2,6})"
    r"(?=さん|様|氏(?![\u4e00-\u9fff]))"
)
"""A Japanese name of two characters or more before "さん", "様" or "氏" ("長谷川翔太さん",
"田中 一郎様"): a single character before them is as often a word ("皆さん", "お客様")."""
_NOT_JAPANESE_NAME_ENDS = frozenset("長員者生師士家手係部課社店客様方所局室班屋会院校館頭")
"""Last characters of a role, a rank or a body ("社長さん", "担当者様", "人事部様"), not
of a name."""


def _japanese_name(match: re.Match[str]) -> bool:
    return match.group("name")[-1] not in _NOT_JAPANESE_NAME_ENDS


_CJK_UNIT_ENDS = frozenset("部处科室组司팀과실부터")
"""Last characters of a department or a firm ("人事部", "인사팀", "고객센터"), not of a
name."""

# "(?=\w)": a word's start, not its end, where each label would be tried in vain.
_LABELS = (
    # A gloss may stand between a label of the name itself and its colon: "Họ và tên
    # (chữ in hoa):", "Name (in capitals):"; not a role's ("Employee (status):").
    rf"(?i:\b(?=\w)(?:{_NAME_WORDS_LABELS})[ \t]*\([^)\n]{{1,24}}\)\s*[:：])"
    rf"|(?i:\b(?=\w)(?:{_LABEL_WORDS}))\s*[:：]"
    rf"|(?:{_CJK_LABELS})\s*[:：]?"
)
"""Labels of a field holding a person's name. Not as a JSON document's keys: a JSON
Resume's ``work``, ``skills`` and ``certificates`` have a ``name`` too (``_FIELD_KEYS``
are the keys that can only hold a person's)."""
_FIELD_KEYS = (
    r"(?i:(?:full|first|last|given|family|middle|sur|candidate|applicant|contact|employee"
    r"|person|maiden)_?names?|surname|imi[eę]|nazwisko|vorname|nachname"
    r"|pr[eé]nom|voornaam|achternaam|apellidos?|cognome|soyad[ıi])"
)
"""Keys of a record (JSON, a log line's ``key="value"``) whose value is a person's name,
in snake or camel case; not a bare ``name``, which names a company or a skill as often."""
_NAME_LABEL_BEFORE = re.compile(rf"(?i:\b(?:{_NAME_FIELD_LABELS}))\s*[:：][ \t]*$")
_GREETING = (
    r"(?i:dear|hi|hello|hey|hola|olá|(?<![^\n])oi|bonjour|salut|hallo|hoi|ciao|hej|merhaba|chào|thanks|"
    r"thank\s+you|cheers|mr|mrs|ms|miss|mx|dr|prof|sr|sra|(?-i:anh/chị|anh|chị|ông|bà)|"
    r"herrn?|frau|signor|signora|monsieur|madame|señor|señora)\.?,?"
)
_LETTER_OPENING = (
    r"(?:Geachte|Beste|Liebe[rs]?|Sehr[ \t]+geehrte[rs]?|Estimad[oa]|Querid[oa]|Prezad[oa])"
)
"""A letter's first word in other languages, at the start of its line and written with a
capital: mid-sentence "liebe" is "love" and "beste" "best"."""
_HONORIFIC = (
    r"(?:heer|mevrouw|Heer|Mevrouw|Herrn?|Frau|Dr\.|dr\.|Prof\.|prof\.|Sr\.|Sra\.|"
    r"[Ss]eñor|[Ss]eñora|[Ss]enhor|[Ss]enhora)"
)
_HONORIFIC_BEFORE_NAME = r"(?:Sig\./Sig\.ra|Sig\.ra|Sig\.|Sigg\.|Dott\.ssa|Dott\.)"
"""Italian honorifics, with their full stops ("SIG" is a special interest group)."""
_ADDRESSEES = frozenset(
    """damen herren heer mevrouw heren dames""".split()  # noqa: SIM905 - a word list reads better as text
)
"""Whom a letter opens to when it names no one ("Sehr geehrte Damen und Herren",
"Geachte Heer/Mevrouw"); words that are surnames too, so no name's only here."""
_INTRO = (
    r"(?i:my\s+name\s+is|my\s+name's|(?:maiden\s+)?name\s+(?:is|was)|i'm|i\s+am|this\s+is|it's|"
    r"signed|(?:everyone\s+|they\s+|friends\s+)?calls?\s+me|account\s+is\s+under|in\s+the\s+name\s+of|follow\s+up\s+with|"
    r"me\s+llamo|je\s+m'appelle|ich\s+bin|ich\s+heiße|mi\s+chiamo|chamo-me|meu\s+nome\s+é|"
    r"aqui\s+é|aquí\s+es|(?-i:sou|soy)|"
    r"(?:il/la\s+|il\s+|la\s+)?sottoscritt[oa](?:/[ao])?|"
    r"(?<!ik\s)(?-i:ben)|"
    r"named\s+(?:him|her|them)|(?:my|our|his|her|their)\s+(?:kid|son|daughter|child|wife|"
    r"husband|brother|sister|mother|father|mum|mom|dad|grandson|granddaughter))"
)
_CLOSING = (
    r"(?i:kind\s+regards|best\s+regards|warm\s+regards|regards|best\s+wishes|best|thanks|"
    r"thank\s+you|many\s+thanks|sincerely|yours\s+sincerely|yours\s+faithfully|yours|cheers|"
    r"saludos|un\s+saludo|atentamente|cordialement|bien\s+à\s+vous|mit\s+freundlichen\s+grüßen|"
    r"viele\s+grüße|grazie|cordiali\s+saluti|obrigad[oa]|atenciosamente|"
    r"(?:met\s+vriendelijke\s+)?groet(?:en)?|pozdrawiam|z\s+poważaniem|hälsningar|med\s+vänlig\s+hälsning|"
    r"saygılarımla|trân\s+trọng|"
    # Who signs a form: "Il/La dichiarante", "Người khai", "Der/Die Unterzeichnende".
    r"(?:il/la\s+|il\s+|la\s+)?dichiarante|người\s+khai|(?:der/die\s+)?unterzeichnende)"
)
_KIN = (
    r"(?:address|kids?|child(?:ren)?|sons?|daughters?|mother|father|mum|mom|dad|parents"
    r"|wife|husband|brothers?|sisters?|birthday|date\s+of\s+birth)"
)
"""What only a person has: "Carolina's address", "Harita's kid"."""
_TEAM = (
    r"(?:accounts|accounting|finance|payroll|hr|human\s+resources|people\s+ops|recruiting"
    r"|recruitment|talent|legal|it|reception|facilities|the\s+[\w-]+\s+team)"
)
"""Who a colleague is known by: "Tamara from accounts"."""
_TIME = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?"
_HALF_DAY = r"[ \t]?[AaPp]\.?[Mm]\.?"
_DAY = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
_STAMP = rf"(?:{_DAY},?[ \t]+{_TIME}(?:{_HALF_DAY})?|{_TIME}{_HALF_DAY})"
"""A chat export's time: with its day ("12/03/2024, 14:05") or a half of the day ("9:41
AM"); a bare "09:30" opens an agenda's line as often ("09:30 – Arrival:")."""
_VIETNAMESE_FAMILY_PLAIN = (
    r"(?:Nguyen|Tran|Le|Pham|Hoang|Huynh|Phan|Vu|Vo|Dang|Bui|Do|Ho|Ngo|Duong|Ly)"
)
_VIETNAMESE_MIDDLE = (
    r"(?:Thi|Van|Ngoc|Thanh|Quoc|Duc|Minh|Huu|Xuan|Hoang|Thu|Gia|Bao|Kim|Hong|Dinh|Cong|Quang"
    r"|Trung|Phuong|Thuy|Tuan|Hai)"
)
"""The same names written without their marks ("Le Thi Lan"), where "Le", "Do" or "Ho"
alone may be a French article or an English word: a middle name of those most
Vietnamese bear must follow."""
_AFFILIATION = r"\([^()\n]{1,40}\)"
"""A speaker's firm or team after the name in a chat: "Jane Doe (Acme):"."""
_VIETNAMESE_FAMILY = r"(?i:nguyễn|trần|lê|phạm|hoàng|huỳnh|phan|vũ|võ|đặng|bùi|đỗ|hồ|ngô|dương|lý)"


def _named(regex: re.Pattern[str], span: Span = name_span) -> Pattern:
    """A person in the ``name`` group, where ``span`` says its words are."""
    return Pattern(_PERSON, regex, group="name", span=span, priority=NAME_PRIORITY)


PEOPLE: tuple[Pattern, ...] = (
    # A CV's first line: the name, then the role or the town after a separator or in a
    # column of its own (a layout of two columns, flattened).
    Pattern(
        _PERSON,
        re.compile(rf"\A\s*(?P<name>{_NAME})[ \t]*[|·•–—,]"),
        span=_first_line_span,
        priority=NAME_PRIORITY,
    ),
    Pattern(
        _PERSON,
        re.compile(rf"\A\s*(?P<name>{_NAME_WORD}(?:[ \t]{_NAME_WORD}){{1,3}})(?:[ \t]{{3,}}|\t)"),
        span=_full_name_span,
        priority=NAME_PRIORITY,
    ),
    Pattern(
        _PERSON,
        re.compile(rf"^[ \t]*(?P<name>{_NAME})[ \t]*$", re.M),
        check=_first_lines_name,
        group="name",
        priority=NAME_PRIORITY,
    ),
    Pattern(
        _PERSON,
        re.compile(
            r"^[ \t]*(?:[^\W\d_]+[ \t]*[—–-][ \t]*)?"
            r"(?P<name>[^\W\d_a-z]{2,}(?:[ \t]+(?:[^\W\d_a-z]\.[ \t]+)?[^\W\d_a-z]{2,}"
            r"|,[ \t]+[^\W\d_]+){1,3})[ \t]*$",
            re.M,
        ),
        check=_caps_line,
        group="name",
        priority=NAME_PRIORITY,
    ),
    _named(
        re.compile(
            rf"(?:{_LABELS})[ \t\u3000]*(?P<name>{_NAME_WORD}(?:,?[ \t\u3000]+"
            rf"(?:{_PARTICLE}[ \t]+)?{_NAME_WORD}){{0,3}})"
        ),
        span=_field_name_span,
    ),
    # An employee's label in French, German and Dutch, whose value is a department or a
    # contract as often when it is one word ("Mitarbeiter: Vertrieb", "Collaborateur :
    # CDI"): two name words at least.
    _named(
        re.compile(
            r"(?i:\b(?:collaborat(?:eur|rice)(?:/trice|·rice|\(trice\))?|mitarbeiter"
            r"(?:in|/in|\*in|:in|\(in\))?|mitarbeitende|medewerk(?:er|ster))\s*[:：][ \t]*)"
            rf"(?P<name>{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_NAME_WORD}){{1,3}})"
        )
    ),
    _named(
        re.compile(
            rf"(?<![\w-])[\"']?{_FIELD_KEYS}[\"']?[ \t]*[:=][ \t]*[\"'](?P<name>{_FULL_NAME})[\"']"
        )
    ),
    # A form laid out as a table: "| Name | Jane Doe |", "| 姓名 | 鲁旭 |"; not a table's
    # header row ("| Name | Role |" over "| --- | --- |").
    _named(
        re.compile(
            rf"\|[ \t]*(?:(?i:{_NAME_WORDS_LABELS})|{_CJK_LABELS})[ \t]*[:：]?[ \t]*\|"
            rf"[ \t]*(?P<name>{_NAME})[ \t]*(?=\|)(?![^\n]{{0,500}}\n[ \t]*\|?[ \t]*:?-+:?[ \t]*\|)"
        )
    ),
    _named(
        re.compile(
            rf"(?<![\w-])(?:{_GREETING}[ \t]+)?(?:{_GREETING}|{_INTRO}|I,)[ \t]+(?P<name>{_NAME})"
        ),
        span=_greeted_span,
    ),
    # A chat's speaker after the time (WhatsApp's exports, a copied Slack or Teams
    # thread: "12/03/2024, 14:05 - Jane Doe:", "[9:41 AM] Jane Doe:", "[10:14] Jane Doe
    # (Acme):"), or before it (KakaoTalk's: "[곽선영] [오후 2:15]").
    _named(
        re.compile(
            rf"^[ \t]*(?:\[(?:{_STAMP}|(?P<bare>{_TIME}))\]"
            rf"|{_DAY},[ \t]+{_TIME}(?:{_HALF_DAY})?[ \t]+[-–])"
            rf"[ \t]+(?P<name>{_NAME})[ \t]*(?P<affiliation>{_AFFILIATION}[ \t]*)?:",
            re.M,
        ),
        _speaker_span,
    ),
    _named(
        re.compile(
            rf"^\[(?P<name>{_NAME})\][ \t]*"
            rf"\[(?:(?:오전|오후|午前|午後)[ \t]?{_TIME}|{_TIME}{_HALF_DAY})\]",
            re.M,
        ),
        _speaker_span,
    ),
    # A letter opening or an Italian honorific, with the titles that may follow, and no
    # comma before the name: after "Geachte heer," the next sentence starts.
    _named(
        re.compile(
            rf"(?:^[ \t]*{_LETTER_OPENING}|(?<![\w-]){_HONORIFIC_BEFORE_NAME})"
            rf"(?:[ \t]+{_HONORIFIC})*[ \t]+(?P<name>{_NAME})",
            re.M,
        ),
        _addressed_span,
    ),
    _named(re.compile(rf"\b(?:{_CLOSING})[,!.]?[ \t]*\n[ \t]*(?P<name>{_NAME})[ \t]*$", re.M)),
    Pattern(
        _PERSON,
        re.compile(rf"(?<=[a-z,] )(?P<name>[^\W\d_][^\W\d_-]*)['’]s[ \t]+{_KIN}\b"),
        check=_group_is_name,
        group="name",
        priority=NAME_PRIORITY,
    ),
    Pattern(
        _PERSON,
        re.compile(rf"(?<=\w)[ \t]+from[ \t]+(?i:{_TEAM})\b"),
        span=_name_before,
        priority=NAME_PRIORITY,
    ),
    # A person in apposition to someone's role: "my current manager, Maja Lind, agreed",
    # "the client's project director, Kerem Çelik, called".
    _named(
        re.compile(
            rf"(?i:\b(?:{_ROLE_BEFORE_NAME})),[ \t]+"
            rf"(?P<name>{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_NAME_WORD}){{1,2}})"
            r"(?=[ \t]*[,;)]|\.(?!\w))"
        ),
        span=_appositive_span,
    ),
    # An attribution or a signature: "“A great teammate.” — Jane Doe", "– Jane Doe" on a
    # line of its own; not a heading's second half ("TRAVEL POLICY – EXTRACT", "Talks –
    # Disney Parks operations").
    _named(
        re.compile(
            rf"(?:^|[.!?,\"”»)\d][ \t]*|{_SIGN_OFF}[ \t]*)[—–][ \t]*(?P<name>{_NAME})[ \t]*$",
            re.M,
        ),
        span=_attribution_span,
    ),
    # A person after a Chinese or Korean label of one ("收货人：郭辉", "| 紧急联系人 | 이명숙 |"),
    # and a letter of recommendation's candidate ("我谨推荐郑勇应聘…", "I recommend Zheng
    # Yong for…"), where a run of Han or Hangul alone says nothing.
    Pattern(
        _PERSON,
        re.compile(
            rf"(?:\|[ \t]*(?:{_CJK_PERSON_LABELS})[ \t]*[:：]?[ \t]*\|[ \t]*"
            rf"|(?:{_CJK_PERSON_LABELS})[ \t\u3000]*[:：][ \t\u3000]*)"
            rf"(?P<name>{_CJK_NAME_FORM})(?![\u4e00-\u9fff\uac00-\ud7a3])"
            rf"|推荐(?P<candidate>{_CJK_NAME_FORM})"
            r"(?=(?:同志|先生|女士)?(?:应聘|担任|出任))"
            # The next of a label's names, listed with "、" ("面试官：司马婧、陈立").
            rf"|(?<=[\u4e00-\u9fff])、(?P<listed>{_CJK_NAME_FORM})(?=[、，。\s]|$)"
        ),
        span=_cjk_person_span,
        needs="cjk",
        priority=NAME_PRIORITY,
    ),
    # A self-introduction in Chinese, Japanese or Korean: "我是郑勇，", "田中 一郎です。" or
    # "田中一郎と申します" at a line's start, "저는 김미영입니다", "안녕하세요, 김미영입니다".
    Pattern(
        _PERSON,
        re.compile(
            rf"(?:我是|我叫)(?P<name>{_CJK_NAME_FORM})(?=[，。,.!！\s])"
            rf"|^[ \t\u3000]*(?P<jp>[\u4e00-\u9fff]{{1,3}}[ \u3000][\u4e00-\u9fff]{{1,3}}"
            r"(?=です|と申します)|[\u4e00-\u9fff]{2,4}(?=と申します))"
            rf"|(?:저는[ \t]+|안녕하세요[^\n.!?]{{0,40}}?[,，][ \t]*)"
            rf"(?P<ko>[{_HANGUL_FAMILY}][\uac00-\ud7a3]{{2}})"
            r"(?=입니다|이에요|예요|라고[ \t]합니다)",
            re.M,
        ),
        span=_introduced_cjk_span,
        needs="cjk",
        priority=NAME_PRIORITY,
    ),
    # A given name before a family name the name model misses in running text.
    Pattern(_PERSON, _FAMILY_NAMED, span=_family_named_span, priority=NAME_PRIORITY),
    # A known given name before a family name.
    Pattern(_PERSON, _GIVEN_NAMED, span=_given_named_span, priority=NAME_PRIORITY),
    # A Polish title or greeting before a given name in any case ("Pani Agnieszko").
    Pattern(
        _PERSON,
        re.compile(
            rf"(?<!\w)(?i:{POLISH_ADDRESS})[ \t]+(?P<name>[^\W\d_a-z][^\W\d_A-Z]+)(?![\w'’-])"
        ),
        group="name",
        check=lambda match: is_given_name(match.group("name"), match.string, match.start()),
        priority=NAME_PRIORITY,
    ),
    # A given name in use in Poland standing alone in Polish text, in any case ("Adrian
    # przygotuje ofertę", "z Gosią"): the English model misses most. Not after "w"
    # ("in"): a place in the locative ("w Oliwie", a district, not Oliwia).
    Pattern(
        _PERSON,
        re.compile(
            r"(?<![\w'’.-])(?<!\b[wW] )(?<!\b[wW]e )"
            r"[^\W\d_a-ząćęłńóśźż][^\W\d_A-Z]+(?![\w'’-])"  # not Polish text's every word
        ),
        check=lambda match: (
            match.group()[0].isupper()
            and is_polish_given_name(match.group())
            and polish_around(match.string, match.start())
        ),
        needs="polish",
        priority=0,  # the model's or a rule's name it begins keeps its family name
    ),
    # A Japanese name before an honorific.
    Pattern(
        _PERSON,
        _JAPANESE_NAME,
        group="name",
        check=_japanese_name,
        needs="cjk",
        priority=NAME_PRIORITY,
    ),
    # A Korean name before a title or an honorific, in Korean text as in any other.
    Pattern(
        _PERSON,
        _KOREAN_NAME,
        group="name",
        check=_korean_name,
        needs="cjk",
        priority=NAME_PRIORITY,
    ),
    _named(
        re.compile(
            rf"(?<![\w-])(?P<name>{_VIETNAMESE_FAMILY}(?:[ \t]+{_NAME_WORD}){{1,3}}"
            rf"|{_VIETNAMESE_FAMILY_PLAIN}[ \t]+{_VIETNAMESE_MIDDLE}(?:[ \t]+{_NAME_WORD}){{1,2}})"
            r"(?![\w-])"
        ),
        _vietnamese_span,
    ),
    Pattern(
        _PERSON,
        re.compile(
            rf"(?<![{_CJK}])(?P<name>[\u4e00-\u9fff\uac00-\ud7a3]{{1,4}}"
            rf"(?:[ \u3000][\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7a3]{{1,3}})?)(?![{_CJK}])"
        ),
        span=_cjk_span,
        needs="cjk",
        priority=NAME_PRIORITY,
    ),
)
