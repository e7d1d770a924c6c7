"""Scale-out under load: replicas of ``careergate serve --workers 2`` behind nginx, on one
PostgreSQL database and one Redis, in front of the fake OpenAI (its own process).

1. Scaling: the same closed-loop load (hey, 32 connections) through nginx over 1, 2 and
   3 replicas, and over the fake upstream alone behind the same nginx (the floor).
2. A rolling restart under load at half of 3 replicas' throughput measured in 1: each
   replica taken out of nginx, stopped with SIGTERM (drained), started again and put
   back; every non-200 is counted.
3. The highest throughput the 3 replicas sustain without an error: hey at rising
   concurrency; the best requests/s wins.
4. The soak, right after 3 (so on processes that the search has brought to their
   working size, the restarted ones included): ``--minutes`` at 80% of the highest
   throughput (hey, rate-limited), with every process's resident memory read every 10 s
   (the first fifth of the run, at most a minute, is warm-up) and streams asked all
   along: time to first byte through the gateway (straight to one replica) and through
   nginx, against the upstream alone.

Run: ``make bench-scale`` (``python bench/scale_bench.py --help``); develop with
``--minutes 1``. Needs nginx, hey, PostgreSQL (``CAREERGATE_TEST_POSTGRES_URL``) and
Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from careergate.security.master_key import MasterKey
from careergate.testing.balancer import NginxBalancer
from careergate.testing.replicas import ServeReplica
from proxy_bench import BIN, free_port, publish, vm_rss_mib, wait_until_listening

ROOT = Path(__file__).resolve().parent.parent
PROXY_CONF = ROOT / "deploy" / "nginx" / "careergate-proxy.conf"
BODY = json.dumps(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Rewrite: led a team"}]}
)
STREAM_BODY = json.dumps(
    {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Rewrite: led a team"}],
        "stream": True,
    }
)


PORT = re.compile(r":\d+")
MAX_REASONS = 5
"""hey's reasons for failed requests shown at most (each names its connection's ports,
which are left out)."""


@dataclass
class Load:
    """What hey reports of one run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int
    """Answers other than 200, and requests that got no answer."""
    errors: tuple[str, ...] = ()
    """hey's error distribution: why requests got no answer, with their count."""


def hey(url: str, key: str, seconds: float, connections: int, rate: float | None = None) -> Load:
    """hey's closed loop for ``seconds`` (``rate``: requests/s in all, spread over the
    connections)."""
    command = ["hey", "-z", f"{seconds}s", "-c", str(connections), "-m", "POST", "-t", "60"]
    command += ["-T", "application/json", "-H", f"Authorization: Bearer {key}", "-d", BODY]
    if rate is not None:
        command += ["-q", f"{rate / connections:.3f}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return parse_hey(done.stdout)


def parse_hey(text: str) -> Load:
    def number(pattern: str) -> float:
        found = re.search(pattern, text)
        return float(found.group(1)) if found else 0.0

    codes = {int(c): int(n) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text)}
    errors = sum(int(n) for n in re.findall(r"\[(\d+)\]\t", text.split("Error distribution")[-1]))
    if "Error distribution" not in text:
        errors = 0
    answered = sum(codes.values())
    found = re.findall(r"^\s+\[(\d+)\]\t(.+)$", text.split("Error distribution")[-1], re.M)
    reasons = [f"{n}: {PORT.sub('', why)}" for n, why in found[:MAX_REASONS]]
    return Load(
        rps=number(r"Requests/sec:\s+([\d.]+)"),
        p50_ms=number(r"50%+ in ([\d.]+) secs") * 1000,
        p99_ms=number(r"99%+ in ([\d.]+) secs") * 1000,
        requests=answered + errors,
        failed=answered - codes.get(200, 0) + errors,
        errors=tuple(reasons) if errors else (),
    )


