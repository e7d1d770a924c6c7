"""Placeholders for one request: the same value is the same placeholder everywhere in it.

Values are numbered per kind in the order they are met: first the subject's known values,
then the request's texts in order. A conversation sends its earlier turns again, unchanged,
so its placeholders stay the same from turn to turn without any state kept between
requests (and so on any replica). A number the caller's own text already uses (someone
writing about "[PERSON_1]") is skipped, so that the answer's copy of the caller's text
is not mistaken for a placeholder of ours and "restored".

One value written two ways ("+44 20 7946 0958" and "020 7946 0958", "Jane Doe" and
"JANE DOE") keeps its number, and each other spelling gets a variant of it
(``[PHONE_1_2]``), so that every occurrence comes back exactly as it was written.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from functools import lru_cache

import orjson

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.known import PHONE_CORE_DIGITS, fold, name_parts
from careergate.privacy.reading import meant, readable
from careergate.privacy.subject import Subject

_KINDS = "|".join(kind.value for kind in PiiKind)
PLACEHOLDER = re.compile(rf"\[({_KINDS})_(\d{{1,4}})(?:_(GIVEN|FAMILY))?(?:_(\d{{1,3}}))?\]")
_SEPARATOR = r"\\?[ _-]"
_WRITTEN_KINDS = "|".join(kind.value.replace("_", _SEPARATOR) for kind in PiiKind)
"""The kinds' names with any separator between their words (``DATE OF BIRTH``)."""
WRITTEN_PLACEHOLDER = re.compile(
    r"(?P<escaped>\\)?[\[［][ ]?"
    rf"(?:(?P<kind>(?i:{_WRITTEN_KINDS})){_SEPARATOR}|(?P<joined>{_KINDS}))0*"
    r"(?P<number>\d{1,4})"
    rf"(?:{_SEPARATOR}(?P<part>(?i:GIVEN|FAMILY)))?(?:{_SEPARATOR}0*(?P<index>\d{{1,3}}))?"
    r"[ ]?(?(escaped)\\)[\]］]"
)
"""A placeholder as a model may write it back: in another case or with a space or a
hyphen for the underscore (``[person_1]``, ``[PERSON 1]``, ``[Email-01]``), zero-padded,
in full-width brackets, escaped for Markdown (``\\[PERSON\\_1\\]``: both brackets), or
run together in capitals (``[EMAIL1]``, not a Markdown label's ``[link1]``). Each is put
back like the placeholder it stands for."""
LONGEST_PLACEHOLDER = max(len(kind.value) for kind in PiiKind) + len("[_9999_FAMILY_999]") + 5
"""The longest text a placeholder, as written back, may take (three escapes and two
spaces more than its own form)."""


_NAME = {kind: kind.value for kind in PiiKind}
"""Each kind's name: a dict lookup, where an enum's ``value`` is a property's call."""


@lru_cache(maxsize=8192)
def _normal(kind: PiiKind, value: str) -> str:
    """The form a value is told apart by (a request meets the same values again and
    again: a conversation resends them with every turn)."""
    if kind is PiiKind.PHONE:
        return re.sub(r"\D", "", value)[-PHONE_CORE_DIGITS:]  # as the finder matches them
    return fold(" ".join(value.split()))  # "José" and "JOSE" are one person


def taken_numbers(texts: Iterable[str]) -> set[tuple[str, int]]:
    """The placeholder numbers (kind, number) that already stand in ``texts``, in any
    form a placeholder is restored from (a template's "[Person 1]" is left as written)."""
    return {
        (_kind_written(match), int(match.group("number")))
        for text in texts
        if "[" in text or "［" in text
        for match in WRITTEN_PLACEHOLDER.finditer(text)
    }


def _kind_written(match: re.Match[str]) -> str:
    """The kind's name a written-back placeholder gives (``DATE_OF_BIRTH`` of
    ``[Date of Birth 1]``)."""
    return _WORD_BREAK.sub("_", match.group("kind") or match.group("joined")).upper()


_WORD_BREAK = re.compile(_SEPARATOR)


def _canonical(match: re.Match[str]) -> str:
    """The placeholder a written-back one stands for (``[PERSON_1_GIVEN]``)."""
    kind = _kind_written(match)
    canonical = f"[{kind}_{int(match.group('number'))}"
    if (part := match.group("part")) is not None:
        canonical += f"_{part.upper()}"
    if (index := match.group("index")) is not None:
        canonical += f"_{int(index)}"
    return canonical + "]"


