"""The gateway against a direct call and the bare-proxy floor, measured side by side.

Three servers answer the same chat request: the fake OpenAI itself (direct), the floor
(``floor_proxy.py``) in front of it, and ``careergate serve`` in front of it with key
checks, request logs and usage records on, one worker. wrk drives each at concurrency 1
and 32, in interleaved rounds so that the machine's noise falls on all three alike; the
median round is reported. Run: ``make bench`` (``python bench/proxy_bench.py --help``).
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_env(work: Path) -> dict[str, str]:
    """The servers' environment: a data directory of their own, JSON logs, and none of
    the caller's upstream, config or database settings. The privacy step is off: what it
    costs is measured on its own (``privacy_bench.py``)."""
    env = {**os.environ, "CAREERGATE_DATA_DIR": str(work / "data"), "CAREERGATE_LOG_FORMAT": "json"}
    for name in ("OPENAI_API_KEY", "CAREERGATE_CONFIG", "CAREERGATE_DATABASE_URL"):
        env.pop(name, None)
    # A variable, not a config file: older commits' gateways (baselines) ignore it.
    env["CAREERGATE_PRIVACY_MODE"] = "off"
    return env


def careergate(env: dict[str, str], *args: str) -> str:
    """``careergate ARGS`` run to completion; its standard output."""
    done = subprocess.run(
        [BIN / "careergate", *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def careergate_process(env: dict[str, str], logs: IO[str], *args: str) -> subprocess.Popen[str]:
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
) -> dict[tuple[str, int], list[Measurement]]:
    """wrk on each target (URL, script) at concurrency 1 and 32, in interleaved rounds so
    that the machine's noise falls on all alike, after a warm-up of each. ``alternate``
    reverses the order every other round, for targets that should be compared as equals
    (on these machines the position in a round alone moved results by 10 to 15%). With
    ``pids``, each of those targets' server CPU time per request is measured too."""
    for url, script in targets.values():  # warm up connections, caches and encodings
        run_wrk(url, script, 8, 1)
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
                    f"round {round_number + 1}/{rounds} c={connections:<2} {name:<9}"
                    f" {m.rps:8.0f} req/s  p50 {m.p50_ms:6.3f} ms  p99 {m.p99_ms:6.3f} ms{cpu}",
                    flush=True,
                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="duration of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="careergate-bench-"))
    env = bench_env(work)
    ports = {"upstream": free_port(), "floor": free_port(), "gateway": free_port()}
    upstream_url = f"http://127.0.0.1:{ports['upstream']}/v1"
    env["OPENAI_BASE_URL"] = upstream_url
    logs = (work / "servers.log").open("w")
    floor = subprocess.Popen(
        [
            BIN / "uvicorn",
            "floor_proxy:app",
            "--port",
            str(ports["floor"]),
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
    processes = [
        careergate_process(env, logs, "fake-upstream", "--port", str(ports["upstream"])),
        floor,
    ]
    try:
        key = json.loads(careergate(env, "keys", "create", "--user", "bench", "--json"))["key"]
        gateway = careergate_process(env, logs, "serve", "--port", str(ports["gateway"]))
        processes.append(gateway)
        for port in ports.values():
            wait_until_listening(port)
        urllib.request.urlopen(f"{upstream_url}/models").read()  # noqa: S310 - our loopback URL

        scripts = {
            "direct": wrk_script(work, None),
            "floor": wrk_script(work, None),
            "gateway": wrk_script(work, key),
        }
        urls = {
            name: f"http://127.0.0.1:{port}/v1/chat/completions" for name, port in ports.items()
        }
        urls["direct"] = urls.pop("upstream")
        targets = {name: (urls[name], scripts[name]) for name in ("direct", "floor", "gateway")}
        pids = {"floor": floor.pid, "gateway": gateway.pid}
        results = interleaved_rounds(targets, args.rounds, args.seconds, pids=pids)
    finally:
        stop(processes)
        logs.close()
    publish(render(results, args), args.write)
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
    process) have used so far (Linux)."""
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


def render(results: dict[tuple[str, int], list[Measurement]], args: argparse.Namespace) -> str:
    rows = [
        "| target | concurrency | requests/s | p50 ms | p99 ms | req/s vs floor "
        "| p50 added to direct | server CPU µs/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    summary = {key: median(value) for key, value in results.items()}
    for connections in (1, 32):
        floor = summary[("floor", connections)]
        direct = summary[("direct", connections)]
        for name in ("direct", "floor", "gateway"):
            m = summary[(name, connections)]
            added = "" if name == "direct" else f"{m.p50_ms - direct.p50_ms:+.3f} ms"
            cpu = f"{m.cpu_us:.0f}" if m.cpu_us is not None else ""
            rows.append(
                f"| {name} | {connections} | {m.rps:,.0f} | {m.p50_ms:.3f} | {m.p99_ms:.3f} "
                f"| {m.rps / floor.rps:.2f} | {added} | {cpu} |"
            )
    gateway32 = summary[("gateway", 32)].rps / summary[("floor", 32)].rps
    added1 = summary[("gateway", 1)].p50_ms - summary[("direct", 1)].p50_ms
    verdict = (
        f"Gateway at concurrency 32: **{gateway32:.2f}** of the floor's requests/s (goal ≥ 0.80). "
        f"Gateway at concurrency 1: **{added1:+.3f} ms** added to the direct p50 (goal ≤ 1 ms)."
    )
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join(
        [
            "## Proxy overhead",
            "",
            f"Command: `make bench` (`python bench/proxy_bench.py --seconds {args.seconds} "
            f"--rounds {args.rounds}`), {when}, {os.cpu_count()} cores; median of "
            f"{args.rounds} interleaved rounds of wrk (1 thread) per row. The upstream is "
            "careergate's fake OpenAI; the gateway runs one worker with key checks, "
            "request logs (JSON, INFO), usage records and audit entries on; the privacy "
            "step off (its cost has a section of its own). Server CPU is the server "
            "process's user and system time per request served, the gateway's record "
            "process included.",
            "",
            *rows,
            "",
            verdict,
            "",
        ]
    )


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
