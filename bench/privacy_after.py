"""The privacy step on texts written after the rules they test (``data/privacy_after``,
or another such set: ``--set data/privacy_fresh5``).

Scores the step with the name model, as ``privacy_eval.py`` runs it: false placeholders
per 1,000 words on the texts without personal data, and the share of values kept from
the upstream (strict scoring, ``privacy_scoring.py``) on the others. Another checkout's
code is measured with ``PYTHONPATH=<checkout>/src``.

Run: ``python bench/privacy_after.py [--set DIR] [--file NAME] [--verbose]``
(``--verbose`` lists each false placeholder, each value left readable and each span
masked where no value stands; ``--file``: the texts with personal data, ``pii.jsonl``
unless named). A set without ``clean.jsonl`` is
scored on its values alone. A text's ``subject`` is what the caller says of its person
(``SubjectSpec``'s fields), as a request's would be.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

from careergate.privacy.names import MODEL_PACKAGE
from privacy_eval import Engine
from privacy_scoring import kept, mask_of, occurrences

DATA = Path(__file__).resolve().parent / "data" / "privacy_after"


def _load(data: Path, name: str) -> list[dict[str, Any]]:
    if not (data / name).exists():
        return []
    lines = (data / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


async def measure(data: Path, file: str, verbose: bool) -> None:
    engine = Engine(MODEL_PACKAGE)
    words = spans = 0
    for document in _load(data, "clean.jsonl"):
        text = document["text"]
        found = await engine.spans(text, None)
        words += len(text.split())
        spans += len(found)
        for start, end in found if verbose else ():
            print("false", document["id"], document["language"], repr(text[start:end]))
    total: Counter[str] = Counter()
    kept_values: Counter[str] = Counter()
    beside = 0
    for document in _load(data, file):
        text = document["text"]
        found = await engine.spans(text, document.get("subject"))
        masked = mask_of(text, found)
        valued = mask_of(text, _places(text, document["values"]))
        for start, end in found:
            if not any(valued[start:end]):
                beside += 1
                if verbose:
                    print("beside", document["id"], repr(text[start:end]))
        for kind, value in document["values"]:
            total[kind] += 1
            if kept(text, value, masked):
                kept_values[kind] += 1
            elif verbose:
                print("readable", document["id"], kind, repr(value))
    if words:
        print(
            f"false placeholders per 1,000 words: {1000 * spans / words:.2f} ({spans} in {words})"
        )
    for kind in sorted(total):
        share = 100 * kept_values[kind] / total[kind]
        print(f"{kind}: {kept_values[kind]}/{total[kind]} = {share:.1f}%")
    all_kept, everything = sum(kept_values.values()), sum(total.values())
    print(f"kept overall: {all_kept}/{everything} = {100 * all_kept / everything:.1f}%")
    print(f"masked where no value stands: {beside}")


def _places(text: str, values: list[list[str]]) -> list[tuple[int, int]]:
    """Where each value stands in ``text``, every time."""
    return [place for _, value in values for place in occurrences(text, value)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", type=Path, default=DATA, help="a directory of such texts")
    parser.add_argument("--file", default="pii.jsonl", help="the texts with personal data")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    asyncio.run(measure(args.set, args.file, args.verbose))


if __name__ == "__main__":
    main()
