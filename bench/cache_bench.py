"""The response cache: a hit against a miss and against the pass-through floor, the
cache's own cost per hit in process, and the hit rate on a repeated-prompt mix.

Served (``careergate serve``, one worker, the default configuration: the privacy step
pseudonymising, the cache in process memory, per end user): wrk at concurrency 1 and 32
in interleaved rounds against

- the floor, a bare Starlette + aiohttp pass-through to the fake OpenAI (``floor_proxy.py``);
- *hit*: the same request again and again with ``temperature: 0`` (answered from the cache
  after the first);
- *miss*: a new request every time (a counter in the prompt), looked up and kept;
- *pass-through*: the gateway without the cache's part (the API's default temperature:
  sampled answers are not kept).

In process: ``LookUpCache``'s work on a hit (plan: normalise and hash; find; restore the
answer's personal data) per request, apart from the privacy step before it.

With ``--redis URL``, a second gateway keeps its entries in that Redis
(``CAREERGATE_REDIS_URL``, as replicas share them): its *hit* and *miss* are measured
in the same rounds.

Run: ``python bench/cache_bench.py --seconds 5 --rounds 3 [--redis redis://127.0.0.1:6379/0]
[--write docs/benchmarks.md]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from proxy_bench import (
    BODY,
    RESUME_BODY,
    Measurement,
    bench_env,
    careergate_process,
    create_key,
    free_port,
    interleaved_rounds,
    publish,
    ratios,
    spread,
    start_floor,
    stop,
    wait_until_listening,
    wrk_script,
)

WORKLOADS = {"short": BODY, "resume": RESUME_BODY}
TARGETS = {"floor": "floor", "hit": "hit", "miss": "miss", "pass": "pass-through"}
REDIS_TARGETS = {"redis-hit": "hit (Redis)", "redis-miss": "miss (Redis)"}
SECTION = "## Response cache"


def deterministic(body: str) -> str:
    return json.dumps({**json.loads(body), "temperature": 0})


def unique_script(directory: Path, key: str, body: str, name: str) -> Path:
    """A wrk script whose every request is new: a counter in the last message."""
    document = json.loads(deterministic(body))
    document["messages"][-1]["content"] += " (request MARKER)"
    head, tail = json.dumps(document).split("MARKER")
    lines = [
        'wrk.method = "POST"',
        'wrk.headers["Content-Type"] = "application/json"',
        f'wrk.headers["Authorization"] = "Bearer {key}"',
        "local n = 0",
        f"local head, tail = {json.dumps(head)}, {json.dumps(tail)}",
        "request = function()",
        "  n = n + 1",
        "  local unique = tostring(n) .. tostring(math.random(1e9))",
        "  return wrk.format(nil, nil, nil, head .. unique .. tail)",
        "end",
    ]
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def served(args: argparse.Namespace, work: Path) -> dict[tuple[str, int], list[Measurement]]:
    """wrk against the floor and the gateway's hit, miss and pass-through."""
    names = ("upstream", "floor", "gateway", *(("redis",) if args.redis else ()))
    ports = {name: free_port() for name in names}
    upstream_url = f"http://127.0.0.1:{ports['upstream']}/v1"
    envs = {name: bench_env(work / name) for name in ports}
    for env in envs.values():
        env["OPENAI_BASE_URL"] = upstream_url
    if args.redis:
        envs["redis"]["CAREERGATE_REDIS_URL"] = args.redis
    logs = (work / "servers.log").open("w")
    floor = start_floor(envs["floor"], ports["floor"], upstream_url, logs)
    processes = [
        careergate_process(
            envs["upstream"], logs, "fake-upstream", "--port", str(ports["upstream"])
        ),
        floor,
    ]
    try:
        key = create_key(envs["gateway"], "--user", "bench")
        gateway = careergate_process(
            envs["gateway"], logs, "serve", "--port", str(ports["gateway"])
        )
        processes.append(gateway)
        servers = {"gateway": gateway}
        if args.redis:
            redis_key = create_key(envs["redis"], "--user", "bench")
            servers["redis"] = careergate_process(
                envs["redis"], logs, "serve", "--port", str(ports["redis"])
            )
            processes.append(servers["redis"])
        for port in ports.values():
            wait_until_listening(port)
        urllib.request.urlopen(f"{upstream_url}/models").read()  # noqa: S310 - our loopback URL
        targets: dict[str, tuple[str, Path]] = {}
        pids: dict[str, int] = {}
        for workload, body in WORKLOADS.items():
            scripts = {
                "floor": wrk_script(work, None, body, f"{workload}-floor"),
                "hit": wrk_script(work, key, deterministic(body), f"{workload}-hit"),
                "miss": unique_script(work, key, body, f"{workload}-miss"),
                "pass": wrk_script(work, key, body, f"{workload}-pass"),
            }
            if args.redis:
                scripts["redis-hit"] = wrk_script(
                    work, redis_key, deterministic(body), f"{workload}-redis-hit"
                )
                scripts["redis-miss"] = unique_script(work, redis_key, body, f"{workload}-rmiss")
            for name, script in scripts.items():
                server = (
                    "floor"
                    if name == "floor"
                    else "redis"
                    if name.startswith("redis")
                    else "gateway"
                )
                targets[f"{name}/{workload}"] = (
                    f"http://127.0.0.1:{ports[server]}/v1/chat/completions",
                    script,
                )
                pids[f"{name}/{workload}"] = floor.pid if name == "floor" else servers[server].pid
        return interleaved_rounds(targets, args.rounds, args.seconds, pids=pids)
    finally:
        stop(processes)
        logs.close()