@dataclass
class Topology:
    """The processes of the run."""

    work: Path
    upstream: subprocess.Popen[bytes]
    upstream_port: int
    replicas: list[ServeReplica]
    balancer: NginxBalancer
    key: str

    @property
    def ports(self) -> list[int]:
        return [r.port for r in self.replicas]

    def pids(self) -> dict[str, list[int]]:
        """Every process to watch, by role."""
        found: dict[str, list[int]] = {"upstream": [self.upstream.pid]}
        for n, replica in enumerate(self.replicas):
            found[f"replica {n + 1}"] = replica.pids()
        return found


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new database for the run, dropped afterwards."""
    base = os.environ.get(
        "CAREERGATE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    name = f"careergate_bench_{secrets.token_hex(4)}"
    dsn = str(make_url(base).set(drivername="postgresql"))

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(dsn, timeout=5)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(base).set(database=name))
    finally:
        asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


def environment(work: Path, database_url: str, upstream_port: int) -> dict[str, str]:
    """The replicas' environment: the settings a deployment sets (deploy/compose.yaml)."""
    config = work / "careergate.yaml"
    base_url = f"http://127.0.0.1:{upstream_port}/v1"
    config.write_text(
        "deployments:\n"
        f"  - {{name: bench-{secrets.token_hex(3)}, provider: openai-compatible, "
        f"base_url: '{base_url}'}}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CAREERGATE_"))}
    env.update(
        CAREERGATE_CONFIG=str(config),
        CAREERGATE_DATABASE_URL=database_url,
        CAREERGATE_REDIS_URL="redis://127.0.0.1:6379/0",
        CAREERGATE_MASTER_KEY=MasterKey.generate().to_base64(),
        CAREERGATE_DRAIN_SECONDS="2",
        CAREERGATE_FORWARDED_ALLOW_IPS="127.0.0.1",
        CAREERGATE_LOG_FORMAT="json",
        CAREERGATE_LOG_LEVEL="WARNING",
        CAREERGATE_DATA_DIR=str(work / "cli"),
    )
    return env


