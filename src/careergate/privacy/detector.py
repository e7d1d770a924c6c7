"""All finders together: known values, shapes and (optionally) names, overlaps resolved."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from itertools import chain

from careergate.memo import Memo
from careergate.privacy.cjk_names import find_cjk_names
from careergate.privacy.findings import Finding, PiiKind, overlapping, resolve_overlaps
from careergate.privacy.known import find_known, find_name_parts, fold, short_forms_of
from careergate.privacy.name_words import by_word, find_names_by_word
from careergate.privacy.names import NameFinder
from careergate.privacy.offload import LONG_TEXT, OffTheLoop
from careergate.privacy.patterns import find_patterns
from careergate.privacy.reading import Reading, reading_of
from careergate.privacy.subject import Subject

Found = tuple[Finding, ...]
Own = tuple[Found, frozenset[str]]
"""A text's own findings, and the full names of the people among them."""


class PiiDetector:
    """Finds personal data in the texts of one request.

    A name found anywhere in the request (or known of its subject) is then looked for in
    every text, also by its given and family name alone, so that one person is one
    placeholder throughout the request.

    What is found in a text is remembered (``memo.py``), since a conversation resends
    its history with every turn. It is found in two steps, each remembered under
    everything it depends on: a text's own findings under (text, subject), for the
    subject's known values are among them; its final findings under (text, subject,
    the full names of the whole request), for a name found in one text is looked for in
    all. So a text is never given findings made for another subject or for another
    request's names.
    """

    def __init__(self, names: NameFinder | None = None, memo_entries: int = 4096) -> None:
        self.names = names
        self._own: Memo[Own] = Memo(memo_entries)
        self._final: Memo[Found] = Memo(memo_entries)
        self.off_the_loop = OffTheLoop()
        """Where a long text's work runs (``offload.py``); the rewrite of one too."""

    async def detect(self, texts: list[str], subject: Subject) -> list[list[Finding]]:
        """The personal data in each of ``texts``, found in the copy of it the finders
        read (``reading.py``) and placed in the text as written; a text with invisible
        characters is read twice, without them and with spaces for them, in the same
        request (a name found in one is looked for in the other)."""
        size = sum(map(len, texts))
        if size > LONG_TEXT:  # not a coroutine more for the short ones
            readings = await self.off_the_loop(partial(_readings, texts), size)
        else:
            readings = _readings(texts)
        spaced = [(i, r.spaced) for i, r in enumerate(readings) if r.spaced is not None]
        read = [reading.text for reading in readings] + [text for _, text in spaced]
        found = await self._detect(read, subject)
        originals = [reading.original(f) for reading, f in zip(readings, found, strict=False)]
        for (index, _), more in zip(spaced, found[len(readings) :], strict=True):
            # The spaced reading adds what the other did not find, never cuts a value
            # it found whole ("jane\u200bdoe@corp.example" is an address, not a name).
            first = originals[index]
            more = readings[index].unescaped(more)
            ends = [f.end for f in first]
            added = [f for f in more if not any(overlapping(first, ends, f.start, f.end))]
            originals[index] = resolve_overlaps(first + added)
        return originals

    async def _detect(self, texts: list[str], subject: Subject) -> list[list[Finding]]:
        own = await self._own_findings(texts, subject)
        named = {
            value for kind, value in subject if kind is PiiKind.PERSON and _could_be_a_name(value)
        }
        full_names = set(named)
        given_names = [_given_words(name) for name in named]
        for _, persons in own:
            full_names.update(p for p in persons if not _named_persons_part(p, given_names))
        if not full_names:
            return [list(findings) for findings, _ in own]
        names = tuple(sorted(full_names))
        # Each name is looked for in every text: the work grows with the request's texts
        # and names together, so the request as a whole decides where it is done.
        size = sum(map(len, texts)) * len(names) // NAMES_PER_READING
        final: list[list[Finding]] = []
        for text, (findings, _) in zip(texts, own, strict=True):
            key = (text, subject, names)
            done = self._final.get(key)
            if done is None:
                final_of = partial(self._final_of, text, names, findings, subject)
                done = await self.off_the_loop(final_of, size)
                self._final.put(key, done, len(text))
            final.append(list(done))
        return final

    async def _own_findings(self, texts: list[str], subject: Subject) -> list[Own]:
        """Each text's known values, shapes and names, overlaps resolved, with the names
        of people among them; only texts not met lately with this subject are searched."""
        found = [self._own.get((text, subject)) for text in texts]
        missing = [text for text, done in zip(texts, found, strict=True) if done is None]
        if not missing:
            return [done for done in found if done is not None]
        size = sum(map(len, missing))
        searched = await self.off_the_loop(partial(_shapes_and_known, missing, subject), size)
        if self.names is not None:
            unique = list(searched)
            for text, named in zip(unique, await self.names.find(unique), strict=True):
                searched[text].extend(named)
        fresh = await self.off_the_loop(partial(_resolved, searched), size)
        for text, done in fresh.items():
            self._own.put((text, subject), done, len(text))
        return [
            done if done is not None else fresh[text]
            for text, done in zip(texts, found, strict=True)
        ]

    def _final_of(
        self, text: str, full_names: tuple[str, ...], findings: Found, subject: Subject
    ) -> Found:
        parts = list(self._standalone(text, full_names, findings, subject))
        # A name part that a rule found as a person of its own ("Ms Doe") is that
        # person's: one placeholder for one person.
        spans = {(part.start, part.end) for part in parts}
        kept = [
            f
            for f in findings
            if not (f.kind is PiiKind.PERSON and f.canonical is None and (f.start, f.end) in spans)
        ]
        return tuple(resolve_overlaps(kept + parts))

    def _standalone(
        self, text: str, full_names: tuple[str, ...], findings: Found, subject: Subject
    ) -> Iterator[Finding]:
        """Name parts not inside a longer finding ("Jane" alone, not in "Jane Doe") and,
        unless the caller named the person, not a tool's name ("Ruby" of a "Ruby Chen"
        found in the text is not masked in "Ruby on Rails"; the subject's "Julia" is)."""
        named = {value for kind, value in subject if kind is PiiKind.PERSON}
        ends = [f.end for f in findings]
        search = find_names_by_word if by_word(text, full_names) else find_name_parts
        found = chain(search(text, full_names, named), find_cjk_names(text, full_names))
        for part in found:
            if (
                self.names is not None
                and part.canonical not in named
                and self.names.is_not_name(text[part.start : part.end])
            ):
                continue
            if not any(
                f.length > part.length and f.priority >= part.priority
                for f in overlapping(findings, ends, part.start, part.end)
            ):
                yield part


