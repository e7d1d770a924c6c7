"""Finding known values (a subject's own data, or names found elsewhere in the request)
wherever they appear: names in any letter case and with or without their diacritics
(``JOSÉ GARCÍA``, ``Jose Garcia``), alone by their given or family name, or as initials
with the family name (``J. García``); phone numbers with any punctuation; other values
in any letter case."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import islice, product

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.polish import (
    declined,
    has_polish,
    is_polish_word,
    polish_around,
    short_forms,
)
from careergate.privacy.short_forms import english_short_forms
from careergate.privacy.subject import Subject
from careergate.privacy.word_lists import word_list

KNOWN_PRIORITY = 3
NAME_PART_PRIORITY = 1
PHONE_CORE_DIGITS = 9
MIN_NAME_PART = 3


def fold(text: str) -> str:
    """``text`` in lower case without diacritics, of the same length (so that a match in
    it is a match at the same place in ``text``)."""
    if text.isascii():  # no diacritics: lower case alone, at a fraction of the cost
        return text.lower()
    return "".join(_fold_char(c) for c in text)


_UNDECOMPOSED = str.maketrans("łøđħŧıŀ’‘ʼ‐‑", "lodhtil'''--")
"""Letters with a stroke or without a dot have no decomposition into a base letter and
a mark, yet are written as that base letter where the keyboard lacks them (``Łukasz``
as ``Lukasz``, ``Øyvind`` as ``Oyvind``); a word processor's apostrophes and hyphens
are the keyboard's (``O’Neill`` is ``O'Neill``)."""


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """The character without its marks, in its compatibility form (NFKD: a full-width
    "Ｊ", typed with an East Asian input method left on, is "J" as an "É" is "E"), in
    lower case; the character itself where that is not one letter: a Hangul syllable
    decomposes into its letters, and its first alone would make "김지은" and "고정은"
    one name."""
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = base.lower().translate(_UNDECOMPOSED)
    return folded if len(folded) == 1 and not folded.isspace() else char


def _value_regex(kind: PiiKind, value: str) -> str:
    if kind is PiiKind.PHONE:
        digits = re.sub(r"\D", "", value)
        if len(digits) < 7:
            return re.escape(value)
        # The number's last digits with any punctuation between them, after an optional
        # country code or trunk zero: "+44 20 7946 0958" also finds "020 7946 0958".
        # Digits before the core in any grouping ("440 191 496 049 8" is "+44 (0)191 496
        # 0498"): a country code, a trunk zero, an area code's first digits.
        core = digits[-PHONE_CORE_DIGITS:]
        return r"(?<![\d+])(?:\+?[\d\s.()-]{0,10}?)" + r"[\s.()-]*".join(core) + r"(?!\d)"
    return _words_regex(value)


_TYPO_TOLERANT = 5
"""Name parts this long are also found with one letter left out (``Wlazy`` for
``Wlazły`` typed on a keyboard without ``ł``, ``Pereia``): a shorter one so written is
too often another word."""
_TYPO_TOLERANT_UP_TO = 30
"""No name's word is longer; a longer one (a run of letters after "Name:") would make
as many spellings as it has letters, each as long."""


def _part_regex(words: str) -> str:
    """A name part as written (its words also joined by a hyphen or nothing), without
    the letters a keyboard lacks, or, when one long word, with any one letter left
    out."""
    exact = _name_words_regex(words, joined=True)
    variants = [*without_keyboardless(words), *letter_left_out(words)]
    return "|".join([exact, *(re.escape(variant) for variant in dict.fromkeys(variants))])


def letter_left_out(words: str) -> list[str]:
    """A one-word name part of ``_TYPO_TOLERANT`` to ``_TYPO_TOLERANT_UP_TO`` letters,
    folded, with each of its letters left out in turn."""
    folded = fold(words)
    if not _TYPO_TOLERANT <= len(folded) <= _TYPO_TOLERANT_UP_TO or " " in folded:
        return []
    return list(dict.fromkeys(folded[:i] + folded[i + 1 :] for i in range(len(folded))))


_KEYBOARDLESS = frozenset("łøđħŧıŀæßþð")
"""Letters that a conversion to ASCII which drops what it cannot map leaves out."""


def without_keyboardless(words: str) -> list[str]:
    """A one-word name part, folded, without its letters that have no ASCII form
    (``_KEYBOARDLESS``), as a system that drops them writes it in a user name or an
    email (``Đặng`` as ``ang``, ``Bjørn`` as ``Bjrn``): still the name as its owner's
    records spell it, not a typo, and found at any length of three letters or more."""
    folded = fold(words)
    if " " in folded or len(folded) > _TYPO_TOLERANT_UP_TO:
        return []
    kept = "".join(f for c, f in zip(words, folded, strict=True) if c.lower() not in _KEYBOARDLESS)
    return [kept] if kept != folded and len(kept) >= MIN_NAME_PART else []


def _words_regex(words: str) -> str:
    """``words`` with any white space between them."""
    return r"\s+".join(re.escape(word) for word in words.split())


_JOINED = re.compile(r"['’‘ʼ‐‑-]")


def _name_words_regex(name: str, joined: bool = False) -> str:
    """A name's words, to be matched in folded text, with any white space between
    them (``joined``: or a hyphen, or nothing); the pieces of a word that a hyphen or an
    apostrophe joins with either, white space or nothing between them: records and
    keyboards drop them, or put a space instead (``Anna-Lena`` as ``Anna Lena``,
    ``O'Neill`` as ``ONeill``, ``Al-Farsi`` as ``Alfarsi``); each letter in its
    transliterations (``_letters_regex``)."""
    words = [
        r"[\s'-]*".join(map(_letters_regex, pieces))
        for pieces in (list(filter(None, _JOINED.split(word))) for word in name.split())
        if pieces
    ]
    between = r"[\s-]*" if joined else r"\s+"
    return between.join(words) if words else re.escape(fold(name))


_SPELT_AS: dict[str, tuple[str, ...]] = {
    "ä": ("a", "ae"),
    "ae": ("a", "ae", "æ"),
    "ö": ("o", "oe"),
    "ø": ("o", "oe"),
    "oe": ("o", "oe"),
    "ü": ("u", "ue"),
    "ue": ("u", "ue"),
    "å": ("a", "aa"),
    "aa": ("a", "aa"),
    "æ": ("ae", "æ"),
    "ß": ("ss", "ß"),
    "ss": ("ss", "ß"),
}
"""Letters written in two ways, as the folded text may hold them (``Müller`` as
``Mueller`` or ``Muller``, ``Strauß`` as ``Strauss``, ``Søren`` as ``Soeren``, and the
other way round): ``fold`` takes ``ü`` to ``u`` and ``ø`` to ``o``, keeps ``æ`` and
``ß``."""
_TRANSLITERATED = {
    letters: "(?>" + "|".join(sorted(map(re.escape, spelt), key=len, reverse=True)) + ")"
    for letters, spelt in _SPELT_AS.items()
}
"""Each letter's spellings, the longest first, in an atomic group: a run of groups that
could each take one letter or two ("Aaaaaa") would otherwise be tried every way against
a run of that letter, twice as long for each group more."""
_TRANSLITERATED_LENGTH = 5
_SHARP_S = re.compile("ss|ß")
_TRANSLITERABLE = re.compile(
    "|".join(sorted(_TRANSLITERATED, key=len, reverse=True)), re.IGNORECASE
)


def _letters_regex(word: str) -> str:
    """A word's letters as they stand in folded text, those with another spelling in
    either; in a word of fewer than five letters only ``ß`` and ``ss``, which add no
    shorter word ("Doe" is not "Do", nor "Haas" "Has"). (Not lower-cased first: ``İ``
    lower-cased is two characters, and ``fold`` keeps the length.)"""
    if len(word) < _TRANSLITERATED_LENGTH:
        return _SHARP_S.sub(_TRANSLITERATED["ss"], re.escape(fold(word)))
    out, at = [], 0
    for match in _TRANSLITERABLE.finditer(word):
        out.append(re.escape(fold(word[at : match.start()])))
        out.append(_TRANSLITERATED[match.group().lower()])
        at = match.end()
    return "".join([*out, re.escape(fold(word[at:]))])


def transliterations(word: str) -> list[str]:
    """``word`` folded, then in the other spellings ``_letters_regex`` finds it in (at
    most eight)."""
    pieces: list[list[str]] = []
    at = 0
    matches = _TRANSLITERABLE.finditer(word) if len(word) >= _TRANSLITERATED_LENGTH else ()
    for match in [*matches] or _SHARP_S.finditer(word.lower()):
        pieces.append([fold(word[at : match.start()])])
        pieces.append(list(dict.fromkeys([fold(match.group()), *_SPELT_AS[match.group().lower()]])))
        at = match.end()
    pieces.append([fold(word[at:])])
    return ["".join(spelt) for spelt in islice(product(*pieces), 8)]


def _initials(word: str) -> str:
    """A folded given name's initial, and those of the pieces a hyphen joins, which may
    be left out (``Jean-Pierre``: ``J.``, ``J.-P.``, ``JP``)."""
    first, *rest = [piece for piece in word.split("-") if piece] or [word]
    return re.escape(first[0]) + "".join(rf"(?:\.?[\s-]*{re.escape(p[0])})?" for p in rest)


_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "das", "do", "dos", "di", "del", "della", "du"}
    | {"la", "le", "ter", "ten", "bin", "ibn", "al", "el"}
)
"""Words that begin a family name in lower case (``Rosa ter Waarbeek``, ``Ana Luiza da
Cunha Pereira``): the family name runs from the first of them to the end."""


def name_parts(full_name: str) -> list[tuple[str, str]]:
    """``(part, word)`` for each name of a name of two words or more: the first is the
    ``GIVEN`` name, the last the ``FAMILY`` name, and a middle one counts as either
    (``Ana Julia Mendes Alves``: ``Julia`` given, ``Mendes`` family, by its place). A
    family name that begins with a particle is also a part as a whole, first
    (``van de Ven`` of ``Lois van de Ven``), so that it is masked with its particles;
    else the last two words of a longer name are one, last (a double family name)."""
    words = [word.strip(",") for word in full_name.split()]
    if len(words) < 2:
        return []
    middle = len(words) / 2
    parts = [("GIVEN" if i < middle else "FAMILY", word) for i, word in enumerate(words)]
    particle = next((i for i, w in enumerate(words) if i and w.lower() in _PARTICLES), None)
    if particle is not None:
        parts = [("FAMILY", " ".join(words[particle:])), *parts[:particle]]
        parts += [("FAMILY", w) for w in words[particle:] if w.lower() not in _PARTICLES]
    elif len(words) > 2:
        # The last two words as one double family name, for a hyphen the text puts
        # between them (``García-López`` of ``Ana García López``), where neither word
        # stands alone; last, so that each word alone is still found as before.
        parts.append(("FAMILY", " ".join(words[-2:])))
    parts += [("FAMILY", half) for half in _halves(words[-1])]
    return [(part, word) for part, word in parts if _long_enough(word)]


def _halves(family: str) -> list[str]:
    """The halves of a double family name, each written alone too (``Saldaña`` of
    ``Saldaña-Pérez``): joined by a hyphen, neither a prefix of one name (``Al-Hassan``,
    ``Ben-David``, ``Saint-Pierre``: "Hassan" or "David" alone is someone else) nor an
    everyday word ("Young" of ``Smith-Young``). A hyphenated given name's halves are other
    people's names, and are not looked for."""
    halves = [half for half in re.split(r"[‐‑-]", family) if half]
    if len(halves) != 2 or any(fold(half) in _PREFIXES for half in halves):
        return []
    return [
        half for half in halves if len(half) >= MIN_NAME_PART and fold(half) not in COMMON_WORDS
    ]


_PREFIXES = _PARTICLES | frozenset(
    {"ben", "abu", "abd", "abdel", "abdul", "saint", "sainte", "st", "ste", "san", "santa"}
    | {"mac", "mc", "o", "d", "ould", "bint", "ait", "oud"}
)
"""Words that begin one family name joined to it by a hyphen (``Al-Farsi``)."""


def family_name(full_name: str) -> str:
    """The family name of a name of two words or more: from its first particle on
    (``van de Ven`` of ``Lois van de Ven``), else its last word."""
    words = full_name.split()
    particle = next((i for i, w in enumerate(words) if i and w.lower() in _PARTICLES), None)
    return " ".join(words[particle:]) if particle is not None else words[-1]


def _long_enough(word: str) -> bool:
    """Three letters or more; two in a script without letter case (``田中``) or with a
    diacritic (``Lê``, ``Vũ``, ``Sá``): family names that short are common there, and
    are telling where the caller or the text spells them so."""
    return len(word) >= MIN_NAME_PART or (len(word) == 2 and not word.isascii())


def _name_regex(full_name: str) -> str:
    """The whole name, its words also joined by hyphens or nothing (``Mary-Anne Smith``,
    ``MaryAnne Smith`` of ``Mary Anne Smith``); its given names, each whole or as its
    initial, then its family name (``J. Doe``, ``J.Doe``, ``J.-P. Dubois``, ``Aditya N.
    Rao``); its given names then the family name's initial (``Jane D.``); and its family
    name before its first word (``Kim Minjun`` of ``Minjun Kim``, ``An Nguyen`` of
    ``Nguyễn Văn An``: names written family name first are turned round as often as
    not). (Not the family name then the initials: "John Smith, M.A." holds a degree.)"""
    words = fold(full_name).split()
    if len(words) < 2:
        return _name_words_regex(full_name)
    *given, family = full_name.split()
    family_regex = _name_words_regex(family)
    first = _name_words_regex(given[0])
    # Given names joined, not the family name to them: "jean-dupont" in a link's path
    # is the link's, found whole as one. Only the last given name may be a double
    # family name's first half, joined to it ("Ana García-López" of "Ana García López").
    before = r"(?:\s+|\s*[‐‑-]\s*)" if len(given) > 1 else r"\s+"
    whole = rf"{_name_words_regex(' '.join(given), joined=True)}{before}{family_regex}"
    # "Smith will" is no turned "Will Smith": an everyday word after the family name
    # counts only after a comma.
    comma = "," if fold(given[0]) in COMMON_WORDS else ",?"
    turned = rf"{_name_words_regex(family_name(full_name))}{comma}\s+{first}"
    if len(words[-1]) < MIN_NAME_PART:
        return rf"{whole}|{turned}"
    gap = r"(?:\.\s*|\s+)"
    each_given = r"\.?\s*".join(
        rf"(?:{_name_words_regex(name)}|{_initials(folded)})"
        for name, folded in zip(given, words, strict=False)
    )
    return (
        rf"{whole}|{each_given}{gap}{family_regex}"
        rf"|{_name_words_regex(' '.join(given))}\s+{re.escape(words[-1][0])}\."
        rf"|{turned}"
    )


_NOT_IN_ADDRESS = r"(?![\w@/]|\.\w)"
"""After a whole name: no email's ``@``, no link's path, no domain's next label
("jean.dupont@…", "/j.dupont/"): those are found whole, as what they are."""


@lru_cache(maxsize=1024)
def _compiled(subject: Subject) -> list[tuple[PiiKind, str, re.Pattern[str]]]:
    compiled: list[tuple[PiiKind, str, re.Pattern[str]]] = []
    for kind, value in subject:
        if kind is PiiKind.PERSON:
            regex = re.compile(rf"(?<![\w@/.])(?:{_name_regex(value)}){_NOT_IN_ADDRESS}")
        else:
            regex = re.compile(rf"(?<!\w){_value_regex(kind, value)}(?!\w)", re.IGNORECASE)
        compiled.append((kind, value, regex))
    return compiled


def find_known(text: str, subject: Subject) -> Iterator[Finding]:
    """The subject's values in ``text`` (names matched in its folded form, each spelling
    of a name standing for the name the subject gives)."""
    folded: str | None = None
    for kind, value, regex in _compiled(subject):
        if kind is PiiKind.PERSON:
            folded = fold(text) if folded is None else folded
            for match in regex.finditer(folded):
                yield Finding(kind, *match.span(), KNOWN_PRIORITY, canonical=value)
        else:
            for match in regex.finditer(text):
                yield Finding(kind, match.start(), match.end(), KNOWN_PRIORITY)


@lru_cache(maxsize=4096)
def _parts_regex(
    full: str, polish: bool, short: bool
) -> tuple[re.Pattern[str], list[tuple[str, str]]]:
    """The pattern of ``full`` whole and of its parts; ``polish``: and of its parts'
    Polish cases (for a text with Polish in it, ``polish.has_polish``); ``short``: and
    of its given name's short forms (for a name the caller gave, ``short_forms_of``)."""
    parts = name_parts(full)
    alternatives = [
        rf"(?P<{part}_{i}>{_part_regex(words)})" for i, (part, words) in enumerate(parts)
    ]
    # After every part as written: a part's case is tried only where none fits whole.
    alternatives += [
        rf"(?P<{part}_{i}_{_POLISH}>{'|'.join(map(re.escape, forms))})"
        for i, (part, words) in enumerate(parts)
        if polish and (forms := polish_cases(words))
    ]
    if short and (forms := short_forms_of(full)):
        alternatives.append(rf"(?P<GIVEN_0_{_SHORT}>{'|'.join(map(re.escape, forms))})")
    initials = _name_regex(full)
    whole = rf"(?<![@/.])(?:{initials}){_NOT_IN_ADDRESS}"
    regex = rf"(?<![\w-])(?:(?P<WHOLE>{whole})|{'|'.join(alternatives)})(?![\w-])"
    return re.compile(regex), parts


_POLISH = "PL"
"""The mark of a part's group that holds its Polish cases."""
_SHORT = "SF"
"""The mark of the group that holds the given name's short forms."""


@lru_cache(maxsize=4096)
def short_forms_of(full: str) -> tuple[str, ...]:
    """The English short forms of ``full``'s first given name, folded ("kate", "katie"
    of Katherine O'Neill): how colleagues write the name of a person the caller names
    in full. Only as written: a short form with a letter left out is another word
    ("Vice" of Vince) or name ("Ella" of Bella)."""
    words = full.split()
    if len(words) < 2:
        return ()
    own = {fold(word) for word in words}
    forms = map(fold, english_short_forms().get(words[0].casefold(), ()))
    return tuple(form for form in forms if form not in own)


def short_form_stands(text: str, start: int, end: int) -> bool:
    """Whether a short form found at ``start:end`` stands as the person's name there:
    in title case (not "the mike", not "SAM template" or "NAT gateway"); and one that is
    an everyday word ("Will", "Bob", "Frank") neither where a sentence, a line or a
    quotation starts ("Will you send the bill?") nor before another capitalised word (a
    heading's, "A Frank Discussion"; "Thanks, Will" is the person)."""
    found = text[start:end]
    if not found[0].isupper() or found.isupper():
        return False
    if fold(found) not in COMMON_WORDS:
        return True
    return not _starts_sentence(text, start) and not _CAPITALISED_NEXT.match(text, end)


_CAPITALISED_NEXT = re.compile(r"[ \t]+[^\W\d_a-z]")


@lru_cache(maxsize=4096)
def polish_cases(words: str) -> tuple[str, ...]:
    """A one-word name part in Polish's other cases, and its short forms in all of
    theirs, folded (``polish.declined``, ``polish.short_forms``): counted only in a
    capitalised word of Polish text (``in_polish_case``)."""
    if " " in words.strip():
        return ()
    folded = fold(words)
    names = (folded, *_short_forms().get(folded, ()))
    forms = (form for name in names for form in (name, *declined(name)))
    return tuple(form for form in dict.fromkeys(forms) if form != folded)


@lru_cache(maxsize=1)
def _short_forms() -> dict[str, tuple[str, ...]]:
    return {fold(name): tuple(map(fold, forms)) for name, forms in short_forms().items()}


def in_polish_case(text: str, start: int, end: int, written: AbstractSet[str]) -> bool:
    """Whether a part's Polish case found at ``start:end`` stands as a name there:
    written with a capital, in Polish text ("Annie" of Anna is another name in English),
    no everyday Polish word ("Ale" of Ala), and no other name's part as written (folded,
    ``written``: "Jana" of Jana Kowalska, not of Jan Nowak)."""
    found = text[start:end]
    return (
        found[0].isupper()
        and fold(found) not in written
        and not is_polish_word(found)
        and polish_around(text, start)
    )


@lru_cache(maxsize=8)
def written_parts(full_names: tuple[str, ...]) -> frozenset[str]:
    """The parts of ``full_names`` as written, folded (``in_polish_case``); once per
    request's names, not once per text."""
    return frozenset(fold(words) for full in full_names for _, words in name_parts(full))


def find_name_parts(
    text: str, full_names: Iterable[str], any_case: AbstractSet[str] = frozenset()
) -> Iterator[Finding]:
    """``full_names`` in ``text`` in any case and with or without diacritics, whole, as
    initials with the family name, or by their given and family names standing alone
    (those only where not written in lower case, as names are not: "Dear Jane", "Ms DOE",
    "田中", not "rose by 5%"; a family name with its particle, "van de Ven", either way).
    The parts of the names in ``any_case`` (those the caller gave) count in lower case
    too, as written, where they are no everyday word (``COMMON_WORDS``): "hey jane",
    not "will" of Will Baker.
    One search of the text per name: a text naming hundreds of people is read word by
    word instead (``name_words.py``)."""
    folded = fold(text)
    polish = has_polish(text)
    written = written_parts(tuple(full_names)) if polish else frozenset()
    for full in full_names:
        regex, parts = _parts_regex(full, polish, full in any_case)
        if not parts:
            continue
        for match in regex.finditer(folded):
            start, end = match.span()
            if match.group("WHOLE") is not None:
                yield Finding(PiiKind.PERSON, start, end, NAME_PART_PRIORITY + 1, canonical=full)
                continue
            # A family name with its particle is as telling as the whole name, and outranks
            # the name model's finding of the same name without its particle.
            telling = particle_led(match.group(0))
            part, index, *mark = (match.lastgroup or "_0").split("_")
            if mark == [_POLISH] and not in_polish_case(text, start, end, written):
                continue
            if mark == [_SHORT] and not short_form_stands(text, start, end):
                continue
            as_given = (
                not mark and full in any_case and _as_written(match.group(0), parts[int(index)][1])
            )
            if text[start].islower() and not (telling or as_given):
                continue
            priority = NAME_PART_PRIORITY + telling
            yield Finding(PiiKind.PERSON, start, end, priority, part, full)


def _starts_sentence(text: str, start: int) -> bool:
    """Whether a sentence, a line or a quotation starts at ``start``."""
    at = start - 1
    while at >= 0 and text[at] in " \t":
        at -= 1
    return at < 0 or text[at] in _SENTENCE_ENDS


_SENTENCE_ENDS = frozenset(".!?:;\n\"“‘'(*•–-")


COMMON_WORDS = word_list("common_words.txt")
"""English words in everyday use in lower case (``scripts/build_common_words.py``)."""


def _as_written(found: str, part: str) -> bool:
    """Whether ``found`` (folded) is ``part`` as the name writes it, or without its
    letters a keyboard lacks, and no everyday word: not a spelling with a letter left out
    ("aria" of "Maria")."""
    found = " ".join(found.split())
    written = [" ".join(fold(part).split()), *without_keyboardless(part)]
    return found in written and found not in COMMON_WORDS


def particle_led(found: str) -> bool:
    """A family name found with its particle (``van de Ven``), written in lower case as
    such names are."""
    return found.split(maxsplit=1)[0] in _PARTICLES and len(found.split()) > 1