@contextmanager
def topology(work: Path, replicas: int) -> Iterator[Topology]:
    """The fake upstream, the database, the replicas and nginx, up and ready."""
    upstream_port = free_port()
    upstream = subprocess.Popen(
        [BIN / "careergate", "fake-upstream", "--port", str(upstream_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with postgres_database() as database_url:
        env = environment(work, database_url, upstream_port)
        created = subprocess.run(
            [BIN / "careergate", "keys", "create", "--user", "bench", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = json.loads(created.stdout)["key"]
        servers = [
            ServeReplica(free_port(), {**env, "CAREERGATE_DATA_DIR": str(work / f"r{n}")}, work)
            for n in range(replicas)
        ]
        balancer = NginxBalancer(free_port(), work / "nginx", PROXY_CONF)
        try:
            wait_until_listening(upstream_port)
            for server in servers:
                server.start()
            for server in servers:
                server.wait_ready()
            balancer.start([s.port for s in servers])
            yield Topology(work, upstream, upstream_port, servers, balancer, key)
        finally:
            balancer.stop()
            for server in servers:
                server.terminate()
            for server in servers:
                server.stop()
            upstream.terminate()
            upstream.wait()


def scaling(top: Topology, seconds: float) -> dict[str, Load]:
    """The same load over 1, 2 and 3 replicas, and over the upstream alone."""
    results = {}
    url = f"{top.balancer.url}/v1/chat/completions"
    for count in range(1, len(top.replicas) + 1):
        top.balancer.route_to(top.ports[:count])
        hey(url, top.key, 3, 32)  # warm-up: connections, caches
        results[f"{count} replica{'s' if count > 1 else ''}"] = hey(url, top.key, seconds, 32)
    top.balancer.route_to(top.ports)
    direct = f"http://127.0.0.1:{top.upstream_port}/v1/chat/completions"
    results["upstream alone (no nginx)"] = hey(direct, top.key, seconds, 32)
    return results


def highest(top: Topology, seconds: float) -> tuple[int, Load, list[tuple[int, Load]]]:
    """The concurrency with the most requests/s without an error, over 3 replicas: each
    concurrency twice, in interleaved rounds, so that a moment of the shared machine's
    noise does not decide."""
    url = f"{top.balancer.url}/v1/chat/completions"
    tried = [(c, hey(url, top.key, seconds, c)) for _ in range(2) for c in (16, 32, 64, 128)]
    clean = [(c, load) for c, load in tried if load.failed == 0] or tried
    best = max(clean, key=lambda pair: pair[1].rps)
    return best[0], best[1], tried


def rolling_restart(top: Topology, rate: float) -> tuple[Load, float]:
    """Each replica out of nginx, SIGTERM, started again, back in, under ``rate``
    requests/s; what the callers saw, and how long the whole restart took."""
    url = f"{top.balancer.url}/v1/chat/completions"
    started = time.monotonic()
    seconds = 20 + 25 * len(top.replicas)  # a restart takes up to about 25 s when busy
    outcome: list[Load] = []
    load = threading.Thread(target=lambda: outcome.append(hey(url, top.key, seconds, 32, rate)))
    load.start()
    time.sleep(5)
    for replica in top.replicas:
        top.balancer.route_to([p for p in top.ports if p != replica.port])
        replica.terminate()
        replica.wait_exit()
        replica.start()
        replica.wait_ready()
        top.balancer.route_to(top.ports)
        time.sleep(2)
    took = time.monotonic() - started
    load.join()
    return outcome[0], took


@dataclass
class Memory:
    """Resident memory (MiB) of every process, sampled during the soak."""

    samples: list[tuple[float, dict[str, float]]] = field(default_factory=list)

    def sample(self, top: Topology, moment: float) -> None:
        rss: dict[str, float] = {}
        for role, pids in top.pids().items():
            for pid in pids:
                try:
                    rss[f"{role} pid {pid} ({_command(pid)})"] = vm_rss_mib(pid)
                except (OSError, RuntimeError):
                    continue
        self.samples.append((moment, rss))

    def at(self, moment: float) -> dict[str, float]:
        return min(self.samples, key=lambda s: abs(s[0] - moment))[1]


def _command(pid: int) -> str:
    """A short name for a process: supervisor, worker, record process or upstream."""
    words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    text = b" ".join(words).decode(errors="replace")
    if "records.child" in text:
        return "record process"
    if "resource_tracker" in text:
        return "resource tracker"
    if "multiprocessing" in text:
        return "worker"
    if "fake-upstream" in text:
        return "fake upstream"
    return "supervisor"


async def first_byte_ms(port: int, key: str) -> float:
    """Milliseconds from sending a streamed chat request to its first event's bytes;
    the stream is then read to its end."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = STREAM_BODY.encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    try:
        started = time.perf_counter()
        writer.write(head + body)
        seen = b""
        while b"data:" not in seen:
            chunk = await reader.read(65536)
            if not chunk:
                raise RuntimeError("stream ended before its first event")
            seen += chunk
        first = (time.perf_counter() - started) * 1000
        while await reader.read(65536):
            pass
        return first
    finally:
        writer.close()


def stream_probe(
    top: Topology, stop: threading.Event, rounds: int | None = None
) -> dict[str, list[float]]:
    """Streams, one at a time, in turn straight to the upstream, straight to the first
    replica and through nginx, until ``stop`` (or for ``rounds``)."""
    targets = {
        "upstream alone": top.upstream_port,
        "gateway (one replica)": top.ports[0],
        "nginx + gateway": top.balancer.port,
    }
    seen: dict[str, list[float]] = {name: [] for name in targets}

    async def run() -> None:
        done = 0
        while not stop.is_set() and (rounds is None or done < rounds):
            done += 1
            for name, port in targets.items():
                try:
                    seen[name].append(await first_byte_ms(port, top.key))
                except (OSError, RuntimeError):
                    continue
            await asyncio.sleep(0.2 if rounds is None else 0.01)

    asyncio.run(run())
    return seen


@dataclass
class Soak:
    load: Load
    rate: float
    memory: Memory
    warm_up_s: float
    minutes: float
    first_byte: dict[str, list[float]]
    idle_first_byte: dict[str, list[float]]


def soak(top: Topology, rate: float, minutes: float) -> Soak:
    """``minutes`` of hey at ``rate`` requests/s; memory every 10 s; streams alongside."""
    seconds = minutes * 60
    warm_up = min(60.0, seconds / 5)
    url = f"{top.balancer.url}/v1/chat/completions"
    memory = Memory()
    outcome: list[Load] = []
    load = threading.Thread(target=lambda: outcome.append(hey(url, top.key, seconds, 64, rate)))
    stop = threading.Event()
    idle = stream_probe(top, stop, rounds=300)  # before the load: what the path adds alone
    first_byte: list[dict[str, list[float]]] = []
    probe = threading.Thread(target=lambda: first_byte.append(stream_probe(top, stop)))
    started = time.monotonic()
    load.start()
    probe.start()
    while load.is_alive():
        memory.sample(top, time.monotonic() - started)
        load.join(timeout=10)
    stop.set()
    probe.join()
    return Soak(outcome[0], rate, memory, warm_up, minutes, first_byte[0], idle)


def render(
    scaled: dict[str, Load],
    best: tuple[int, Load, list[tuple[int, Load]]],
    restart: tuple[Load, float],
    soaked: Soak,
    command: str,
    load_average: tuple[str, str],
) -> str:
    lines = [
        "## Scale-out: replicas behind nginx",
        "",
        f"`{command}` (nginx {_nginx_version()}, hey; PostgreSQL and Redis on the same 2 "
        "cores; each replica `careergate serve --workers 2`, the fake upstream in its "
        "own process). Chat completions through nginx; ratios against one replica in the "
        f"same run. The machine's 1-minute load average, which counts other users' work "
        f"too: {load_average[0]} at the start, {load_average[1]} at the end.",
        "",
        "| target (hey, 32 connections) | req/s | req/s per replica | vs 1 replica | p50 ms "
        "| p99 ms | failed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    one = scaled["1 replica"].rps
    for name, load in scaled.items():
        count = int(name[0]) if name[0].isdigit() else 0
        per = f"{load.rps / count:,.0f}" if count else "-"
        lines.append(
            f"| {name} | {load.rps:,.0f} | {per} | {load.rps / one:.2f} | "
            f"{load.p50_ms:.1f} | {load.p99_ms:.1f} | {load.failed} |"
        )
    lines += _restart_lines(restart) + _highest_lines(best) + _soak_lines(soaked)
    return "\n".join(lines) + "\n"


def _highest_lines(best: tuple[int, Load, list[tuple[int, Load]]]) -> list[str]:
    connections, load, tried = best
    rows = ", ".join(f"{c}: {t.rps:,.0f} req/s ({t.failed} failed)" for c, t in tried)
    return [
        "",
        f"Highest throughput over 3 replicas: **{load.rps:,.0f} req/s** at {connections} "
        f"connections, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms ({rows}).",
    ]


def _restart_lines(restart: tuple[Load, float]) -> list[str]:
    load, took = restart
    return [
        "",
        f"Rolling restart under load (each replica out of nginx, SIGTERM, started again, "
        f"back in; {took:.0f} s for all three): **{load.failed} failed** of "
        f"{load.requests:,} requests, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms"
        f"{_reasons(load)}.",
    ]


def _reasons(load: Load) -> str:
    """Why requests got no answer, as hey tells it (nothing when none failed so)."""
    return f" (hey: {'; '.join(load.errors)})" if load.errors else ""


def _soak_lines(s: Soak) -> list[str]:
    end = s.memory.samples[-1][0]
    start, middle = s.memory.at(s.warm_up_s), s.memory.at((s.warm_up_s + end) / 2)
    last = s.memory.samples[-1][1]
    lines = [
        "",
        f"Soak: {s.minutes:g} min at {s.rate:,.0f} req/s requested (80% of the highest): "
        f"**{s.load.rps:,.0f} req/s**, p50 {s.load.p50_ms:.1f} ms, p99 {s.load.p99_ms:.1f} ms, "
        f"**{s.load.failed} failed** of {s.load.requests:,}{_reasons(s.load)}.",
        "",
        f"Resident memory (MiB) after the warm-up ({s.warm_up_s:.0f} s), in the middle and at "
        "the end:",
        "",
        "| process | after warm-up | middle | end | end vs after warm-up |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in sorted(last):
        if name in start and name in middle:
            change = last[name] / start[name] - 1
            lines.append(
                f"| {name} | {start[name]:.1f} | {middle[name]:.1f} | {last[name]:.1f} "
                f"| {change:+.1%} |"
            )
    lines += _first_byte_lines("Streams alone, before the soak", s.idle_first_byte)
    lines += _first_byte_lines("Streams during the soak", s.first_byte)
    return lines


def _first_byte_lines(title: str, seen: dict[str, list[float]]) -> list[str]:
    upstream = statistics.median(seen["upstream alone"])
    lines = ["", f"{title}: time to first byte (ms), one stream at a time:", ""]
    lines += ["| path | streams | p50 | p99 | p50 added to the upstream's |"]
    lines += ["| --- | ---: | ---: | ---: | ---: |"]
    for name, values in seen.items():
        p50 = statistics.median(values)
        p99 = statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]
        lines.append(f"| {name} | {len(values)} | {p50:.2f} | {p99:.2f} | {p50 - upstream:+.2f} |")
    return lines


def _nginx_version() -> str:
    from careergate.testing.balancer import nginx_binary

    binary = nginx_binary() or "nginx"
    done = subprocess.run([binary, "-v"], capture_output=True, text=True)
    return done.stderr.strip().rsplit("/", 1)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="soak length")
    parser.add_argument("--seconds", type=float, default=10.0, help="each scaling/probe run")
    parser.add_argument("--write", type=Path, help="write the section into this file")
    args = parser.parse_args()
    command = "python bench/scale_bench.py " + " ".join(sys.argv[1:])
    started_load = _load_average()
    with tempfile.TemporaryDirectory() as work, topology(Path(work), 3) as top:
        scaled = scaling(top, args.seconds)
        restart = rolling_restart(top, scaled["3 replicas"].rps * 0.5)
        best = highest(top, args.seconds)
        soaked = soak(top, best[1].rps * 0.8, args.minutes)
    loads = (started_load, _load_average())
    publish(render(scaled, best, restart, soaked, command.strip(), loads), args.write)


def _load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


if __name__ == "__main__":
    main()