NAMES_PER_READING = 50
"""About how many names are looked for in a text (one pass each) in the time the other
finders read it once: what a request's names add to its size when it is placed."""


MAX_NAME_CHARS = 120
MAX_NAME_WORDS = 10
"""No person's name is longer: a longer run of words after "Name:" or in a caller's
subject is not looked for alone in every text (each of its words would be a search)."""


def _could_be_a_name(name: str) -> bool:
    return len(name) <= MAX_NAME_CHARS and len(name.split()) <= MAX_NAME_WORDS


def _named_persons_part(found: str, given_names: list[frozenset[str]]) -> bool:
    """Whether a name a rule or the model found is made only of the given names of one of
    the caller's people (``given_names``, one set per person: "Anna Lena" of Anna-Lena
    Schmidt): then it is that person's part, under that person's placeholder, not a
    person of its own. With the family name it may be another person ("Anna Schmidt"),
    who keeps a placeholder of their own."""
    words = set(_NAME_WORDS.split(fold(found).strip()))
    return any(words <= given for given in given_names)


def _given_words(name: str) -> frozenset[str]:
    """A caller-named person's words but the last (the family name), and the first's
    short forms ("Bob" of Robert), folded; read once per request, however many people
    its texts name."""
    return frozenset([*_NAME_WORDS.split(fold(name).strip())[:-1], *short_forms_of(name)])


_NAME_WORDS = re.compile(r"[\s,'-]+")


def _readings(texts: list[str]) -> list[Reading]:
    return [reading_of(text) for text in texts]


def _resolved(searched: dict[str, list[Finding]]) -> dict[str, Own]:
    """Each text's findings with their overlaps resolved, and the people among them."""
    fresh: dict[str, Own] = {}
    for text, findings in searched.items():
        resolved = tuple(resolve_overlaps(findings))
        persons = frozenset(
            name
            for f in resolved
            if f.kind is PiiKind.PERSON
            for name in (f.canonical or " ".join(text[f.start : f.end].replace(",", " ").split()),)
            if _could_be_a_name(name)
        )
        fresh[text] = (resolved, persons)
    return fresh


def _shapes_and_known(texts: list[str], subject: Subject) -> dict[str, list[Finding]]:
    """Each text's known values of ``subject`` and shapes of personal data."""
    return {text: [*find_known(text, subject), *find_patterns(text)] for text in texts}
