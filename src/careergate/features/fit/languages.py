"""The languages a posting asks for, at what level, and whether a person speaks them so.

A posting's sentence asks for each language it names, unless the clause naming it
wishes ("Fluent English required, German preferred", "Portuguese or Spanish a plus") or
the sentence offers them as alternatives ("German or English": one of them). A level
said beside a language ("German (C1) essential", "fluent French", "English: fluent",
"Spanish native, English C1") is asked for too, and a person holds it when their résumé
gives them that level or a higher one (its languages' ``fluency``, on the CEFR's scale
or in words: "Native speaker", "Intermediate (B1)", "Muttersprache"). A level nobody
states is not judged: a language named without one is met by speaking it at all. A
level word that qualifies something else is not the language's: only the few words
right before a language, within its clause, can state its level ("Category C1 licence
holder, English speaker", "Advanced Excel skills and spoken English", "React Native").
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

_CEFR = re.compile(r"(?<![\w-])([abc])([12])(?!\w)", re.I)
_LEVEL_WORDS = (
    (6, r"(?<![\w-])(?<!react )native(?!-like)|mother[- ]tongue|first language|"
     r"(?<![\w-])bilingu[ae]l?|bilingüe|"
     r"muttersprach\w*|langue maternelle|lengua materna|moedertaal|nativ[oa]"),
    (5, r"fluent|flie(?:ß|ss)end\w*|courant|vloeiend|excellent|advanced|avancé|avanzado|"
     r"proficient|full professional|business[- ]fluent|business[- ]level|"
     r"verhandlungssicher\w*|near[- ]native|native-like|sehr gut\w*"),
    (4, r"very good|good|upper[- ]intermediate|solid|strong|professional working|"
     r"gute?n? kenntnisse|goed"),
    (3, r"(?<![\w-])intermediate|intermédiaire|intermedio|conversational|working knowledge|"
     r"limited working"),
    (2, r"basic|básico|basique|elementary|beginner|pre[- ]intermediate|grundkenntnisse|notions"),
)  # fmt: skip
_LEVEL_WORD = [(level, re.compile(rf"\b(?:{words})\b", re.I)) for level, words in _LEVEL_WORDS]
_LEVEL_STATED = (
    r"(?:[abc][12]\+?|native|mother[- ]tongue|fluent|business[- ]fluent|advanced|excellent|"
    r"very good|good|upper[- ]intermediate|intermediate|conversational|basic|elementary|"
    r"beginner)"
)
_LEVEL_AFTER = re.compile(
    r"\s*(?:\([^()\n]*\)"
    r"|[:–—-]?\s*(?:,\s*)?(?:(?:at|to)\s+)?(?:(?:level|niveau)\s+)?"
    rf"(?:(?:min(?:imum)?\.?|at least|mindestens)\s+)?{_LEVEL_STATED}(?:\s+level)?(?![\w-]))",
    re.I,
)
"""What follows a language and states its level: a bracket ("(C1 or above)", "(min.
B2)"), or a level ("English C1", "English: fluent", "Spanish native", "English at C1
level", "English, level C1"). Fewer words than ``_LEVEL_WORDS`` may follow it: not
"strong" or "solid", which qualify the next item as often ("English, strong SQL")."""
_WORDS_BEFORE = 3
"""The words before a language that may state its level ("excellent command of",
"business-fluent", "very good spoken"); past a comma or a colon they are another
item's ("Category C1 licence holder, English speaker")."""
_CLAUSE_BREAK = re.compile(r"[,;:()]")
_OWN_BRACKET = re.compile(r"\s*\([^()\n]*\)")
"""Where a clause of a sentence ends: what a clause wishes for ("German preferred") is
not asked by the others ("Fluent English required, German preferred")."""


class LanguageNeed(NamedTuple):
    """Languages a posting asks for, any one of which will do, at ``level`` (1 to 6, the
    CEFR's A1 to C2; ``None``: no level stated)."""

    languages: frozenset[str]
    level: int | None = None


def language_level(text: str) -> int | None:
    """The level ``text`` states (1 to 6): its first CEFR level ("Good (B2)" is 4, "B2
    (working towards C1)" too), else the highest a word of it names ("Native speaker"
    6, "Fluent" 5, "Intermediate" 3); ``None`` for none ("Level 2")."""
    if cefr := _CEFR.search(text):
        return _cefr_level(cefr)
    return next((level for level, words in _LEVEL_WORD if words.search(text)), None)


