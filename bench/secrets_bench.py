"""What the secret detector costs per text it scrubs: log lines, upstream error messages,
a résumé.

It runs on every log record that goes through the log filter and on every upstream error
relayed to a caller. Each text is scrubbed by the detector (``SecretScanner.scrub``, with
a handful of remembered upstream keys, as a running gateway has) and by the baseline, the
log filter's previous single regular expression (sk- keys, bearer tokens, JSON web tokens,
URL passwords, no remembered values), in interleaved rounds; the median round is reported.
The detector knows far more formats than the baseline; the ratio says what that costs.
A whole relayed error (``upstream_status_error`` from the upstream's bytes) is timed with
and without scrubbing too.

Run: ``python bench/secrets_bench.py --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson

from careergate.security.secrets import SecretScanner
from careergate.upstream.validation import upstream_status_error

_BASELINE = re.compile(
    r"(sk-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{12,}"
    r"|((?:Bearer|api-key:?)\s+)[A-Za-z0-9._~+/=-]{12,}"
    r"|(eyJ)[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
    r"|(://[^:/@\s]+:)[^@\s]+(?=@)"
)
_HINTS = ("sk-", "Bearer", "api-key", "eyJ", "://")


def baseline(text: str) -> str:
    """The log filter's previous redaction."""
    if not any(hint in text for hint in _HINTS):
        return text
    return _BASELINE.sub(
        lambda m: (m.group(1) or m.group(2) or m.group(3) or m.group(4)) + "***", text
    )


RESUME = (
    "Jane Doe\nSenior Data Engineer\n\nSummary: eight years building data platforms with "
    "Python, AWS (S3, Lambda, Redshift), Kafka and Kubernetes. Led the migration of 40 "
    "services to GitHub Actions and cut pipeline costs by 35%.\n\nExperience\n"
    "2019 - 2023 Acme GmbH, Berlin: owned the event pipeline (2 billion events a day); "
    "introduced data contracts and a Slack bot for on-call hand-overs.\n"
    "2015 - 2019 Initech, London: built the reporting warehouse; mentored five engineers.\n"
) * 4

TEXTS = {
    "log line, no secret (88 chars)": "deployment azure-eu has no upstream key: its requests "
    "fail (502 no_upstream_key) until one is",
    "upstream error, no secret (197 chars)": "This model's maximum context length is 128000 "
    "tokens. However, your messages resulted in 130412 tokens. Please reduce the length of "
    "the messages. See https://platform.openai.com/docs/guides/context for details.",
    "upstream error quoting a key (88 chars)": "Invalid header value: Bearer sk-proj-"
    "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z for request req_123",
    f"résumé, no secret ({len(RESUME)} chars)": RESUME,
}


def _per_call_us(work: Callable[[str], object], text: str, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        work(text)
    return (time.perf_counter() - started) / calls * 1e6


def measure(rounds: int, calls: int) -> list[tuple[str, float, float]]:
    scanner = SecretScanner()
    scanner.remember(*(f"{n:02d}f1e2d3c4b5a69788796a5b4c3d2e1f0" for n in range(4)))
    rows = []
    for name, text in TEXTS.items():
        detector, old = [], []
        for index in range(rounds):
            pair = [(detector, scanner.scrub), (old, baseline)]
            for times, work in pair if index % 2 == 0 else reversed(pair):
                times.append(_per_call_us(work, text, calls))
        rows.append((name, statistics.median(old), statistics.median(detector)))
    return rows


def measure_error(rounds: int, calls: int) -> tuple[float, float]:
    """A whole relayed upstream error, with and without scrubbing (µs per error)."""
    scanner = SecretScanner()
    body = orjson.dumps(
        {
            "error": {
                "message": TEXTS["upstream error quoting a key (88 chars)"],
                "type": "invalid_request_error",
                "code": "invalid_header",
                "param": "headers",
            }
        }
    )

    def plain(_: str) -> object:
        return upstream_status_error(400, {}, body, "primary", scrub=lambda text: text)

    def scrubbed(_: str) -> object:
        return upstream_status_error(400, {}, body, "primary", scrub=scanner.scrub)

    without, with_ = [], []
    for index in range(rounds):
        pair = [(without, plain), (with_, scrubbed)]
        for times, work in pair if index % 2 == 0 else reversed(pair):
            times.append(_per_call_us(work, "", calls))
    return statistics.median(without), statistics.median(with_)


def report(rounds: int, calls: int) -> str:
    rows = measure(rounds, calls)
    without, with_ = measure_error(rounds, calls)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Secret detector",
        "",
        f"Command: `python bench/secrets_bench.py --rounds {rounds} --calls {calls}`, {stamp}; "
        f"median of {rounds} interleaved rounds of {calls:,} calls each. Detector: "
        "`SecretScanner.scrub` (every published format in `security/secrets.py`, four "
        "remembered upstream keys); baseline: the log filter's previous single regular "
        "expression (four formats, no remembered keys), in the same run. Load average at "
        f"the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; on a busy machine "
        "the absolute figures swell, and the ratios are the figures to read.",
        "",
        "| text | baseline µs | detector µs | detector vs baseline |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, old, new in rows:
        lines.append(f"| {name} | {old:.2f} | {new:.2f} | {new / old:.2f} |")
    lines += [
        "",
        f"A whole relayed upstream error (`upstream_status_error` from the upstream's bytes, "
        f"the message quoting a key): {without:.2f} µs without scrubbing, {with_:.2f} µs "
        f"with it ({with_ / without:.2f}×).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--write", type=Path, help="replace the section in this Markdown file")
    args = parser.parse_args()
    section = report(args.rounds, args.calls)
    print(section)
    if args.write:
        text = args.write.read_text()
        start = text.find("## Secret detector")
        if start >= 0:
            end = text.find("\n## ", start + 1)
            text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        args.write.write_text(text)


if __name__ == "__main__":
    main()
