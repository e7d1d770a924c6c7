"""False placeholders on career texts without personal data, batch by batch.

The texts of ``data/privacy_clean`` (its README: 48 of a first batch, 36 of a second, 30
of a third, each written apart and measured before any rule was written from it) run
through the privacy step as a request's would, with and without the name model;
everything it finds there is a false placeholder. Run it on another checkout's code to
compare (``PYTHONPATH=<checkout>/src python bench/privacy_clean_texts.py``): the texts and
this script stay this checkout's.

Run: ``python bench/privacy_clean_texts.py``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import careergate
from careergate.privacy.names import MODEL_PACKAGE
from privacy_eval import Engine

TEXTS = Path(__file__).resolve().parent / "data" / "privacy_clean"
BATCHES = {
    "first (1-48)": range(1, 49),
    "second (49-84)": range(49, 85),
    "third (85-114)": range(85, 115),
}


async def false_placeholders(engine: Engine, numbers: range) -> tuple[int, int]:
    """(placeholders, words) over the texts numbered ``numbers``."""
    found = words = 0
    for number in numbers:
        text = (TEXTS / f"{number:02d}.txt").read_text(encoding="utf-8")
        words += len(text.split())
        found += len(await engine.spans(text, None))
    return found, words


async def main() -> None:
    print(f"code: {Path(careergate.__file__).parent}")
    print("| batch | words | with the name model, per 1,000 words | shapes and rules alone |")
    print("| --- | ---: | ---: | ---: |")
    totals: Counter[str] = Counter()
    engines = {"model": Engine(MODEL_PACKAGE), "rules": Engine(None)}
    for batch, numbers in BATCHES.items():
        (model, words), (rules, _) = [
            await false_placeholders(engine, numbers) for engine in engines.values()
        ]
        totals.update(model=model, rules=rules, words=words)
        print(f"| {batch} | {words:,} | {model / words * 1000:.2f} | {rules / words * 1000:.2f} |")
    words = totals["words"]
    print(
        f"| all | {words:,} | {totals['model'] / words * 1000:.2f} | "
        f"{totals['rules'] / words * 1000:.2f} |"
    )
    names = engines["model"].names
    if names is not None:
        names.close()


if __name__ == "__main__":
    asyncio.run(main())
