"""A request's names looked up word by word, for a text that names hundreds of people.

``known.find_name_parts`` searches a text once for each name found in the request. A
pasted export (a chat's history, a mailing list, a staff directory) names thousands of
people, and that work grows with the text's length times their number. Here each word
of the text walks a tree of the names' spellings instead, so the work grows with the
text alone; the tree is built once per request's names (``spelling_tree``).

The spellings are those the patterns find, written out: the whole name; its initials
with the family name, apart or joined, a hyphenated given name's one or both ("J. Doe",
"J.Doe", "JR Tolkien", "J.-P. Dubois", "JP Dubois"); the family name before the first
given name ("Doe, Jane"); each part; a part in the
transliterations the patterns know ("WEISS" for Weiß, "Mueller" for Müller) and, when of
five letters or more, with a letter left out; for a name the caller gave, its given
name's short forms ("Kate" of Katherine). Not found here, as the patterns find them:
the given names with the family name's initial ("Jane D."), given names and initials
mixed ("Aditya N. Rao"), given names joined by a hyphen or nothing ("MaryAnne Smith" of
Mary Anne Smith), a name's hyphen or apostrophe left out ("ONeill" for O'Neill).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.known import (
    COMMON_WORDS,
    MIN_NAME_PART,
    NAME_PART_PRIORITY,
    family_name,
    fold,
    in_polish_case,
    letter_left_out,
    name_parts,
    particle_led,
    polish_cases,
    short_form_stands,
    short_forms_of,
    transliterations,
    without_keyboardless,
    written_parts,
)
from careergate.privacy.polish import has_polish

WORD_BY_WORD_NAMES = 200
"""Names past which a request's texts are read word by word (``by_word``): with more,
each short text would still be searched once per name, and the patterns' cache would
hold none of them."""
WORD_BY_WORD_SIZE = 20_000_000
"""Characters of a text times the names looked for in it past which it is read word by
word: about half a second of the search per name."""


def by_word(text: str, full_names: tuple[str, ...]) -> bool:
    """Whether ``text`` is read word by word for ``full_names``, rather than searched
    once per name."""
    names = len(full_names)
    return names > WORD_BY_WORD_NAMES or len(text) * names > WORD_BY_WORD_SIZE


def find_names_by_word(
    text: str, full_names: tuple[str, ...], any_case: AbstractSet[str] = frozenset()
) -> Iterator[Finding]:
    """What ``known.find_name_parts`` finds of ``full_names`` written out (see the
    module), in one pass over the text's words: from each word, the tree gives the
    spellings that start there, the longest first. ``any_case`` as there."""
    polish = has_polish(text)
    tree = spelling_tree(full_names, polish, tuple(n for n in full_names if n in any_case))
    written = written_parts(full_names) if polish else frozenset()
    folded = fold(text)
    words = list(_WORD.finditer(folded))
    after = 0
    for index, word in enumerate(words):
        if word.start() < after:
            continue
        for entry in tree.starting_at(words, index):
            spelling = entry.spelling
            span = spelling.span_in(folded, words, index)
            if span is None:
                continue
            start, end = span
            if spelling.polish and not in_polish_case(text, start, end, written):
                continue
            if spelling.short and not short_form_stands(text, start, end):
                continue
            if spelling.part is None:
                yield Finding(
                    PiiKind.PERSON, start, end, NAME_PART_PRIORITY + 1, canonical=spelling.full
                )
            else:
                # The part of a name the caller gave stands for that name, whichever other
                # name of the request shares it ("Jane" of Jane Doe and of Jane Austen).
                named = next((full for full in any_case if full in entry.exact_for), None)
                telling = particle_led(folded[start:end])
                as_given = named is not None and folded[start:end] not in COMMON_WORDS
                if text[start].islower() and not (telling or as_given):
                    continue
                priority = NAME_PART_PRIORITY + telling
                full = named or spelling.full
                yield Finding(PiiKind.PERSON, start, end, priority, spelling.part, full)
            after = end
            break


@dataclass(frozen=True, slots=True)
class Spelling:
    """A name's words as a text writes them out, what may stand between each two, and
    what stands before the first and after the last ("'" of "'Neill", "." of
    "Hans-H.")."""

    words: tuple[str, ...]
    gaps: tuple[re.Pattern[str], ...]
    head: str
    tail: str
    part: str | None
    """``GIVEN`` or ``FAMILY`` for a part, ``None`` for the whole name."""
    full: str
    exact: bool = True
    """Whether it is the part as the name writes it (not transliterated, no letter left
    out): what counts in lower case for a name the caller gave."""
    polish: bool = False
    """Whether it is a part in one of Polish's cases: a name only in Polish text."""
    short: bool = False
    """Whether it is a short form of the given name ("Kate" of Katherine): a name only
    where ``known.short_form_stands``."""

    def span_in(
        self, folded: str, words: list[re.Match[str]], index: int
    ) -> tuple[int, int] | None:
        """Where it stands when its words start at ``words[index]`` (they are known to
        be there), or ``None`` when what stands between them, or around them, does not
        fit: a word joined to it by a hyphen makes a longer name ("Doe-Smith")."""
        for at, gap in enumerate(self.gaps, start=index):
            if gap.fullmatch(folded, words[at].end(), words[at + 1].start()) is None:
                return None
        start = words[index].start()
        end = words[index + len(self.words) - 1].end()
        if self.head:
            if not folded.endswith(self.head, 0, start):
                return None
            start -= len(self.head)
        if self.tail:
            if not folded.startswith(self.tail, end):
                return None
            end += len(self.tail)
        if (start and folded[start - 1] == "-") or folded[end : end + 1] == "-":
            return None
        return start, end


