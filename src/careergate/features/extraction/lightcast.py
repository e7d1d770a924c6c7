"""The second taxonomy: Lightcast Open Skills (``data/LIGHTCAST-NOTICE.md``), for the
tools and technology ESCO's labels do not name (Apache Spark, Snowflake, Microsoft
Excel, Google Ads) and specialised skills it names differently.

A Lightcast skill whose name is an ESCO label (preferred or alternative, once a
qualifier such as "(Software)" is dropped) is that ESCO concept: ESCO finds it, and its
URI is ESCO's. The others keep Lightcast's identifier under ``LIGHTCAST_SKILL``.

Names of several words are matched as they are. A one-word name is matched only when
it cannot be an everyday word: it is written like a product (``PostgreSQL``, ``RSpec``,
``C#``), or it never occurs in lower case in ESCO's labels (``Kubernetes``), which are
ordinary English; everyday words ("Leadership", "Spark") are left to the curated
aliases of ``aliases.py``, which say what context they need. Names of soft skills
("Verbal Communication Skills") are left to ``phrasing.py``, which maps them to ESCO,
and certifications ("CIPD Level 5") are not skills here: job matching weighs them as
credentials.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from careergate.features.extraction.labels import LabelIndex, Skill, normalise
from careergate.features.taxonomy import Taxonomy, everyday_words

LIGHTCAST_SKILL = "https://lightcast.io/open-skills/skills/"
TECHNOLOGY = frozenset({"Information Technology", "Analysis"})
"""Lightcast's categories of software, data and programming skills."""
_QUALIFIER = re.compile(r"\s*\([^)]*\)")
_CERTIFICATE = re.compile(r"\b(?:certifi\w*|certificate|licen[cs]e|diploma|level \d)\b", re.I)
"""Credentials, which job matching weighs as such (``fit/credentials.py``)."""
_PRODUCT_LIKE = re.compile(r"^.+[A-Z]|[0-9+#.]")
"""Capitals after the first letter, digits or symbols: how products are written."""
_LANGUAGE = re.compile(r"([A-Z][a-z]+) (?:Language|\(Language\))")
"""How Lightcast names a language ("Kannada Language", "Xhosa (Language)"), and also
kinds of language ("Body Language", "Assembly Language"), which ``_language`` leaves out."""
_NOT_SPOKEN = TECHNOLOGY | {"Marketing and Public Relations", "Education and Training"}


@dataclass(frozen=True, slots=True)
class Row:
    """A Lightcast skill as shipped: read by ``prepare`` once, at build time."""

    id: str
    name: str
    category: str
    esco: str = ""
    """The ESCO skill id it is, if its name is an ESCO label."""
    keys: tuple[tuple[str, ...], ...] = ()
    """Its normalised names (with and without the qualifier), for ``lookup``."""
    label: str = ""
    """What the index matches ("" for none), and whether only as written."""
    exact: bool = False
    language: str = ""
    """The language's name as people write it ("Kannada"), if this skill is one."""

    def line(self) -> str:
        keys = "|".join(" ".join(key) for key in self.keys)
        fields = (self.id, self.name, self.category, self.esco, keys, self.label)
        return "\t".join((*fields, "1" if self.exact else "", self.language))

    @classmethod
    def parse(cls, line: str) -> Row:
        skill_id, name, category, esco, keys, label, exact, language = line.split("\t")
        names = tuple(tuple(key.split(" ")) for key in keys.split("|") if key)
        return cls(skill_id, name, category, esco, names, label, exact == "1", language)


def prepare(raw: list[tuple[str, str, str]], esco: Taxonomy) -> list[Row]:
    """The rules above applied to Lightcast's (id, name, category) rows: run by
    ``scripts/build_lightcast.py``, so that loading is only reading."""
    everyday = everyday_words(esco.skills.values())
    rows = []
    for skill_id, name, category in raw:
        bare = _QUALIFIER.sub("", name).strip()
        key = normalise(bare)
        full = normalise(name)
        same = esco.by_key(full) or esco.by_key(key)
        if same is None and "iz" in bare:
            same = esco.lookup(_british(bare))
        label, exact = "", False
        matched = same is None and key and key[-1] != "skills" and not _CERTIFICATE.search(name)
        if matched and (len(key) > 1 or _telling(bare, key[0], everyday)):
            label, exact = bare, bare.isupper() and len(bare) <= 4
        keys = tuple(dict.fromkeys(k for k in (full, key) if k))
        language = _language(name, category, everyday)
        row = Row(skill_id, name, category, same.id if same else "", keys, label, exact, language)
        rows.append(row)
    return rows


def _language(name: str, category: str, everyday: frozenset[str]) -> str:
    """The language a skill's name says it is, "" if none: a word ESCO's labels use in
    lower case is a kind of language ("Body", "Formal", "Foreign"), not one."""
    match = _LANGUAGE.fullmatch(name)
    if match is None or category in _NOT_SPOKEN or match[1].lower() in everyday:
        return ""
    return match[1]


class Lightcast:
    """Lightcast's skills indexed for matching, with the ESCO concepts some of them are."""

    def __init__(self, rows: list[Row], esco: Taxonomy) -> None:
        self.skills: dict[str, Skill] = {}
        self.index = LabelIndex()
        self._names: dict[tuple[str, ...], Skill] = {}
        self.languages: dict[str, Skill] = {}
        """Each language by its name as written ("Kannada"), for the curated aliases to
        find with their language context."""
        for row in rows:
            same = esco.skills.get(row.esco) if row.esco else None
            if same is None and row.language:
                same = esco.lookup(row.language)  # "French Language" is ESCO's French
            technical = row.category in TECHNOLOGY
            skill = same or Skill(row.id, row.name, (), LIGHTCAST_SKILL, technology=technical)
            self.skills[row.id] = skill
            if row.language:
                self.languages[row.language] = skill
            for key in row.keys:
                self._names.setdefault(key, skill)
            if row.label:
                key = normalise(row.label)
                self.index.add(key, skill, row.label, row.label if row.exact else "")

    @classmethod
    @cache
    def shipped(cls) -> Lightcast:
        """The Lightcast skills shipped in ``data/lightcast_skills.tsv.gz``, read once."""
        data = resources.files("careergate.features").joinpath("data/lightcast_skills.tsv.gz")
        lines = gzip.decompress(data.read_bytes()).decode().splitlines()[1:]
        return cls([Row.parse(line) for line in lines], Taxonomy.esco())

    def lookup(self, name: str) -> Skill | None:
        """The skill a Lightcast name (with or without its qualifier) stands for."""
        return self._names.get(normalise(name))


def _british(name: str) -> str:
    """ESCO spells the British way: "optimization" is "optimisation"."""
    return re.sub(r"iz(e|es|ed|ing|ation)\b", r"is\1", name)


def _telling(bare: str, word: str, everyday: frozenset[str]) -> bool:
    return bool(_PRODUCT_LIKE.search(bare)) or (len(word) > 3 and word not in everyday)