def _cefr_level(match: re.Match[str]) -> int:
    return "abc".index(match[1].lower()) * 2 + int(match[2])


def spoken_levels(found: list[Found], fluency: dict[str, str]) -> dict[str, int]:
    """The level of each language a résumé's ``languages`` section names, read from its
    entry's fluency (``fluency``: a language's field, ``languages[0].language``, to the
    text of its ``fluency``); a language named without a level is left out."""
    levels: dict[str, int] = {}
    for finding in found:
        level = language_level(fluency.get(finding.field, ""))
        if level is not None:
            levels[finding.skill.uri] = max(level, levels.get(finding.skill.uri, 0))
    return levels


def required_languages(found: list[Found], text: dict[str, str]) -> tuple[LanguageNeed, ...]:
    """The languages a posting requires, sentence by sentence: none in a clause that
    wishes rather than requires ("German preferred", "Portuguese or Spanish a plus"),
    one need of the languages a sentence offers as alternatives ("German or English"),
    else each one, each at the level said beside it (``_levels``)."""
    sentences: dict[tuple[str, int, int], list[Found]] = {}
    for finding in found:
        whole = text.get(finding.field, "")
        start = max((m.end() for m in _SENTENCE_END.finditer(whole, 0, finding.start)), default=0)
        end = next((m.start() for m in _SENTENCE_END.finditer(whole, finding.end)), len(whole))
        sentences.setdefault((finding.field, start, end), []).append(finding)
    needs: list[LanguageNeed] = []
    for (field_name, start, end), named in sentences.items():
        whole = text.get(field_name, "")
        named.sort(key=lambda f: f.start)
        asked = [
            (f, level)
            for f, level in zip(named, _levels(whole, named, start), strict=True)
            if not _wished(whole, f, start, end)
        ]
        if not asked:
            continue
        first, last = asked[0][0].start, asked[-1][0].end
        if len(asked) > 1 and _ALTERNATIVE.search(whole, first, last):
            stated = [level for _, level in asked if level is not None]
            uris = frozenset(f.skill.uri for f, _ in asked)
            needs.append(LanguageNeed(uris, min(stated, default=None)))
        else:
            needs.extend(LanguageNeed(frozenset([f.skill.uri]), level) for f, level in asked)
    return tuple(dict.fromkeys(needs))


def _wished(text: str, language: Found, start: int, end: int) -> bool:
    """Whether the clause holding ``language`` wishes for it rather than asks; a bracket
    right after the language is its own ("German (nice to have)")."""
    breaks = list(_CLAUSE_BREAK.finditer(text, start, language.start))
    opened = breaks[-1].end() if breaks else start
    own = _OWN_BRACKET.match(text, language.end, end)
    after = own.end() if own else language.end
    closed = next((m.start() for m in _CLAUSE_BREAK.finditer(text, after, end)), end)
    return _OPTIONAL.search(text, opened, closed) is not None


def _levels(text: str, named: list[Found], start: int) -> list[int | None]:
    """The level asked of each language of a sentence, in order: the one stated right
    after it ("English C1", "German (B2 or better)", "French, level C1"), else the
    nearest stated in the few words before it, back to the previous language and what
    states its level ("Spanish native, English C1": C1 is English's)."""
    levels: list[int | None] = []
    after_previous = start
    for language in named:
        line_end = text.find("\n", language.end)
        after = _LEVEL_AFTER.match(text, language.end, len(text) if line_end < 0 else line_end)
        before = _CLAUSE_BREAK.split(text[after_previous : language.start])[-1]
        stated = language_level(after.group()) if after else None
        levels.append(stated if stated is not None else _nearest_level(before))
        after_previous = after.end() if after else language.end
    return levels


def _nearest_level(before: str) -> int | None:
    """The level the words right before a language state: the last one named ("a good
    team player with basic German" asks for basic German)."""
    before = " ".join(before.split()[-_WORDS_BEFORE:])
    stated = [(m.end(), _cefr_level(m)) for m in _CEFR.finditer(before)]
    stated += [(m.end(), level) for level, words in _LEVEL_WORD for m in words.finditer(before)]
    return max(stated)[1] if stated else None


def missing_languages(
    needs: tuple[LanguageNeed, ...], spoken: frozenset[str], levels: dict[str, int]
) -> int:
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