@dataclass(slots=True)
class Entry:
    """A spelling, with the names it writes exactly (most spellings are many names')."""

    spelling: Spelling
    exact_for: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Node:
    following: dict[str, _Node] = field(default_factory=dict)
    ending: list[Entry] = field(default_factory=list)
    """The spellings whose last word this is, the whole names first."""


class SpellingTree:
    """The spellings of names as a tree of their words: what starts at a word of a text
    is found in as many steps as the longest spelling has words, whatever the number of
    names."""

    def __init__(self, full_names: tuple[str, ...], polish: bool, callers: tuple[str, ...]) -> None:
        self._first: dict[str, _Node] = {}
        entries: dict[tuple[object, ...], Entry] = {}
        for full in full_names:
            for spelling in spellings(full, polish, full in callers):
                # One entry per spelling: "Maria" alone is looked for once however many
                # of the request's names it is a part of.
                whole = spelling.part is None
                key = (
                    spelling.words, spelling.gaps, spelling.head, spelling.tail, whole,
                    spelling.polish, spelling.short,
                )  # fmt: skip
                entry = entries.get(key)
                if entry is None:
                    entry = entries[key] = Entry(spelling)
                    self._add(entry)
                if spelling.exact:
                    entry.exact_for.add(full)

    def _add(self, entry: Entry) -> None:
        following = self._first
        for word in entry.spelling.words:
            node = following.setdefault(word, _Node())
            following = node.following
        if entry.spelling.part is None:
            node.ending.insert(0, entry)
        else:
            node.ending.append(entry)

    def starting_at(self, words: list[re.Match[str]], index: int) -> list[Entry]:
        """The spellings whose words are those from ``words[index]`` on, the longest
        first."""
        found: list[list[Entry]] = []
        following = self._first
        for at in range(index, len(words)):
            node = following.get(words[at].group())
            if node is None:
                break
            found.append(node.ending)
            following = node.following
        return [entry for ending in reversed(found) for entry in ending]


@lru_cache(maxsize=8)
def spelling_tree(
    full_names: tuple[str, ...], polish: bool, callers: tuple[str, ...]
) -> SpellingTree:
    """The tree of ``full_names`` (``polish``: with their parts' Polish cases; with the
    short forms of the given names of ``callers``, those the caller gave), built once for
    the texts of a request."""
    return SpellingTree(full_names, polish, callers)


def spellings(full: str, polish: bool, short: bool) -> list[Spelling]:
    """The spellings of ``full`` (see the module); ``polish``: its parts' Polish cases
    too, for a text with Polish in it; ``short``: its given name's short forms, for a
    name the caller gave."""
    found: list[Spelling] = []
    if len(full.split()) > 1:
        found += _spelt(full, None, full)
        *given, family = full.split()
        found += _turned_spellings(given[0], family_name(full), full)
        if len(family) >= MIN_NAME_PART:
            found += _initials_spellings(given, family, full)
    for part, words in name_parts(full):
        found += _spelt(words, part, full)
        if " " in words:  # a double family name with a hyphen ("García-López")
            found += _spelt(words.replace(" ", "-"), part, full)
        for kept in without_keyboardless(words):
            found += _spelt(kept, part, full, transliterated=False)
        for dropped in letter_left_out(words):
            found += _spelt(dropped, part, full, exact=False, transliterated=False)
        for case in polish_cases(words) if polish else ():
            found += _spelt(case, part, full, exact=False, transliterated=False, polish=True)
    for form in short_forms_of(full) if short else ():
        found += _spelt(form, "GIVEN", full, exact=False, transliterated=False, short=True)
    return [spelling for spelling in found if spelling.words]


