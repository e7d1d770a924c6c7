"""What the privacy step costs through the running gateway, and how it does on the
project's own synthetic documents (a check of the generator's cases, not a measure of
accuracy: ``privacy_eval.py`` measures that, on documents the project did not write).

In process, on labelled synthetic documents (``careergate.testing.personal_data``): the
share of personal values still readable after pseudonymisation (leakage, by kind) and the
share of ordinary content changed (over-masking), for three detector set-ups: shapes
only, shapes and the name model, and both with the subject's known values; with the time
per document (every document new to the name model's cache). End to end, through the
running gateway at concurrency 1 with wrk: a resume-sized chat request with privacy off
and with pseudonymisation (the repeated body is the conversation case: its names are
cached), against the direct upstream call in the same run.
Run: ``python bench/privacy_bench.py --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

from careergate.endpoints import CHAT
from careergate.privacy.detector import PiiDetector
from careergate.privacy.findings import PiiKind
from careergate.privacy.names import NameFinder
from careergate.privacy.policy import PrivacyPolicy
from careergate.privacy.shield import PrivacyShield
from careergate.settings import PrivacyMode
from careergate.testing.personal_data import LabelledDocument, labelled_documents
from proxy_bench import (
    Measurement,
    bench_env,
    careergate_process,
    create_key,
    free_port,
    median,
    run_wrk,
    wait_until_listening,
    write_section,
    wrk_script,
)

SETUPS = ("shapes", "shapes + names", "shapes + names + subject")


def leaked(value: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text) is not None


async def detection(documents: list[LabelledDocument]) -> dict[str, dict[str, float]]:
    """Per set-up: leakage by kind, over-masking, and ms per document (p50, p99)."""
    names = NameFinder(cache_size=1)  # every document is new to the model
    await names.load()
    results: dict[str, dict[str, float]] = {}
    for setup in SETUPS:
        detector = PiiDetector(names if "names" in setup else None)
        shield = PrivacyShield(PrivacyPolicy(PrivacyMode.PSEUDONYMISE), detector)
        totals: dict[str, list[int]] = {kind.value: [0, 0] for kind in PiiKind}
        kept = [0, 0]
        times: list[float] = []
        for document in documents:
            body: dict[str, object] = {"messages": [{"role": "user", "content": document.text}]}
            if "subject" in setup:
                body["careergate"] = {"subject": document.subject}
            started = time.perf_counter()
            await shield.protect(CHAT, body, body.pop("careergate", None), None, None, None)
            times.append((time.perf_counter() - started) * 1000)
            out = body["messages"][0]["content"]  # type: ignore[index]
            for kind, value in document.values:
                totals[kind.value][0] += leaked(value, out)
                totals[kind.value][1] += 1
            kept[0] += sum(phrase in out for phrase in document.keep)
            kept[1] += len(document.keep)
        line = {f"leak {kind}": n / total for kind, (n, total) in totals.items() if total}
        all_leaked = sum(n for n, _ in totals.values())
        line["leak all"] = all_leaked / sum(total for _, total in totals.values())
        line["over-masked"] = 1 - kept[0] / kept[1]
        line["p50 ms"] = statistics.median(times)
        line["p99 ms"] = statistics.quantiles(times, n=100)[98]
        results[setup] = line
    names.close()
    return results


def end_to_end(args: argparse.Namespace, work: Path, text: str) -> dict[str, list[Measurement]]:
    env = bench_env(work)  # privacy off by default: the pseudonymising key asks for it
    ports = {"direct": free_port(), "gateway": free_port()}
    env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{ports['direct']}/v1"
    keys = {mode: create_key(env, "--privacy", mode) for mode in ("off", "pseudonymise")}
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]})
    logs = (work / "servers.log").open("w")
    processes = [
        careergate_process(env, logs, "fake-upstream", "--port", str(ports["direct"])),
        careergate_process(env, logs, "serve", "--port", str(ports["gateway"])),
    ]
    targets = {
        "direct": (ports["direct"], wrk_script(work, None, body, "resume")),
        "privacy off": (ports["gateway"], wrk_script(work, keys["off"], body, "resume")),
        "pseudonymise": (ports["gateway"], wrk_script(work, keys["pseudonymise"], body, "resume")),
    }
    results: dict[str, list[Measurement]] = {}
    try:
        for port in ports.values():
            wait_until_listening(port)
        for port, script in targets.values():  # warm up (loads the name model)
            run_wrk(f"http://127.0.0.1:{port}/v1/chat/completions", script, 1, 2)
        for round_number in range(args.rounds):
            for name, (port, script) in targets.items():
                m = run_wrk(f"http://127.0.0.1:{port}/v1/chat/completions", script, 1, args.seconds)
                results.setdefault(name, []).append(m)
                print(f"round {round_number + 1} {name:<13} p50 {m.p50_ms:.3f} ms", flush=True)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        logs.close()
    return results


def render(
    args: argparse.Namespace,
    documents: list[LabelledDocument],
    quality: dict[str, dict[str, float]],
    timing: dict[str, list[Measurement]],
) -> str:
    kinds = [k.value for k in PiiKind if f"leak {k.value}" in quality[SETUPS[0]]]
    counts = {kind: sum(k.value == kind for d in documents for k, _ in d.values) for kind in kinds}
    lines = [
        "## Privacy: leakage and cost",
        "",
        f"`python bench/privacy_bench.py --documents {args.documents} --rounds {args.rounds} "
        f"--seconds {args.seconds} --write docs/benchmarks.md`",
        "",
        f"{args.documents} labelled synthetic documents (`careergate.testing.personal_data`, "
        "half resumes, half chat messages). Leakage: share of personal values still readable "
        "after pseudonymisation; over-masked: share of ordinary content (employers, titles, "
        "skills, years, figures) changed.",
        "",
        "| kind (values) | " + " | ".join(SETUPS) + " |",
        "| --- | " + " | ".join("---:" for _ in SETUPS) + " |",
    ]
    for kind in kinds:
        cells = [f"{quality[s][f'leak {kind}']:.1%}" for s in SETUPS]
        lines.append(f"| {kind} ({counts[kind]}) | " + " | ".join(cells) + " |")
    for label, key, fmt in (
        ("**all leaked**", "leak all", "{:.1%}"),
        ("over-masked", "over-masked", "{:.1%}"),
        ("ms per document, p50", "p50 ms", "{:.2f}"),
        ("ms per document, p99", "p99 ms", "{:.2f}"),
    ):
        lines.append(
            f"| {label} | " + " | ".join(fmt.format(quality[s][key]) for s in SETUPS) + " |"
        )
    direct = median(timing["direct"])
    off = median(timing["privacy off"])
    on = median(timing["pseudonymise"])
    chars = len(documents[0].text)
    lines += [
        "",
        f"End to end, concurrency 1, a {chars}-character resume as the message (median of "
        f"{args.rounds} rounds of {args.seconds} s):",
        "",
        "| path | p50 ms | p99 ms | req/s | p50 added to direct |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, m in (
        ("direct", direct),
        ("gateway, privacy off", off),
        ("gateway, pseudonymise", on),
    ):
        added = f"+{m.p50_ms - direct.p50_ms:.3f} ms" if m is not direct else ""
        lines.append(f"| {name} | {m.p50_ms:.3f} | {m.p99_ms:.3f} | {m.rps:.0f} | {added} |")
    lines += [
        "",
        f"Pseudonymisation changed p50 by {on.p50_ms - off.p50_ms:+.3f} ms (same-run "
        "difference of medians) for a request whose names the model has seen (a "
        "conversation's history); a new text adds the name model's time per document from "
        "the table above.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    documents = labelled_documents(args.documents)
    quality = asyncio.run(detection(documents))
    for setup, line in quality.items():
        print(setup, {k: round(v, 4) for k, v in line.items()}, flush=True)
    with tempfile.TemporaryDirectory() as directory:
        timing = end_to_end(args, Path(directory), documents[0].text)
    section = render(args, documents, quality, timing)
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
