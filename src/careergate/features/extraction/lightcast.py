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
from functools import cache
from importlib import resources

from careergate.features.extraction.labels import LabelIndex, Skill, normalise
from careergate.features.taxonomy import Taxonomy

LIGHTCAST_SKILL = "https://lightcast.io/open-skills/skills/"
TECHNOLOGY = frozenset({"Information Technology", "Analysis"})
"""Lightcast's categories of software, data and programming skills."""
_QUALIFIER = re.compile(r"\s*\([^)]*\)")
_CERTIFICATE = re.compile(r"\b(?:certifi\w*|certificate|licen[cs]e|diploma|level \d)\b", re.I)
"""Credentials, which job matching weighs as such (``fit/credentials.py``)."""
_PRODUCT_LIKE = re.compile(r"^.+[A-Z]|[0-9+#.]")
"""Capitals after the first letter, digits or symbols: how products are written."""


class Lightcast:
    """Lightcast's skills indexed for matching, with the ESCO concepts some of them are."""

    def __init__(self, rows: list[tuple[str, str, str]], esco: Taxonomy) -> None:
        self.skills: dict[str, Skill] = {}
        self.index = LabelIndex()
        self._names: dict[tuple[str, ...], Skill] = {}
        everyday = _everyday_words(esco)
        for skill_id, name, category in rows:
            bare = _QUALIFIER.sub("", name).strip()
            key = normalise(bare)
            full = normalise(name) if bare != name else key
            same = esco.by_key(full) or esco.by_key(key)
            if same is None and "iz" in bare:
                same = esco.lookup(_british(bare))
            technical = category in TECHNOLOGY
            skill = same or Skill(skill_id, name, (), LIGHTCAST_SKILL, technology=technical)
            self.skills[skill_id] = skill
            self._names.setdefault(full, skill)
            self._names.setdefault(key, skill)
            if same is not None or not key or key[-1] == "skills" or _CERTIFICATE.search(name):
                continue  # ESCO's own labels find it; "... Skills" are said in many ways
            if len(key) == 1 and not _telling(bare, key[0], everyday):
                continue
            exact = bare if bare.isupper() and len(bare) <= 4 else ""
            self.index.add(key, skill, bare, exact)

    @classmethod
    @cache
    def shipped(cls) -> Lightcast:
        """The Lightcast skills shipped in ``data/lightcast_skills.tsv.gz``, read once."""
        data = resources.files("careergate.features").joinpath("data/lightcast_skills.tsv.gz")
        lines = gzip.decompress(data.read_bytes()).decode().splitlines()[1:]
        rows = [_row(line) for line in lines]
        return cls(rows, Taxonomy.esco())

    def lookup(self, name: str) -> Skill | None:
        """The skill a Lightcast name (with or without its qualifier) stands for."""
        return self._names.get(normalise(name))


def _british(name: str) -> str:
    """ESCO spells the British way: "optimization" is "optimisation"."""
    return re.sub(r"iz(e|es|ed|ing|ation)\b", r"is\1", name)


def _row(line: str) -> tuple[str, str, str]:
    skill_id, name, category = line.split("\t")
    return skill_id, name, category


def _telling(bare: str, word: str, everyday: frozenset[str]) -> bool:
    return bool(_PRODUCT_LIKE.search(bare)) or (len(word) > 3 and word not in everyday)


def _everyday_words(esco: Taxonomy) -> frozenset[str]:
    """Words ESCO's labels use in lower case: ordinary English, not product names."""
    words: set[str] = set()
    for skill in esco.skills.values():
        for label in (skill.label, *skill.alt_labels):
            words.update(w for w in re.findall(r"[A-Za-z]+", label) if w.islower())
    return frozenset(words)
