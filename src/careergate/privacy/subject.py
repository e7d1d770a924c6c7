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


class SubjectSpec(BaseModel):
    """Known personal data of one person, as the platform sends it (all optional)."""

    model_config = ConfigDict(extra="forbid")

    names: list[str] = Field(default_factory=list, max_length=20)
    emails: list[str] = Field(default_factory=list, max_length=20)
    phones: list[str] = Field(default_factory=list, max_length=20)
    addresses: list[str] = Field(default_factory=list, max_length=20)
    links: list[str] = Field(default_factory=list, max_length=50)
    dates_of_birth: list[str] = Field(default_factory=list, max_length=5)
    national_ids: list[str] = Field(default_factory=list, max_length=10)

    @classmethod
    def from_resume(cls, resume: Mapping[str, Any]) -> SubjectSpec:
        """The personal part of a JSON Resume document (``basics``)."""
        basics = resume.get("basics") or {}
        location = basics.get("location") or {}
        addresses = [str(location[k]) for k in ("address", "postalCode") if location.get(k)]
        links = [str(basics["url"])] if basics.get("url") else []
        for profile in basics.get("profiles") or ():
            links.extend(str(profile[k]) for k in ("url", "username") if profile.get(k))
        return cls(
            names=[str(basics["name"])] if basics.get("name") else [],
            emails=[str(basics["email"])] if basics.get("email") else [],
            phones=[str(basics["phone"])] if basics.get("phone") else [],
            addresses=addresses,
            links=links,
        )

    def counts(self) -> dict[str, int]:
        """How many values of each kind it holds (what may be shown of it)."""
        return {name: len(getattr(self, name)) for name in SubjectSpec.model_fields}

    def merged(self, other: SubjectSpec) -> SubjectSpec:
        return SubjectSpec(
            **{
                name: list(dict.fromkeys([*getattr(self, name), *getattr(other, name)]))
                for name in SubjectSpec.model_fields
            }
        )


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
