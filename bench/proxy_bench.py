"""The gateway in its default configuration against the bare-proxy floor, side by side.

The fake OpenAI answers; in front of it run the floor (``floor_proxy.py``) and two
``careergate serve`` gateways of one worker each: one as a user gets it (the privacy step
on in its default pseudonymise mode, key checks, request logs, usage records and audit
entries), one the same with the privacy step off. Two workloads: a short prompt, and a
conversation that sends a resume of about 250 words (a name, an email, a phone number)
with every turn, as a chat client resends its history. wrk drives each target at
concurrency 1 and 32 in interleaved rounds, so that the machine's noise falls on all
alike; each figure is the median round, with the rounds' spread. The gateways' resident
memory (the worker, its record process and its name model's process apart) is read
from ``/proc`` after the warm-up and after the rounds. Run: ``make bench``
(``python bench/proxy_bench.py --help``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BODY = json.dumps(
    {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You improve resume bullets."},
            {"role": "user", "content": "Rewrite: led a team of five engineers on payments"},
        ],
    }
)
RESUME = """Jordan Ellis
Senior Software Engineer | jordan.ellis@example.com | (415) 555-0187 | San Francisco, CA

Summary: Jordan is a backend engineer with nine years of experience building payment and \
data platforms for fast-growing companies. At Northwind Payments (2019 - present) Jordan \
leads a team of six engineers that owns the ledger service, which settles more than two \
million card transactions a day. Jordan moved the service from a single PostgreSQL \
instance to a partitioned cluster, cut the p99 latency of settlement queries from 900 ms \
to 120 ms, and introduced contract tests that halved the number of incidents caused by \
schema changes. Jordan also mentors new hires, runs the on-call rotation and writes the \
design reviews for cross-team projects.

Before that, at Bluebird Analytics (2015 - 2019), Jordan built the event ingestion \
pipeline in Python and Kafka, processing forty billion events a month, and designed the \
internal metrics API used by the product, finance and support teams. Jordan replaced a \
nightly batch job with a streaming aggregation that made dashboards fresh within a \
minute, and reduced the cloud bill of the pipeline by thirty percent by tuning storage \
formats and retention.

Education: B.S. in Computer Science, University of Washington, 2015. Skills: Python, Go, \
PostgreSQL, Kafka, Kubernetes, Terraform, gRPC, observability, distributed systems, \
technical leadership. Jordan speaks English and Spanish and volunteers as a coding coach \
for a local nonprofit that teaches adults to program.
"""
"""A resume excerpt in the shape of the JSON Resume project's sample (a made-up person)."""
RESUME_BODY = json.dumps(
    {
        "model": "gpt-4o-mini",
        "messages": [
            {
                "role": "system",
                "content": "You are a careers coach. You rewrite resumes so that each "
                "achievement is concrete, measured and easy to scan.",
            },
            {"role": "user", "content": f"Here is my resume:\n\n{RESUME}\nTighten the summary."},
            {
                "role": "assistant",
                "content": "Jordan Ellis: backend engineer, nine years in payments and data "
                "platforms. Leads six engineers on a ledger settling two million card "
                "transactions a day; cut settlement p99 from 900 ms to 120 ms; halved "
                "schema-change incidents with contract tests.",
            },
            {"role": "user", "content": "Good. Now write three bullets for Bluebird Analytics."},
        ],
    }
)
WORKLOADS = {"short": BODY, "resume": RESUME_BODY}
GATEWAYS = {"gateway": "default", "gateway-off": "privacy off"}
"""The gateways measured: the default configuration, and the privacy step off."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_env(data: Path) -> dict[str, str]:
    """A server's environment: the data directory ``data``, JSON logs, and none of the
    caller's upstream, config, database or privacy settings (the defaults are measured)."""
    env = {**os.environ, "CAREERGATE_DATA_DIR": str(data), "CAREERGATE_LOG_FORMAT": "json"}
    for name in (
        "OPENAI_API_KEY",
        "CAREERGATE_CONFIG",
        "CAREERGATE_DATABASE_URL",
        "CAREERGATE_PRIVACY_MODE",
    ):
        env.pop(name, None)
    return env


