"""The name model's cost per document under three ways of multiplying its matrices.

spaCy's layers multiply matrices through thinc, which by default calls ``blis``; the
``blis`` wheels pick their kernels by CPU model and use generic ones on a CPU they do not
know. This runs the privacy step's name model on the privacy test split's texts joined into
documents of 250 words, each set-up in a process of its own, in interleaved rounds:

- *thinc's default*: ``spacy.load`` as it comes (``blis``);
- *numpy, every core*: thinc's numpy ops without ``blis``, numpy's BLAS on its default
  threads;
- *numpy, one thread*: the same, numpy's BLAS limited to one thread, as ``NameFinder``
  runs the model;
- *careergate's finder*: ``NameFinder.find`` itself, which gives the model only the lines
  that could hold a name, and checks what it answers.

Each document is new to the model (its answers are not remembered across documents:
the finder's memo is emptied). CPU is the process's (every thread), wall the caller's.
Last, the finder's pipeline and spaCy's default are run on both splits' documents and
their entities compared.

With ``--python`` given more than once, every set-up runs under each interpreter in the
same interleaved rounds: spaCy's and thinc's wheels are compiled per Python version, and
their compiled loops cost differently under each.

Run: ``python bench/name_model_ops.py [--rounds 3] [--python PATH ...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from privacy_scoring import joined, load
from process_cpu import CpuClock

SETUPS = ("thinc's default", "numpy, every core", "numpy, one thread", "careergate's finder")
EXCLUDED = ["parser", "tagger", "senter", "lemmatizer", "attribute_ruler"]


def measure(setup: str) -> dict[str, float]:
    """In a fresh process: ms per document (p50 of CPU and wall) under ``setup``."""
    from careergate.privacy.names import MODEL_PACKAGE, NameFinder

    texts = joined(load("test"))
    if setup == "careergate's finder":
        finder = NameFinder(cache_size=1)
        loop = asyncio.new_event_loop()
        loop.run_until_complete(finder.load())

        def read(text: str) -> object:
            return loop.run_until_complete(finder.find([text]))
    else:
        import spacy
        from thinc.api import use_ops
        from threadpoolctl import threadpool_limits

        if setup == "thinc's default":
            nlp = spacy.load(MODEL_PACKAGE, exclude=EXCLUDED)
        else:
            if setup == "numpy, one thread":
                threadpool_limits(1, user_api="blas")
            with use_ops("numpy", use_blis=False):
                nlp = spacy.load(MODEL_PACKAGE, exclude=EXCLUDED)

        def read(text: str) -> object:
            return nlp(text)

    read(texts[0])
    clock = CpuClock()  # with the finder's model process, started by now
    cpu, wall = [], []
    for text in texts:
        started, used = time.perf_counter(), clock()
        read(text)
        cpu.append((clock() - used) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return {"cpu": statistics.median(cpu), "wall": statistics.median(wall), "docs": len(texts)}


def same_entities() -> tuple[bool, int]:
    """Whether the pipeline as ``NameFinder`` runs it (numpy ops, no shared ``tok2vec``)
    gives the entities spaCy's default load gives, on both splits' documents."""
    import spacy
    from threadpoolctl import threadpool_limits

    from careergate.privacy.names import MODEL_PACKAGE, NameFinder

    texts = joined(load("test")) + joined(load("dev"))
    default = spacy.load(MODEL_PACKAGE, exclude=EXCLUDED)
    finder = NameFinder(cache_size=1)
    ours = finder.pipeline()
    with threadpool_limits(1, user_api="blas"):
        same = all(_entities(default(t)) == _entities(ours(t)) for t in texts)
    finder.close()
    return same, len(texts)


def _entities(doc: Any) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--python", action="append", default=[],
        help="an interpreter to run every set-up in, with spaCy and careergate installed "
        "(repeatable; this one by default); the first one's thinc default is the baseline",
    )  # fmt: skip
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        print(json.dumps(measure(args.setup)))
        return
    interpreters = args.python or [sys.executable]
    rows = [(python, setup) for python in interpreters for setup in SETUPS]
    labels = {row: _label(row, len(interpreters) > 1) for row in rows}
    runs: dict[tuple[str, str], list[dict[str, float]]] = {row: [] for row in rows}
    for round_ in range(args.rounds):
        for row in rows if round_ % 2 == 0 else reversed(rows):
            done = subprocess.run(
                [row[0], __file__, "--setup", row[1]],
                capture_output=True, text=True, check=True, timeout=600,
            )  # fmt: skip
            runs[row].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"round {round_ + 1}: {labels[row]}: {runs[row][-1]}", file=sys.stderr)
    baseline = [r["cpu"] for r in runs[rows[0]]]
    print(f"{runs[rows[0]][0]['docs']:.0f} documents of 250 words, {args.rounds} rounds, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")  # fmt: skip
    print(f"| set-up | p50 ms (CPU) | p50 ms (wall) | CPU vs {labels[rows[0]]} |")
    print("| --- | ---: | ---: | ---: |")
    for row, results in runs.items():
        cpu = [r["cpu"] for r in results]
        ratios = [c / b for c, b in zip(cpu, baseline, strict=True)]
        print(
            f"| {labels[row]} | {statistics.median(cpu):.1f} ({min(cpu):.1f}–{max(cpu):.1f}) | "
            f"{statistics.median(r['wall'] for r in results):.1f} | "
            f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}) |"
        )
    same, documents = same_entities()
    print(f"\nThe finder's pipeline and spaCy's default give the same entities on {documents} "
          f"documents of both splits: {same}")  # fmt: skip


def _label(row: tuple[str, str], name_the_interpreter: bool) -> str:
    python, setup = row
    if not name_the_interpreter:
        return setup
    version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return f"{setup}, Python {version}"


if __name__ == "__main__":
    main()
