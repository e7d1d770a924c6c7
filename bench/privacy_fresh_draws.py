"""The privacy step on fresh draws of the development split's layouts (neither split).

``privacy_corpus.build("dev")`` drawn again with seeds of its own: the development
split's templates and hand-written layouts, filled with new values from Faker's locales.
The development split's figures are those of the values its rules were tuned on; a fresh
draw says what the same layouts score with values nobody looked at. The rules of
2026-12-05 were written from the misses of the draws 90001 to 90003; 90004 and 90005
were scored only (``docs/benchmarks.md``, "Privacy on fresh draws"). The layouts added
to the development split after the test split was frozen (``dev-extra``, ``dev-layout``)
are left out, so that draws of different days compare.

``--layouts`` scores the layouts written apart instead (``dev-layout*``): a batch's
even-numbered templates are the ones rules were written from, its odd ones are scored
only.

Run: ``python bench/privacy_fresh_draws.py [--seeds 90001,90002] [--misses KIND]
[--layouts [--name-model DIR]]``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import privacy_corpus
from careergate.privacy.names import MODEL_PACKAGE
from privacy_eval import Engine, run
from privacy_scoring import load, percent, score

HAND_WRITTEN = ("dev-extra", "dev-layout")
"""The development split's documents in forms written after the test split was frozen,
left out of the draws so that each draw is the same layouts as the one before."""


def draw(seed: int) -> list[dict[str, Any]]:
    """The development split's documents with new values (``seed``)."""
    privacy_corpus.SEEDS["dev"] = seed
    return [vars(d) for d in privacy_corpus.build("dev") if not d.id.startswith(HAND_WRITTEN)]


async def measure(seeds: list[int], misses: str | None) -> None:
    engine = Engine(MODEL_PACKAGE)
    assert engine.names is not None
    await engine.names.load()
    print("| seed | overall | names | false placeholders per 1,000 words |")
    print("| ---: | ---: | ---: | ---: |")
    for seed in seeds:
        documents = draw(seed)
        spans = await run(engine, documents)
        scores = score(documents, spans)
        print(
            f"| {seed} | {percent(scores.overall)} | {percent(scores.rate('PERSON'))} | "
            f"{scores.false_per_1000_words:.2f} |"
        )
        texts = {d["id"]: d["text"] for d in documents}
        for document, kind, value in scores.misses if misses else ():
            if kind == misses:
                text = texts[document]
                at = text.find(value)
                print(f"   {document} {value!r}: {text[max(0, at - 60) : at + len(value) + 40]!r}")
    engine.names.close()


async def layouts(model: str) -> None:
    """The development split's layouts written apart, by batch and by template parity,
    with the name model ``model``."""
    engine = Engine(model)
    assert engine.names is not None
    await engine.names.load()
    documents = [d for d in load("dev") if d["id"].startswith("dev-layout")]
    spans = await run(engine, documents)
    batches: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for document in documents:
        batch, number = document["id"].rsplit("-", 1)
        parity = "even (tuned on)" if int(number) % 2 == 0 else "odd (scored only)"
        batches.setdefault((batch, parity), []).append(document)
    print("| batch | templates | overall | names | documents |")
    print("| --- | --- | ---: | ---: | ---: |")
    for (batch, parity), part in sorted(batches.items()):
        scores = score(part, spans)
        print(
            f"| {batch} | {parity} | {percent(scores.overall)} | "
            f"{percent(scores.rate('PERSON'))} | {len(part)} |"
        )
    engine.names.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="90001,90002,90003,90004,90005")
    parser.add_argument("--misses", metavar="KIND", help="print the misses of one kind")
    parser.add_argument("--layouts", action="store_true", help="score the layouts instead")
    parser.add_argument(
        "--name-model", default=MODEL_PACKAGE, help="with --layouts: another spaCy pipeline"
    )
    args = parser.parse_args()
    if args.layouts:
        asyncio.run(layouts(args.name_model))
        return
    asyncio.run(measure([int(s) for s in args.seeds.split(",")], args.misses))


if __name__ == "__main__":
    main()