def careergate(env: dict[str, str], *args: str) -> str:
    """``careergate ARGS`` run to completion; its standard output."""
    done = subprocess.run(
        [BIN / "careergate", *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def create_key(env: dict[str, str], *options: str) -> str:
    """A new caller key (``careergate keys create OPTIONS``), its data directory created
    first: no other command creates one unasked."""
    careergate(env, "db", "init")
    return str(json.loads(careergate(env, "keys", "create", *options, "--json"))["key"])


def serve_gateways(
    envs: dict[str, dict[str, str]], ports: dict[str, int], names: Iterable[str], logs: IO[str]
) -> tuple[dict[str, str], dict[str, subprocess.Popen[bytes]]]:
    """A ``careergate serve`` for each of ``names`` (its environment and port), each with a
    key of its own: the keys and the processes, by name."""
    keys = {name: create_key(envs[name], "--user", "bench") for name in names}
    served = {
        name: careergate_process(envs[name], logs, "serve", "--port", str(ports[name]))
        for name in keys
    }
    return keys, served


def careergate_process(env: dict[str, str], logs: IO[str], *args: str) -> subprocess.Popen[bytes]:
    """``careergate ARGS`` as a server process, logging to ``logs``."""
    return subprocess.Popen([BIN / "careergate", *args], env=env, stdout=logs, stderr=logs)


def wait_until_listening(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port}")


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int = 0
    cpu_us: float | None = None
    """The server's CPU time per request (user and system), when its process is known:
    unlike requests/s, it hardly moves when other work shares the machine."""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    value, unit = match.groups()
    return float(value) * _UNITS[unit]


def run_wrk(url: str, script: Path, connections: int, seconds: int) -> Measurement:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out or "50%" not in out:
        raise RuntimeError(f"errors while benchmarking {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Measurement(rps, p50, p99, requests)


def wrk_script(directory: Path, key: str | None, body: str = BODY, name: str = "post") -> Path:
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(body)}",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    if key:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {key}"')
    path = directory / f"{name}-{key[-8:] if key else 'plain'}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def interleaved_rounds(
    targets: dict[str, tuple[str, Path]],
    rounds: int,
    seconds: int,
    *,
    alternate: bool = False,
    pids: dict[str, int] | None = None,
    warmed: Any = None,
) -> dict[tuple[str, int], list[Measurement]]:
    """wrk on each target (URL, script) at concurrency 1 and 32, in interleaved rounds so
    that the machine's noise falls on all alike, after a warm-up of each (``warmed`` is
    called after it). ``alternate`` reverses the order every other round, for targets that
    should be compared as equals (on these machines the position in a round alone moved
    results by 10 to 15%). With ``pids``, each of those targets' server CPU time per
    request is measured too."""
    for url, script in targets.values():  # warm up connections, caches and encodings
        run_wrk(url, script, 8, 2)
    if warmed is not None:
        warmed()
    results: dict[tuple[str, int], list[Measurement]] = {}
    for round_number in range(rounds):
        order = list(targets.items())
        if alternate and round_number % 2:
            order.reverse()
        for connections in (1, 32):
            for name, (url, script) in order:
                pid = (pids or {}).get(name)
                before = cpu_seconds(pid) if pid else 0.0
                m = run_wrk(url, script, connections, seconds)
                if pid and m.requests:
                    m.cpu_us = (cpu_seconds(pid) - before) / m.requests * 1e6
                results.setdefault((name, connections), []).append(m)
                cpu = f"  cpu {m.cpu_us:5.0f} µs/req" if m.cpu_us is not None else ""
                print(
                    f"round {round_number + 1}/{rounds} c={connections:<2} {name:<20}"
                    f" {m.rps:8.0f} req/s  p50 {m.p50_ms:6.3f} ms  p99 {m.p99_ms:6.3f} ms{cpu}",
                    flush=True,
                )
    return results


@dataclass
class Memory:
    """Resident memory (MiB) of a gateway's worker, of its record process and of its
    name model's process (none until the model is first needed)."""

    worker: float
    records: float
    names: float = 0.0


def vm_rss_mib(pid: int) -> float:
    """``VmRSS`` of a process, from ``/proc/PID/status`` (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def memory_of(pid: int) -> Memory:
    """The worker is ``careergate serve`` itself (one worker: uvicorn serves in the
    process it was started in); its record process is the child running
    ``careergate.records.child``, its name model's the one running
    ``careergate.privacy.name_model``."""
    records = names = 0.0
    for child in children(pid):
        command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if b"careergate.records.child" in command:
            records += vm_rss_mib(child)
        if b"careergate.privacy.name_model" in command:
            names += vm_rss_mib(child)
    return Memory(vm_rss_mib(pid), records, names)


def start_floor(
    env: dict[str, str], port: int, upstream_url: str, logs: IO[str]
) -> subprocess.Popen[bytes]:
    """The bare pass-through proxy (``floor_proxy.py``) under uvicorn, as the gateway runs."""
    return subprocess.Popen(
        [
            BIN / "uvicorn",
            "floor_proxy:app",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env={**env, "FLOOR_UPSTREAM": upstream_url, "PYTHONPATH": str(ROOT / "bench")},
        stdout=logs,
        stderr=logs,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="duration of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="careergate-bench-"))
    names = ("upstream", "floor", *GATEWAYS)
    ports = {name: free_port() for name in names}
    upstream_url = f"http://127.0.0.1:{ports['upstream']}/v1"
    envs = {name: bench_env(work / name) for name in names}
    for env in envs.values():
        env["OPENAI_BASE_URL"] = upstream_url
    envs["gateway-off"]["CAREERGATE_PRIVACY_MODE"] = "off"
    logs = (work / "servers.log").open("w")
    floor = start_floor(envs["floor"], ports["floor"], upstream_url, logs)
    processes: list[subprocess.Popen[bytes]] = [
        careergate_process(
            envs["upstream"], logs, "fake-upstream", "--port", str(ports["upstream"])
        ),
        floor,
    ]
    memory: dict[str, list[Memory]] = {}
    try:
        keys, gateways = serve_gateways(envs, ports, GATEWAYS, logs)
        processes.extend(gateways.values())
        for port in ports.values():
            wait_until_listening(port)
        urllib.request.urlopen(f"{upstream_url}/models").read()  # noqa: S310 - our loopback URL

        targets: dict[str, tuple[str, Path]] = {}
        pids: dict[str, int] = {}
        for workload, body in WORKLOADS.items():
            for name in ("floor", *GATEWAYS):
                key = keys.get(name)
                script = wrk_script(work, key, body, f"{workload}-{name}")
                url = f"http://127.0.0.1:{ports[name]}/v1/chat/completions"
                targets[f"{name}/{workload}"] = (url, script)
                pids[f"{name}/{workload}"] = gateways[name].pid if name in gateways else floor.pid

        def read_memory() -> None:
            for name, process in gateways.items():
                memory.setdefault(name, []).append(memory_of(process.pid))

        results = interleaved_rounds(
            targets, args.rounds, args.seconds, pids=pids, warmed=read_memory
        )
        read_memory()
    finally:
        stop(processes)
        logs.close()
    publish(render(results, memory, args), args.write)
    shutil.rmtree(work, ignore_errors=True)


def median(ms: list[Measurement]) -> Measurement:
    cpu = [m.cpu_us for m in ms if m.cpu_us is not None]
    return Measurement(
        statistics.median(m.rps for m in ms),
        statistics.median(m.p50_ms for m in ms),
        statistics.median(m.p99_ms for m in ms),
        sum(m.requests for m in ms),
        statistics.median(cpu) if cpu else None,
    )


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process and its children (the gateway's record
    process and name model's process) have used so far (Linux)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat(int(entry.name))
            except OSError:
                continue
            if int(entry.name) == pid or int(fields[1]) == pid:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def spread(values: list[float], digits: int = 0, comma: bool = False) -> str:
    """``median (min–max)`` of the rounds' values."""
    form = f"{{:{',' if comma else ''}.{digits}f}}"
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{form.format(mid)} ({form.format(low)}–{form.format(high)})"


def ratios(
    results: dict[tuple[str, int], list[Measurement]],
    name: str,
    floor: str,
    connections: int,
    value: Any,
) -> list[float]:
    """Round by round, ``value`` of ``name`` over that of the floor measured in the same
    round."""
    return [
        value(m) / value(f)
        for m, f in zip(results[(name, connections)], results[(floor, connections)], strict=True)
    ]


def throughput_rows(results: dict[tuple[str, int], list[Measurement]]) -> list[str]:
    """The table of requests/s, latencies and CPU, each target against the floor."""
    rows = [
        "| workload | target | c | requests/s | p50 ms | p99 ms | req/s vs floor "
        "| p99 vs floor | CPU µs/req |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    labels = {"floor": "floor", **GATEWAYS}
    for connections in (32, 1):
        for workload in WORKLOADS:
            floor = f"floor/{workload}"
            for name in labels:
                target = f"{name}/{workload}"
                ms = results[(target, connections)]
                cpu = [m.cpu_us for m in ms if m.cpu_us is not None]
                versus = ""
                p99_versus = ""
                if name != "floor":
                    versus = spread(ratios(results, target, floor, connections, _rps), 2)
                    p99_versus = spread(ratios(results, target, floor, connections, _p99), 1)
                rows.append(
                    f"| {workload} | {labels[name]} | {connections} "
                    f"| {spread([m.rps for m in ms], comma=True)} "
                    f"| {statistics.median(m.p50_ms for m in ms):.2f} "
                    f"| {spread([m.p99_ms for m in ms], 2)} | {versus} | {p99_versus} "
                    f"| {statistics.median(cpu):.0f} |"
                )
    return rows


def memory_rows(memory: dict[str, list[Memory]]) -> list[str]:
    """Each gateway's worker, record process and name model's process resident memory,
    warm and at the end."""
    rows = [
        "| gateway | worker MiB after warm-up | after the rounds "
        "| record process MiB after warm-up | after the rounds "
        "| name model's process MiB after warm-up | after the rounds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, (warm, end) in ((n, (m[0], m[-1])) for n, m in memory.items()):
        rows.append(
            f"| {GATEWAYS[name]} | {warm.worker:.0f} | {end.worker:.0f} "
            f"| {warm.records:.0f} | {end.records:.0f} | {warm.names:.0f} | {end.names:.0f} |"
        )
    return rows


def verdicts(results: dict[tuple[str, int], list[Measurement]]) -> list[str]:
    """The default configuration's figures against its goals, per workload."""
    found = []
    for workload in WORKLOADS:
        rps = statistics.median(
            ratios(results, f"gateway/{workload}", f"floor/{workload}", 32, _rps)
        )
        p99 = statistics.median(
            ratios(results, f"gateway/{workload}", f"floor/{workload}", 1, _p99)
        )
        found.append(
            f"{workload} prompt: **{rps:.2f}** of the floor's requests/s at concurrency 32 "
            f"(goal ≥ 0.90), p99 **{p99:.1f}×** the floor's at concurrency 1 (goal ≤ 2)"
        )
    return found


def render(
    results: dict[tuple[str, int], list[Measurement]],
    memory: dict[str, list[Memory]],
    args: argparse.Namespace,
) -> str:
    warm = memory["gateway"][0]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join(
        [
            "## Proxy overhead",
            "",
            f"Command: `make bench` (`python bench/proxy_bench.py --seconds {args.seconds} "
            f"--rounds {args.rounds}`), {when}, {os.cpu_count()} cores. Each figure is the "
            f"median of {args.rounds} interleaved rounds of wrk (1 thread, {args.seconds} s), "
            "with the rounds' lowest and highest in brackets; ratios are taken round by "
            "round against the floor measured in the same round. The upstream is "
            "careergate's fake OpenAI; the floor a bare Starlette + aiohttp pass-through "
            "(`bench/floor_proxy.py`); each gateway one worker as a user gets it (key "
            "checks, request logs in JSON, usage records and audit entries written by its "
            "record process), *default* with the privacy step on in its default mode "
            "(pseudonymise, names found by the name model), *privacy off* with "
            "`CAREERGATE_PRIVACY_MODE=off`. Workloads: *short*, a two-message prompt; "
            "*resume*, a conversation (system, user with a resume excerpt of about 250 "
            "words with a name, an email and a phone number, the assistant's reply, a "
            "follow-up) sent again and again as a chat client resends its history. CPU is "
            "the server's user and system time per request, its children (the record "
            "process, the name model's process) included.",
            "",
            *throughput_rows(results),
            "",
            "Resident memory (`VmRSS` from `/proc`) of each gateway's worker process and, "
            "apart, of its record process (the child that writes usage records and audit "
            "entries) and of its name model's process (the child that finds names):",
            "",
            *memory_rows(memory),
            "",
            "Default configuration: "
            + "; ".join(verdicts(results))
            + f"; worker **{warm.worker:.0f} MiB** resident after warm-up (goal < 250), "
            f"its name model's process {warm.names:.0f} MiB and record process "
            f"{warm.records:.0f} MiB apart.",
            "",
        ]
    )


def _rps(m: Measurement) -> float:
    return m.rps


def _p99(m: Measurement) -> float:
    return m.p99_ms


def stop(processes: list[subprocess.Popen[Any]]) -> None:
    """SIGTERM every server, then wait for each to exit."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def publish(report: str, path: Path | None) -> None:
    """Print the report; write its section into ``path`` too, if given."""
    print(report)
    if path is not None:
        write_section(path, report)


def write_section(path: Path, section: str) -> None:
    """Replace the section in ``path`` headed like ``section``'s first line (up to the
    next ``## `` heading), keeping the rest of the file; append it if there is none."""
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    start = text.find(section.splitlines()[0] + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        rest = "\n" + text[end + 1 :] if end != -1 else ""  # keep the blank line before it
        text = text[:start] + section + rest
    path.write_text(text)


if __name__ == "__main__":
    main()
