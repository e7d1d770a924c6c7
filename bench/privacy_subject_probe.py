"""Caller-named values on a fresh draw of subject documents (neither split).

``privacy_corpus.subject_documents`` drawn again with seeds of its own, 800 documents in
both layouts of the splits, scored strictly like the splits: how many of the values the
caller named stay unreadable, and which did not. Neither split is looked at, so rules
can be tried here without tuning on the test split.

Run: ``python bench/privacy_subject_probe.py [--misses N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from typing import Any

from faker import Faker

from careergate.privacy.names import MODEL_PACKAGE
from privacy_corpus import subject_documents
from privacy_eval import Engine
from privacy_scoring import score

SEED = 4242
PER_LAYOUT = 400


def documents() -> list[dict[str, Any]]:
    fakes: dict[str, Faker] = {}

    def fake_of(locale: str) -> Faker:
        if locale not in fakes:
            fakes[locale] = Faker(locale)
            fakes[locale].seed_instance(SEED + len(fakes))
        return fakes[locale]

    rng = random.Random(SEED)
    drawn = [
        vars(document)
        for flip in (0, 1)
        for document in subject_documents(fake_of, rng, PER_LAYOUT, f"probe{flip}", flip)
    ]
    for document in drawn:
        values = dict.fromkeys(document["values"])
        document["values"] = [(k, v) for k, v in values if v in document["text"]]
    return drawn


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", type=int, default=10, help="print this many misses")
    args = parser.parse_args()
    drawn = documents()
    engine = Engine(MODEL_PACKAGE)
    spans = {d["id"]: await engine.spans(d["text"], d.get("subject")) for d in drawn}
    scores = score(drawn, spans)
    kept, total = scores.kept["SUBJECT"], scores.total["SUBJECT"]
    print(f"caller-named values kept: {kept} of {total} ({kept / total:.1%})")
    texts = {d["id"]: d["text"] for d in drawn}
    for document_id, _, value in scores.misses[: args.misses]:
        print(f"  {value!r} in {texts[document_id]!r}")


if __name__ == "__main__":
    asyncio.run(main())
