"""The labelled splits of ``careergate eval features`` (``features/data/eval/``):
``test`` (written and committed before any rule was tuned, never tuned on) and ``dev``
(what rules and weights are tuned on). Each holds profiles and postings as JSON
Resume documents, the relevance of every posting to every profile (0 to 2), and the
gold skills of some of the documents; ``dev`` also has Nesta's hand-mapped job-advert
phrases (``ojo_phrases.yaml``).

Gold skills are names (ESCO labels, Lightcast names); each is resolved to its concept
here, and a name that resolves to nothing is an error in the data, not a miss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from careergate.features.documents import Segment, job_segments, resume_segments
from careergate.features.extraction.labels import Skill
from careergate.yaml_text import load_yaml

SPLITS = ("test", "dev")


@dataclass(frozen=True)
class SkillItem:
    name: str
    segments: list[Segment]
    gold: list[frozenset[str]]
    """One entry per gold skill: the URIs that count as finding it."""


@dataclass(frozen=True)
class Split:
    name: str
    profiles: dict[str, list[Segment]]
    postings: dict[str, list[Segment]]
    grades: dict[str, dict[str, int]]
    """Profile -> posting -> relevance; every posting of the split is graded."""
    skill_items: list[SkillItem]


def _load(path: str) -> Any:
    text = resources.files("careergate.features").joinpath(f"data/eval/{path}").read_text()
    return load_yaml(text)


def load_split(name: str, lookup: Callable[[str], Skill | None]) -> Split:
    """The split ``name``, its gold skills resolved with ``lookup``."""
    documents = _load(f"{name}/documents.yaml")
    profiles = {pid: resume_segments(doc) for pid, doc in documents["profiles"].items()}
    postings = {pid: job_segments(doc) for pid, doc in documents["postings"].items()}
    listed = _load(f"{name}/grades.yaml")["grades"]
    _check_grades(name, listed, profiles, postings)
    grades = {
        profile: {posting: int((listed[profile] or {}).get(posting, 0)) for posting in postings}
        for profile in profiles
    }
    everything = {**profiles, **postings}
    items = [
        SkillItem(doc, everything[doc], [_resolved(g, lookup) for g in gold])
        for doc, gold in _load(f"{name}/skills.yaml")["documents"].items()
    ]
    if name == "dev":
        for entry in _load("dev/ojo_phrases.yaml")["items"]:
            items.append(
                SkillItem(
                    f"phrase: {entry['text']}",
                    [Segment("text", entry["text"])],
                    [_resolved(g, lookup) for g in entry["skills"]],
                )
            )
    return Split(name, profiles, postings, grades, items)


def _check_grades(
    name: str, listed: dict[str, Any], profiles: dict[str, Any], postings: dict[str, Any]
) -> None:
    """Every profile graded (``{}`` says that no posting is relevant to it) and every
    grade of a known profile and posting: a profile left out or misspelt would drop out
    of the measures silently."""
    ungraded = sorted(set(profiles) - set(listed))
    unknown = sorted(set(listed) - set(profiles)) + sorted(
        {posting for graded in listed.values() for posting in graded or {}} - set(postings)
    )
    if ungraded or unknown:
        raise ValueError(
            f"{name}/grades.yaml: profiles without grades {ungraded}, unknown ids {unknown}"
        )


def _resolved(gold: str, lookup: Callable[[str], Skill | None]) -> frozenset[str]:
    uris = set()
    for name in gold.split("|"):
        skill = lookup(name.strip())
        if skill is not None:
            uris.add(skill.uri)
    if not uris:
        raise ValueError(f"gold skill {gold!r} names no ESCO or Lightcast skill")
    return frozenset(uris)


def regression_split(lookup: Callable[[str], Skill | None]) -> Split:
    """The first hand-made set (``data/eval/skills.yaml``, ``matching.yaml``), kept as a
    regression check: its texts written for the ESCO-label fallback, its postings graded
    by domain (2 the profile's own, 1 a related domain's, 0 the others)."""
    domains = _load("matching.yaml")["domains"]
    profiles = {name: [Segment("basics.summary", d["profile"])] for name, d in domains.items()}
    postings: dict[str, list[Segment]] = {}
    home: dict[str, str] = {}
    for name, domain in domains.items():
        for n, text in enumerate(domain["postings"], 1):
            postings[f"{name}-{n}"] = [Segment("description", text)]
            home[f"{name}-{n}"] = name
    grades = {
        profile: {
            pid: 2 if home[pid] == profile else 1 if home[pid] in domain["related"] else 0
            for pid in postings
        }
        for profile, domain in domains.items()
    }
    items = [
        SkillItem(
            item["text"][:40],
            [Segment("text", item["text"])],
            [_resolved(s, lookup) for s in item["skills"]],
        )
        for item in _load("skills.yaml")["items"]
    ]
    return Split("regression", profiles, postings, grades, items)
