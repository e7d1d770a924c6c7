"""What the record journal costs, and what it saves when the gateway is killed.

Throughput: the bare-proxy floor and two ``careergate serve`` (one worker each, default
settings) in front of careergate's fake OpenAI, one with the journal and one without
(``CAREERGATE_RECORD_JOURNAL=false``), in interleaved rounds of wrk at concurrency 1
and 32 (``proxy_bench.py``'s method); medians of the rounds.

Crash: for each of the two, steady load from several threads (keep-alive HTTP), the
gateway killed with SIGKILL midway, started again and stopped cleanly; then the answers
the callers received are compared with the usage records and audit entries written.

Run: ``python bench/journal_bench.py --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from proxy_bench import (
    BODY,
    Measurement,
    bench_env,
    careergate_process,
    create_key,
    free_port,
    interleaved_rounds,
    median,
    publish,
    start_floor,
    stop,
    wait_until_listening,
    wrk_script,
)

THREADS = 8
JOURNAL_OFF = {"CAREERGATE_RECORD_JOURNAL": "false"}


@dataclass
class CrashRun:
    answered: int
    usage: int
    audit: int
    usage_lost: int
    audit_lost: int


def throughput(work: Path, upstream_url: str, rounds: int, seconds: int) -> dict[str, Measurement]:
    """Floor, gateway with journal, gateway without: (name, connections) -> median."""
    env = bench_env(work / "throughput")
    env["OPENAI_BASE_URL"] = upstream_url
    ports = {"floor": free_port(), "journal": free_port(), "no journal": free_port()}
    logs = (work / "throughput.log").open("w")
    floor = start_floor(env, ports["floor"], upstream_url, logs)
    processes = [floor]
    try:
        key = create_key(env, "--user", "bench")
        pids = {"floor": floor.pid}
        for name, extra in (("journal", {}), ("no journal", JOURNAL_OFF)):
            gateway = careergate_process(
                {**env, **extra}, logs, "serve", "--port", str(ports[name])
            )
            processes.append(gateway)
            pids[name] = gateway.pid
        for port in ports.values():
            wait_until_listening(port)
        plain = wrk_script(work, None)
        keyed = wrk_script(work, key)
        targets = {
            name: (
                f"http://127.0.0.1:{port}/v1/chat/completions",
                keyed if name != "floor" else plain,
            )
            for name, port in ports.items()
        }
        results = interleaved_rounds(targets, rounds, seconds, alternate=True, pids=pids)
    finally:
        stop(processes)
        logs.close()
    return {f"{name}@{c}": median(ms) for (name, c), ms in results.items()}


def _load(port: int, key: str, stop_at: threading.Event, answered: list[int]) -> None:
    count = 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        while not stop_at.is_set():
            connection.request("POST", "/v1/chat/completions", BODY, headers)
            response = connection.getresponse()
            response.read()  # an answer counts once its whole body arrived
            if response.status == 200:
                count += 1
    except (OSError, http.client.HTTPException):
        pass  # the gateway was killed
    finally:
        answered.append(count)


def crash(
    work: Path, upstream_url: str, name: str, extra: dict[str, str], load_s: float
) -> CrashRun:
    env = bench_env(work / f"crash-{name.replace(' ', '-')}")
    env.update(OPENAI_BASE_URL=upstream_url, **extra)
    key = create_key(env, "--user", "bench")
    port = free_port()
    logs = (work / f"crash-{name}.log").open("w")
    gateway = careergate_process(env, logs, "serve", "--port", str(port))
    wait_until_listening(port, timeout=180)
    stop_at, answered = threading.Event(), []
    threads = [
        threading.Thread(target=_load, args=(port, key, stop_at, answered)) for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(load_s)
    gateway.send_signal(signal.SIGKILL)
    gateway.wait()
    stop_at.set()
    for thread in threads:
        thread.join()
    time.sleep(1)  # the record process writes the batch in hand and exits
    again = careergate_process(env, logs, "serve", "--port", str(port))
    wait_until_listening(port, timeout=180)  # slow to start on a busy machine
    time.sleep(1)
    stop([again])
    logs.close()
    database = sqlite3.connect(Path(env["CAREERGATE_DATA_DIR"]) / "careergate.db")
    usage = database.execute("SELECT count(*) FROM usage_records").fetchone()[0]
    audited = "SELECT count(*) FROM audit_log WHERE action = 'ai.chat'"
    audit = database.execute(audited).fetchone()[0]
    database.close()
    total = sum(answered)
    return CrashRun(total, usage, audit, max(0, total - usage), max(0, total - audit))


def render(
    summary: dict[str, Measurement], crashes: dict[str, CrashRun], args: argparse.Namespace
) -> str:
    rows = [
        "| target | concurrency | requests/s | p50 ms | p99 ms | req/s vs floor "
        "| server CPU µs/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in (1, 32):
        floor = summary[f"floor@{c}"]
        for name in ("floor", "journal", "no journal"):
            m = summary[f"{name}@{c}"]
            cpu = f"{m.cpu_us:.0f}" if m.cpu_us is not None else ""
            rows.append(
                f"| {name} | {c} | {m.rps:,.0f} | {m.p50_ms:.3f} | {m.p99_ms:.3f} "
                f"| {m.rps / floor.rps:.2f} | {cpu} |"
            )
    crash_rows = [
        "| gateway | answers received | usage records | answered but not metered "
        "| audit entries | answered but not audited |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, run in crashes.items():
        crash_rows.append(
            f"| {name} | {run.answered:,} | {run.usage:,} | {run.usage_lost:,} "
            f"| {run.audit:,} | {run.audit_lost:,} |"
        )
    ratio = summary["journal@32"].rps / summary["floor@32"].rps
    cost = summary["journal@32"].rps / summary["no journal@32"].rps
    cpu = {name: summary[f"{name}@32"].cpu_us or 0.0 for name in ("journal", "no journal")}
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join(
        [
            "## Record journal",
            "",
            f"Command: `python bench/journal_bench.py --seconds {args.seconds} --rounds "
            f"{args.rounds} --load {args.load}`, {when}, {os.cpu_count()} cores. Throughput: "
            f"median of {args.rounds} interleaved rounds of wrk (1 thread), the two gateways "
            "with default settings (one worker, record process, JSON logs) but the journal "
            "(`CAREERGATE_RECORD_JOURNAL`), the privacy step off.",
            "",
            *rows,
            "",
            f"With the journal, one worker serves **{ratio:.2f}** of the floor's requests/s at "
            f"concurrency 32 (goal ≥ 0.90), **{cost:.2f}** of the same gateway's without it; "
            f"its server CPU per request is {cpu['journal']:.0f} against {cpu['no journal']:.0f} "
            f"µs ({cpu['journal'] / cpu['no journal'] - 1:+.0%}).",
            "",
            f"Crash: {THREADS} threads of keep-alive requests for {args.load} s, then SIGKILL of "
            "the gateway, a restart and a clean stop; answers counted by the callers (status "
            "200), records in the database after the restart.",
            "",
            *crash_rows,
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="duration of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--load", type=float, default=5.0, help="seconds of load before the kill")
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="careergate-journal-bench-"))
    upstream_port = free_port()
    upstream_url = f"http://127.0.0.1:{upstream_port}/v1"
    with (work / "upstream.log").open("w") as logs:
        upstream = careergate_process(
            bench_env(work), logs, "fake-upstream", "--port", str(upstream_port)
        )
        try:
            wait_until_listening(upstream_port)
            summary = throughput(work, upstream_url, args.rounds, args.seconds)
            crashes = {
                name: crash(work, upstream_url, name, extra, args.load)
                for name, extra in (("journal", {}), ("no journal", JOURNAL_OFF))
            }
        finally:
            stop([upstream])
    publish(render(summary, crashes, args), args.write)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
