"""Job queues compared for careergate's background tasks, and careergate's tasks measured.

``python bench/task_queue_bench.py queues`` runs the same work on each candidate:
huey on a SQLite file, huey on Redis, dramatiq on Redis (arq, the other asyncio
candidate, pins redis<6 and cannot sit beside careergate's redis 8). An item's effect
is a row keyed by (task, item) written with INSERT OR IGNORE, and every execution is
counted apart, so the run shows:

- throughput: items a second through a worker process with 1 and 4 threads;
- exactly-once effect: effect rows against executions (with no failure, any extra
  execution is a duplicate delivery);
- retries: every tenth item fails at its first execution and must be retried;
- a worker SIGKILL: a worker killed a third of the way through, another started; the
  items never executed (lost) and the seconds until every item had an effect.

``python bench/task_queue_bench.py careergate`` runs careergate's own tasks (chat
completions against the fake OpenAI answering after 20 ms) on its queue file and on
Redis, drained by 1 ``careergate worker`` process and by 4 (one thread each), and by 4
with one of them SIGKILLed midway and another started: items a second, items run
twice, and what the kill cost in time. The database is the embedded SQLite file.

Runs are short (a few hundred items); run with ``nice -n 5`` on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REDIS_URL = "redis://127.0.0.1:6379/15"
ITEMS = 300
WORK_SECONDS = 0.005


# -- the work, the same for every queue ----------------------------------------------


def effects_db(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE IF NOT EXISTS effects (item INTEGER PRIMARY KEY)")
    connection.execute("CREATE TABLE IF NOT EXISTS runs (item INTEGER)")
    return connection


def do_item(db: Path, item: int) -> None:
    """One execution: counted; fails the first time for every tenth item; then the
    effect, idempotent by its key."""
    connection = effects_db(db)
    try:
        connection.execute("INSERT INTO runs VALUES (?)", (item,))
        first = connection.execute("SELECT count(*) FROM runs WHERE item = ?", (item,)).fetchone()
        if item % 10 == 0 and first[0] == 1:
            raise RuntimeError("a failure that passes")
        time.sleep(WORK_SECONDS)
        connection.execute("INSERT OR IGNORE INTO effects VALUES (?)", (item,))
    finally:
        connection.close()


# -- the candidates ------------------------------------------------------------------


def huey_of(name: str, queue_file: Path) -> Any:
    from huey import RedisHuey, SqliteHuey

    if name == "huey-sqlite":
        huey = SqliteHuey("bench", filename=str(queue_file), results=False)
    else:
        huey = RedisHuey("bench", url=REDIS_URL, results=False)
    task = huey.task(retries=3, retry_delay=0, name="bench_item")(do_item)
    return huey, task


def dramatiq_of(queue_file: Path) -> Any:
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker

    # Heartbeats every few seconds and maintenance on every fetch, so a dead worker's
    # messages come back within seconds (the defaults: a minute, and now and then).
    broker = RedisBroker(
        url=REDIS_URL, namespace="bench", heartbeat_timeout=3000, maintenance_chance=1_000_000
    )
    dramatiq.set_broker(broker)
    actor = dramatiq.actor(do_item, max_retries=3, min_backoff=1, max_backoff=10)
    return broker, actor


def enqueue(name: str, queue_file: Path, db: Path) -> None:
    if name.startswith("huey"):
        huey, task = huey_of(name, queue_file)
        huey.flush()
        for item in range(ITEMS):
            task(str(db), item)
    else:
        broker, actor = dramatiq_of(queue_file)
        broker.flush_all()
        for item in range(ITEMS):
            actor.send(str(db), item)


def run_worker(name: str, queue_file: Path, threads: int) -> None:
    """The worker process: consume until SIGTERM."""
    if name.startswith("huey"):
        from huey.consumer import Consumer

        huey, _ = huey_of(name, queue_file)
        Consumer(huey, workers=threads, worker_type="thread", max_delay=0.1).run()
        return
    import dramatiq

    broker, _ = dramatiq_of(queue_file)
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    while True:  # until SIGTERM ends the process
        time.sleep(1)


def start_worker(name: str, queue_file: Path, threads: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "worker", name, str(queue_file), str(threads)]
    return subprocess.Popen(command, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def counts(db: Path) -> tuple[int, int, int]:
    """(effects, executions, effects of the items that failed once)."""
    connection = effects_db(db)
    try:
        effects = connection.execute("SELECT count(*) FROM effects").fetchone()[0]
        runs = connection.execute("SELECT count(*) FROM runs").fetchone()[0]
        retried = connection.execute("SELECT count(*) FROM effects WHERE item % 10 = 0")
        after_retry = retried.fetchone()[0]
    finally:
        connection.close()
    return int(effects), int(runs), int(after_retry)


def one_run(name: str, threads: int, kill: bool, timeout: float = 60.0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        queue_file, db = Path(folder) / "queue.db", Path(folder) / "effects.db"
        effects_db(db).close()
        worker = start_worker(name, queue_file, threads)
        time.sleep(1.5)  # the worker's start is not what is measured
        started = time.perf_counter()
        enqueue(name, queue_file, db)
        killed_at = None
        while counts(db)[0] < ITEMS and time.perf_counter() - started < timeout:
            if kill and killed_at is None and counts(db)[0] >= ITEMS // 3:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                killed_at = time.perf_counter() - started
                worker = start_worker(name, queue_file, threads)
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        effects, runs, after_retry = counts(db)
        worker.terminate()
        worker.wait(timeout=30)
    retried = ITEMS // 10
    return {
        "queue": name,
        "threads": threads,
        "killed": kill,
        "seconds": round(elapsed, 2),
        "items_per_s": round(effects / elapsed, 1),
        "lost": ITEMS - effects,
        "extra_runs": runs - effects - retried,
        "retried": f"{after_retry}/{retried}",
    }


# -- careergate's own tasks ----------------------------------------------------------


def careergate_run(queue: str, processes: int, kill: bool, items: int = 200) -> dict[str, Any]:
    """A chat.completions task of ``items`` drained by ``processes`` ``careergate worker``
    processes of one thread each, on the ``queue`` (``sqlite`` or ``redis``)."""
    import httpx
    import redis

    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    from careergate.sandbox.faults import Fault
    from careergate.settings import TaskSettings
    from careergate.testing import FakeOpenAI
    from conftest import cli_env, gateway_settings, start_gateway
    from proxy_bench import stop

    queue_url = "redis://127.0.0.1:6379/14" if queue == "redis" else None
    if queue_url:
        redis.Redis.from_url(queue_url).flushdb()
    with tempfile.TemporaryDirectory() as folder, FakeOpenAI() as fake:
        fake.faults.add_rate(Fault(delay=0.02), 1.0)
        settings = gateway_settings(
            Path(folder),
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            tasks=TaskSettings(gateway_workers=0, queue_url=queue_url),
        )
        env = cli_env(
            settings,
            CAREERGATE_CONFIG=str(settings.config),
            CAREERGATE_LEASE_STALE_SECONDS="2",
            CAREERGATE_TASKS_POLL_SECONDS="0.05",
            CAREERGATE_TASKS_SWEEP_SECONDS="0.5",
            CAREERGATE_LOG_FORMAT="json",
            **({"CAREERGATE_TASKS_QUEUE_URL": queue_url} if queue_url else {}),
        )
        cli = str(Path(sys.executable).parent / "careergate")

        def worker() -> subprocess.Popen[bytes]:
            command = [cli, "worker", "--workers", "1"]
            return subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)

        workers = [worker() for _ in range(processes)]
        for gateway in start_gateway(settings, fake):
            time.sleep(4 + processes)  # the workers have started
            client = httpx.Client(
                base_url=gateway.base_url,
                headers={"authorization": f"Bearer {gateway.create_key()}"},
            )
            body = {
                "kind": "chat.completions",
                "requests": [
                    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"q{n}"}]}
                    for n in range(items)
                ],
            }
            started = time.perf_counter()
            task_id = client.post("/tasks", json=body).json()["id"]
            killed = False
            while True:
                task = client.get(f"/tasks/{task_id}").json()
                if task["status"] == "completed":
                    break
                if kill and not killed and task["progress"]["done"] >= items // 3:
                    workers[0].send_signal(signal.SIGKILL)
                    workers[0].wait()
                    workers[0], killed = worker(), True
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            pages = client.get(f"/tasks/{task_id}/results", params={"limit": 1000}).json()
            client.close()
        stop(workers)
    again = sum(1 for item in pages["data"] if item["attempts"] > 1)
    upstream = len(fake.requests)
    return {
        "queue": f"careergate (huey-{queue})",
        "processes": processes,
        "killed": kill,
        "seconds": round(elapsed, 2),
        "items_per_s": round(items / elapsed, 1),
        "items_run_twice": again,
        "upstream_calls_over_items": upstream - items,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["queues", "careergate", "worker"])
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args()
    if args.what == "worker":
        name, queue_file, threads = args.rest
        run_worker(name, Path(queue_file), int(threads))
        return
    rows: list[dict[str, Any]] = []
    if args.what == "queues":
        for name in ("huey-sqlite", "huey-redis", "dramatiq-redis"):
            for threads, kill in ((1, False), (4, False), (4, True)):
                rows.append(one_run(name, threads, kill))
                print(rows[-1], flush=True)
    else:
        for queue in ("sqlite", "redis"):
            for processes, kill in ((1, False), (4, False), (4, True)):
                rows.append(careergate_run(queue, processes, kill))
                print(rows[-1], flush=True)
    print(f"# {time.strftime('%Y-%m-%d')} {os.uname().nodename}: {len(rows)} runs")


if __name__ == "__main__":
    main()
