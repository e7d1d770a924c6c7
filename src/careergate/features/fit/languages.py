"""The languages a posting asks for, at what level, and whether a person speaks them so.

A posting's sentence asks for each language it names, unless it wishes ("Portuguese or
Spanish a plus") or offers them as alternatives ("German or English": one of them). A
level said beside a language ("German (C1) essential", "fluent French", "English at
level B2 or higher") is asked for too, and a person holds it when their résumé gives
them that level or a higher one (its languages' ``fluency``, on the CEFR's scale or in
words: "Native speaker", "Intermediate (B1)"). A level nobody states is not judged: a
language named without one is met by speaking it at all.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from careergate.features.extraction.labels import Found

_OPTIONAL = re.compile(
    r"\b(?:a plus|an advantage|advantageous|desirable|welcome|nice to have|preferred|"
    r"a bonus|helpful|beneficial|ideally|an asset|not a requirement)\b",
    re.I,
)
"""Words that make what a sentence names wished for, not required."""
_ALTERNATIVE = re.compile(r"\bor\b(?!\s+(?:better|above|higher|more|equivalent|similar)\b)", re.I)
"""An "or" between languages offered as alternatives; not a level's "B2 or better"."""
_SENTENCE_END = re.compile(r"[.;!?\n]")

_CEFR = re.compile(r"\b([ABC])([12])\b")
_LEVEL_WORDS = (
    (6, r"native|mother[- ]tongue|bilingual|muttersprach\w*|langue maternelle|nativo|nativa"),
    (5, r"fluent|fluency|flie(?:ß|ss)end|courant|excellent|advanced|proficient|"
     r"full professional|professional working|business[- ]level|verhandlungssicher\w*|"
     r"near[- ]native"),
    (4, r"very good|good|upper[- ]intermediate|solid|strong"),
    (3, r"intermediate|conversational|working knowledge|limited working"),
    (2, r"basic|elementary|beginner|some|grundkenntnisse|notions"),
)  # fmt: skip
_LEVEL_WORD = [(level, re.compile(rf"\b(?:{words})\b", re.I)) for level, words in _LEVEL_WORDS]
_BRACKET = re.compile(r"\s*\([^()\n]*\)")
_LEVEL_AFTER = re.compile(
    r"\s*(?:\([^()\n]*\)"
    r"|,?\s*(?:at\s+)?(?:level|niveau|at least|minimum|mindestens)\s+[ABC][12]\b)",
    re.I,
)
"""What follows a language and states its level: a bracket ("(C1 or above)"), or "at
level B2", "level C1 or higher"."""
_WORDS_BEFORE = 6
"""The words before a language that may state its level ("excellent command of spoken
and written", "business-fluent", "very good")."""


class LanguageNeed(NamedTuple):
    """Languages a posting asks for, any one of which will do, at ``level`` (1 to 6, the
    CEFR's A1 to C2; ``None``: no level stated)."""

    languages: frozenset[str]
    level: int | None = None


def level_in(text: str) -> int | None:
    """The level ``text`` states (1 to 6): a CEFR level first ("Good (B2)" is 4), else
    the highest a word of it names ("Native speaker" 6, "Fluent" 5, "Intermediate" 3);
    ``None`` for none ("Level 2")."""
    cefr = [(" ABC".index(letter) - 1) * 2 + int(step) for letter, step in _CEFR.findall(text)]
    if cefr:
        return max(cefr)
    return next((level for level, words in _LEVEL_WORD if words.search(text)), None)


def spoken_levels(found: list[Found], fluency: dict[str, str]) -> dict[str, int]:
    """The level of each language a résumé's ``languages`` section names, read from its
    entry's fluency (``fluency``: a language's field, ``languages[0].language``, to the
    text of its ``fluency``); a language named without a level is left out."""
    levels: dict[str, int] = {}
    for finding in found:
        level = level_in(fluency.get(finding.field, ""))
        if level is not None:
            levels[finding.skill.uri] = max(level, levels.get(finding.skill.uri, 0))
    return levels


def required_languages(found: list[Found], text: dict[str, str]) -> tuple[LanguageNeed, ...]:
    """The languages a posting requires, sentence by sentence: none of a sentence that
    wishes rather than requires ("Portuguese or Spanish a plus"), one need of the
    languages a sentence offers as alternatives ("German or English"), else each one,
    each at the level said beside it (``_level_beside``)."""
    sentences: dict[tuple[str, int, int], list[Found]] = {}
    for finding in found:
        whole = text.get(finding.field, "")
        start = max((m.end() for m in _SENTENCE_END.finditer(whole, 0, finding.start)), default=0)
        end = next((m.start() for m in _SENTENCE_END.finditer(whole, finding.end)), len(whole))
        sentences.setdefault((finding.field, start, end), []).append(finding)
    needs: list[LanguageNeed] = []
    for (field_name, start, end), named in sentences.items():
        whole = text.get(field_name, "")
        if _OPTIONAL.search(whole, start, end):
            continue
        named.sort(key=lambda f: f.start)
        levels = [
            _level_beside(whole, f, named[n - 1].end if n else start, end)
            for n, f in enumerate(named)
        ]
        first, last = named[0].start, named[-1].end
        if len(named) > 1 and _ALTERNATIVE.search(whole, first, last):
            stated = [level for level in levels if level is not None]
            needs.append(
                LanguageNeed(frozenset(f.skill.uri for f in named), min(stated, default=None))
            )
        else:
            needs.extend(
                LanguageNeed(frozenset([f.skill.uri]), level)
                for f, level in zip(named, levels, strict=True)
            )
    return tuple(dict.fromkeys(needs))


def _level_beside(text: str, language: Found, after_previous: int, sentence_end: int) -> int | None:
    """The level a sentence asks of ``language``: the words before it, back to the
    language named before it (whose own bracket is left to it: "German (C1) and good
    English"), and a bracket or a stated level right after it ("French, level C1")."""
    before = text[after_previous : language.start]
    if after_previous and (own := _BRACKET.match(before)):
        before = before[own.end() :]
    after = _LEVEL_AFTER.match(text, language.end, sentence_end)
    levels = [_nearest_level(" ".join(before.split()[-_WORDS_BEFORE:]))]
    levels.append(level_in(after.group()) if after else None)
    return max((level for level in levels if level is not None), default=None)


def _nearest_level(before: str) -> int | None:
    """The level the words right before a language state: the last one named ("a good
    team player with basic German" asks for basic German)."""
    stated = [(m.end(), (" ABC".index(m[1]) - 1) * 2 + int(m[2])) for m in _CEFR.finditer(before)]
    stated += [(m.end(), level) for level, words in _LEVEL_WORD for m in words.finditer(before)]
    return max(stated)[1] if stated else None


def missing(needs: tuple[LanguageNeed, ...], spoken: frozenset[str], levels: dict[str, int]) -> int:
    """How many of ``needs`` the person does not meet: none of its languages spoken, or
    each of them at a level below the one asked (a level the résumé does not give is
    taken to be enough)."""
    return sum(
        1 for need in needs if not any(_meets(need, uri, spoken, levels) for uri in need.languages)
    )


def _meets(need: LanguageNeed, uri: str, spoken: frozenset[str], levels: dict[str, int]) -> bool:
    if uri not in spoken:
        return False
    held = levels.get(uri)
    return need.level is None or held is None or held >= need.level
