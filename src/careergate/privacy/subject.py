"""What the platform knows about the person a request is about: their own name, emails,
phones, addresses, links, date of birth and identifiers.

Known values are found exactly, whatever a statistical finder would make of them, and get
the first placeholders (``[PERSON_1]`` is always the subject), so that a conversation keeps
the same placeholders from turn to turn.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from careergate.privacy.findings import PiiKind

CAPS = {
    "names": 20,
    "emails": 20,
    "phones": 20,
    "addresses": 20,
    "links": 50,
    "dates_of_birth": 5,
    "national_ids": 10,
}
"""The most values of each kind one person's spec holds."""


class SubjectSpec(BaseModel):
    """Known personal data of one person, as the platform sends it (all optional)."""

    model_config = ConfigDict(extra="forbid")

    names: list[str] = Field(default_factory=list, max_length=CAPS["names"])
    emails: list[str] = Field(default_factory=list, max_length=CAPS["emails"])
    phones: list[str] = Field(default_factory=list, max_length=CAPS["phones"])
    addresses: list[str] = Field(default_factory=list, max_length=CAPS["addresses"])
    links: list[str] = Field(default_factory=list, max_length=CAPS["links"])
    dates_of_birth: list[str] = Field(default_factory=list, max_length=CAPS["dates_of_birth"])
    national_ids: list[str] = Field(default_factory=list, max_length=CAPS["national_ids"])

    @classmethod
    def from_resume(cls, resume: Mapping[str, Any]) -> SubjectSpec:
        """The personal part of a JSON Resume document (``basics``). A document pasted
        into a prompt is the caller's text, not a checked request: a field of another
        type than the schema's is left out."""
        basics = _mapping(resume.get("basics"))
        location = _mapping(basics.get("location"))
        links = _texts(basics.get("url"))
        profiles = basics.get("profiles")
        for profile in profiles if isinstance(profiles, list) else ():
            profile = _mapping(profile)
            links.extend(text for k in ("url", "username") for text in _texts(profile.get(k)))
        return cls(
            names=_texts(basics.get("name")),
            emails=_texts(basics.get("email")),
            phones=_texts(basics.get("phone")),
            addresses=[t for k in ("address", "postalCode") for t in _texts(location.get(k))],
            links=links[: CAPS["links"]],
        )

    def counts(self) -> dict[str, int]:
        """How many values of each kind it holds (what may be shown of it)."""
        return {name: len(getattr(self, name)) for name in SubjectSpec.model_fields}

    def merged(self, other: SubjectSpec) -> SubjectSpec:
        """Both persons' values, each kind cut to its cap (the first kept): the resumes
        pasted into one conversation may name more than one spec may hold."""
        return SubjectSpec(
            **{
                name: list(dict.fromkeys([*getattr(self, name), *getattr(other, name)]))[
                    : CAPS[name]
                ]
                for name in SubjectSpec.model_fields
            }
        )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _texts(value: Any) -> list[str]:
    """A scalar field's value as a one-item list, or none if empty or not a scalar."""
    if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value):
        return [str(value)]
    return []


_KINDS = {
    "names": PiiKind.PERSON,
    "emails": PiiKind.EMAIL,
    "phones": PiiKind.PHONE,
    "addresses": PiiKind.ADDRESS,
    "links": PiiKind.LINK,
    "dates_of_birth": PiiKind.DATE_OF_BIRTH,
    "national_ids": PiiKind.NATIONAL_ID,
}


@dataclass(frozen=True, slots=True)
class Subject:
    """A ``SubjectSpec`` as (kind, value) pairs in a fixed order."""

    values: tuple[tuple[PiiKind, str], ...] = field(default=())
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Hashed once: it is part of the memo's keys, looked up for every text.
        object.__setattr__(self, "_hash", hash(self.values))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def of(cls, spec: SubjectSpec) -> Subject:
        values = [
            (kind, value.strip())
            for name, kind in _KINDS.items()
            for value in getattr(spec, name)
            if len(value.strip()) >= 2
        ]
        return cls(tuple(values))

    def __iter__(self) -> Iterator[tuple[PiiKind, str]]:
        return iter(self.values)