class Placeholders:
    """The two-way table of one request (``mask=True``: kinds only, nothing to restore).
    ``taken``: numbers not to use (``taken_numbers`` of the request's texts)."""

    def __init__(
        self,
        subject: Subject,
        *,
        mask: bool = False,
        taken: AbstractSet[tuple[str, int]] = frozenset(),
        earlier: Mapping[str, str] | None = None,
    ) -> None:
        self.mask = mask
        self._taken = taken
        self._placeholder: dict[tuple[PiiKind, str], str] = {}
        self._value: dict[str, str] = {}
        self._spelling: dict[tuple[str, str], str] = {}
        """(placeholder, spelling) -> the variant that stands for that spelling."""
        self._numbers: Counter[PiiKind] = Counter()
        self.kinds: Counter[str] = Counter()
        """Occurrences replaced, by kind."""
        if not mask:
            self._carry(earlier or {})
        for kind, value in subject:
            placeholder = self._register(kind, value)
            if kind is PiiKind.PERSON:  # "[PERSON_1_GIVEN]" means the subject's given name
                for part, word in name_parts(value):
                    self._value.setdefault(f"{placeholder[:-1]}_{part}]", word)

    def _carry(self, earlier: Mapping[str, str]) -> None:
        """Take over an earlier request's table (a conversation continued upstream, whose
        earlier turns are not sent again): its placeholders keep their values, the same
        values get the same placeholders, and new values get new numbers."""
        for placeholder, value in earlier.items():
            match = PLACEHOLDER.fullmatch(placeholder)
            if match is None:
                continue
            value = readable(value)  # a table recorded before values were read so
            self._value[placeholder] = value
            if match.group(4):  # another spelling of a value: it keeps its variant
                base = placeholder[: placeholder.rfind("_")] + "]"
                self._spelling[(base, value)] = placeholder
                continue
            if match.group(3):  # a name's part: restored, never handed out again
                continue
            kind, number = PiiKind(match.group(1)), int(match.group(2))
            self._placeholder.setdefault((kind, _normal(kind, value)), placeholder)
            self._numbers[kind] = max(self._numbers[kind], number)

    def copy(self) -> Placeholders:
        """A table of its own with this one's entries, to be filled further."""
        twin = copy.copy(self)
        twin._placeholder = dict(self._placeholder)
        twin._value = dict(self._value)
        twin._spelling = dict(self._spelling)
        twin._numbers = self._numbers.copy()
        twin.kinds = self.kinds.copy()
        return twin

    def exported(self) -> dict[str, str]:
        """The table (placeholder -> value), for a request that will continue this one."""
        return {} if self.mask else dict(self._value)

    def _register(self, kind: PiiKind, value: str) -> str:
        key = (kind, _normal(kind, value))
        placeholder = self._placeholder.get(key)
        if placeholder is None:
            self._numbers[kind] += 1
            while (_NAME[kind], self._numbers[kind]) in self._taken:
                self._numbers[kind] += 1
            placeholder = f"[{_NAME[kind]}_{self._numbers[kind]}]"
            self._placeholder[key] = placeholder
            self._value[placeholder] = value
        return placeholder

    def _spelt(self, placeholder: str, value: str) -> str:
        """``placeholder`` when it stands for ``value`` as written, else the variant of it
        that does (``[PHONE_1_2]``)."""
        first = self._value.setdefault(placeholder, value)
        if first == value:
            return placeholder
        variant = self._spelling.get((placeholder, value))
        if variant is None:
            count = sum(1 for held, _ in self._spelling if held == placeholder)
            variant = f"{placeholder[:-1]}_{count + 2}]"
            self._spelling[(placeholder, value)] = variant
            self._value[variant] = value
        return variant

    def placeholder(self, finding: Finding, value: str) -> str:
        if self.mask:
            return f"[{_NAME[finding.kind]}]"
        if finding.canonical:  # a name's part, or a name spelt otherwise ("J. Doe")
            whole = self._register(PiiKind.PERSON, finding.canonical)
            return self._spelt(f"{whole[:-1]}_{finding.part}]" if finding.part else whole, value)
        return self._spelt(self._register(finding.kind, value), value)

    def participant(self, name: str) -> str:
        """The stand-in for a message's ``name``: it names a participant, so a person,
        whether or not a finder would call it a name. The person's placeholder without
        its brackets (``PERSON_1``; the API allows only letters, digits, ``_`` and ``-``
        there), the same person as in the texts when the name is a known one
        (``Jane_Doe`` is Jane Doe)."""
        self.kinds[PiiKind.PERSON.value] += 1
        if self.mask:
            return PiiKind.PERSON.value
        return self._register(PiiKind.PERSON, name.replace("_", " "))[1:-1]

    def replace(self, text: str, findings: list[Finding]) -> str:
        """``text`` with each finding replaced by its placeholder."""
        if not findings:
            return text
        pieces: list[str] = []
        last = 0
        escaped = "\\" in text  # JSON's escapes are read in values (``readable``)
        for finding in findings:
            value = text[finding.start : finding.end]
            if escaped:
                value = readable(value)
            pieces.append(text[last : finding.start])
            pieces.append(self.placeholder(finding, value))
            self.kinds[_NAME[finding.kind]] += 1
            last = finding.end
        pieces.append(text[last:])
        return "".join(pieces)

    def restore(self, text: str, *, in_json: bool = False) -> str:
        """``text`` with every placeholder of this request replaced by its value (escaped
        for a JSON string when ``in_json``: tool arguments, structured output)."""
        if self.mask or ("[" not in text and "［" not in text):
            return text

        def value_of(match: re.Match[str]) -> str:
            value = self._value.get(match.group(0))
            if value is None:
                value = self._value.get(_canonical(match))
                if value is None:
                    return match.group(0)
            return orjson.dumps(meant(value)).decode()[1:-1] if in_json else value

        return WRITTEN_PLACEHOLDER.sub(value_of, text)

    @property
    def restorable(self) -> bool:
        return not self.mask and bool(self._value)