def _spelt(
    name: str,
    part: str | None,
    full: str,
    *,
    exact: bool = True,
    transliterated: bool = True,
    polish: bool = False,
    short: bool = False,
) -> list[Spelling]:
    """``name`` as written, then in its other transliterations."""
    folded = fold(name)
    words = list(_WORD.finditer(folded))
    gaps = tuple(_gap(folded[a.end() : b.start()]) for a, b in pairwise(words))
    head = folded[: words[0].start()].lstrip() if words else ""
    tail = folded[words[-1].end() :].rstrip() if words else ""
    options = [
        transliterations(name[w.start() : w.end()]) if transliterated else [w.group()]
        for w in words
    ]
    written = tuple(option[0] for option in options)
    return [
        Spelling(spelt, gaps, head, tail, part, full, exact and spelt == written, polish, short)
        for spelt in _variants(options)
    ]


def _variants(options: list[list[str]]) -> list[tuple[str, ...]]:
    """The words as written; each word in each of its other spellings alone; every word
    in its n-th spelling at once (a writer keeps one way of writing: "Mueller
    Schroeder"): not every mix, which a name of many such letters has by the
    thousand."""
    written = tuple(option[0] for option in options)
    found = dict.fromkeys([written])
    for at, option in enumerate(options):
        for other in option[1:]:
            found[(*written[:at], other, *written[at + 1 :])] = None
    for n in range(1, max(map(len, options), default=1)):
        found[tuple(option[min(n, len(option) - 1)] for option in options)] = None
    return list(found)


def _initials_spellings(given: list[str], family: str, full: str) -> list[Spelling]:
    """The initials of the given names with the family name: each given name's first,
    or those of each of its hyphenated pieces too, apart or joined."""
    family_spellings = _spelt(family, None, full)
    pieces = [[p for p in fold(name).split("-") if p] or [fold(name)] for name in given]
    found = []
    for initials in {
        tuple(p[0][0] for p in pieces),
        tuple(piece[0] for p in pieces for piece in p),
    }:
        for joined in (False, True):
            words = ("".join(initials),) if joined else initials
            gaps = (*(_AFTER_INITIAL,) * (len(words) - 1), _BEFORE_FAMILY)
            found += [
                Spelling((*words, *f.words), (*gaps, *f.gaps), "", f.tail, None, full)
                for f in family_spellings
            ]
    return found


def _turned_spellings(first: str, family: str, full: str) -> list[Spelling]:
    """The family name before the first given name ("Doe, Jane", "Mueller Juergen"),
    after a comma where that is an everyday word ("Smith will" is no "Will Smith")."""
    turned = _COMMA if fold(first) in COMMON_WORDS else _TURNED
    return [
        Spelling((*f.words, *g.words), (*f.gaps, turned, *g.gaps), f.head, g.tail, None, full)
        for f in _spelt(family, None, full)
        for g in _spelt(first, None, full)
    ]


_WORD = re.compile(r"\w+")
"""A word as the patterns bound one: ``_`` and digits are of it ("jane_doe" is none)."""
_SPACE = re.compile(r"\s+")
_AFTER_INITIAL = re.compile(r"[.\s-]*")
_BEFORE_FAMILY = re.compile(r"\.\s*|\s+")
_TURNED = re.compile(r",?\s+")
_COMMA = re.compile(r",\s+")


@lru_cache(maxsize=256)
def _gap(between: str) -> re.Pattern[str]:
    """What may stand where a name has ``between`` between two words: white space for
    white space, anything of white space, hyphens and apostrophes for a hyphen or an
    apostrophe (records and keyboards write "Anna-Lena" as "Anna Lena"), anything else
    as written."""
    if not between.strip():
        return _SPACE
    pattern = []
    for run in re.finditer(r"\s+|['-]+|[^\s'-]+", between):
        text = run.group()
        if text.isspace():
            pattern.append(r"\s+")
        elif set(text) <= {"'", "-"}:
            pattern.append(r"[\s'-]*")
        else:
            pattern.append(re.escape(text))
    return re.compile("".join(pattern))
