"""Licences, registrations and certificates (``data/credentials.yaml``): which a posting
requires, which a profile holds, and the share of the required ones held.

A posting requires a credential it names, unless the sentence calls it optional ("an
advantage", "training given"). A profile holds what it names anywhere (its
certificates, summary or jobs) and what those include (a C+E licence includes C and B).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from careergate.features.documents import Segment
from careergate.yaml_text import load_yaml


@dataclass(frozen=True)
class Credential:
    id: str
    name: str
    pattern: re.Pattern[str]
    includes: tuple[str, ...]


class Credentials:
    def __init__(self, credentials: list[Credential], optional: list[str]) -> None:
        self.credentials = credentials
        self._by_id = {c.id: c for c in credentials}
        self._optional = re.compile("|".join(re.escape(o) for o in optional), re.I)

    @classmethod
    @cache
    def shipped(cls) -> Credentials:
        text = resources.files("careergate.features").joinpath("data/credentials.yaml")
        data: dict[str, Any] = load_yaml(text.read_text())
        credentials = [
            Credential(
                entry["id"],
                entry["name"],
                re.compile(r"\b(?:" + "|".join(entry["patterns"]) + r")(?!\w)", re.I),
                tuple(entry.get("includes", ())),
            )
            for entry in data["credentials"]
        ]
        return cls(credentials, data["optional"])

    def required(self, posting: list[Segment]) -> set[str]:
        """The credentials a posting requires."""
        wanted: set[str] = set()
        for segment in posting:
            for sentence in re.split(r"(?<=[.;!?])\s+", segment.text):
                if self._optional.search(sentence):
                    continue
                wanted.update(c.id for c in self.credentials if c.pattern.search(sentence))
        # A licence that includes another is the requirement; what it includes is not
        # asked for on its own ("C+E licence" does not also ask for a car licence).
        included = {i for c in wanted for i in self._by_id[c].includes}
        return wanted - included

    def held(self, profile: list[Segment]) -> set[str]:
        """The credentials a profile names, with those they include."""
        held = {
            c.id for segment in profile for c in self.credentials if c.pattern.search(segment.text)
        }
        for credential in list(held):
            held.update(self._by_id[credential].includes)
        return held

    def name(self, credential: str) -> str:
        return self._by_id[credential].name


def credential_fit(required: set[str], held: set[str]) -> float:
    """1 when every required credential is held; each missing one halves it."""
    return 0.5 ** len(required - held)