def served_rows(
    results: dict[tuple[str, int], list[Measurement]], labels: dict[str, str]
) -> list[str]:
    rows = [
        "| workload | target | c | requests/s | p50 ms | p99 ms | req/s vs floor "
        "| req/s vs miss | CPU µs/req |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for connections in (32, 1):
        for workload in WORKLOADS:
            for name, label in labels.items():
                target = f"{name}/{workload}"
                ms = results[(target, connections)]
                cpu = [m.cpu_us for m in ms if m.cpu_us is not None]
                floor = miss = ""
                if name != "floor":
                    floor = spread(
                        ratios(results, target, f"floor/{workload}", connections, _rps), 2
                    )
                if name not in ("floor", "miss", "redis-miss"):
                    against = "redis-miss" if name.startswith("redis") else "miss"
                    miss = spread(
                        ratios(results, target, f"{against}/{workload}", connections, _rps), 2
                    )
                rows.append(
                    f"| {workload} | {label} | {connections} "
                    f"| {spread([m.rps for m in ms], comma=True)} "
                    f"| {statistics.median(m.p50_ms for m in ms):.2f} "
                    f"| {spread([m.p99_ms for m in ms], 2)} | {floor} | {miss} "
                    f"| {statistics.median(cpu):.0f} |"
                )
    return rows


def _rps(m: Measurement) -> float:
    return m.rps


def in_process(repeat: int) -> list[str]:
    """µs per hit of the lookup step's own work, after the privacy step."""
    from hit_cost import hit_costs

    rows = [
        "| workload | plan (normalise, hash) µs | find µs | restore and reply µs | total µs |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for workload, body in WORKLOADS.items():
        plan, find, answer = asyncio.run(hit_costs(json.loads(deterministic(body)), repeat))
        rows.append(
            f"| {workload} | {plan:.1f} | {find:.1f} | {answer:.1f} | {plan + find + answer:.1f} |"
        )
    return rows


def render(
    results: dict[tuple[str, int], list[Measurement]], costs: list[str], mix: list[str], args: Any
) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    command = f"python bench/cache_bench.py --seconds {args.seconds} --rounds {args.rounds}"
    labels = dict(TARGETS)
    redis_note = ""
    if args.redis:
        command += f" --redis {args.redis}"
        labels.update(REDIS_TARGETS)
        redis_note = (
            " *(Redis)*: a second gateway keeping its entries in the local Redis "
            "(`CAREERGATE_REDIS_URL`, which puts its rate-limit windows there too, as at "
            "scale), its hit against its own miss."
        )
    return "\n".join(
        [
            SECTION,
            "",
            f"Command: `{command}`, {when}, 2 cores. Each figure is the median of "
            f"{args.rounds} interleaved rounds of wrk (1 thread, {args.seconds} s), the "
            "rounds' lowest and highest in brackets; ratios are taken round by round. One "
            "`careergate serve` worker in the default configuration (privacy step "
            "pseudonymising with the name model, cache in process memory, per end user); "
            "*hit*: the same request with `temperature: 0`; *miss*: a new prompt every "
            "request; *pass-through*: the API's default temperature (not kept); *floor*: "
            "`bench/floor_proxy.py` in front of the same fake OpenAI. CPU is the server's "
            "(the worker and its record process) per request." + redis_note,
            "",
            *served_rows(results, labels),
            "",
            "The lookup step's own work per hit, in process (`bench/hit_cost.py`: the "
            "request already pseudonymised; median of the rounds):",
            "",
            *costs,
            "",
            *mix,
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="duration of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--repeat", type=int, default=3000, help="in-process hits timed")
    parser.add_argument("--write", type=Path, help="write the section into this Markdown file")
    parser.add_argument("--redis", help="also measure a gateway keeping entries in this Redis")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    from cache_mix import mix_rows

    costs = in_process(args.repeat)
    print("\n".join(costs), flush=True)
    mix = mix_rows()
    print("\n".join(mix), flush=True)
    work = Path(tempfile.mkdtemp(prefix="careergate-cache-bench-"))
    try:
        results = served(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    publish(render(results, costs, mix, args), args.write)


if __name__ == "__main__":
    main()
