"""Every answered request is metered and audited, crash or not.

``careergate serve`` runs as its own process under steady load from several threads
(the official SDK); the gateway, or its record process, is killed with SIGKILL midway.
After a restart, the usage records and audit entries hold every request whose answer
the client saw, none twice, and the audit chain verifies. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from sqlalchemy import select

from careergate.auth.permissions import KeySpec
from careergate.reports.usage import usage_report
from careergate.runtime import key_store
from careergate.settings import Settings
from careergate.storage.database import Database
from careergate.storage.tables import AuditRow, UsageRow
from careergate.testing import FakeOpenAI
from conftest import (
    ServedProcess,
    cli_env,
    gateway_settings,
    in_database,
    run_cli,
    serve_process,
    start_gateway,
    wait_for,
)
from test_postgres import fresh_postgres_database
from test_record_process import record_processes

THREADS = 4
pytestmark = pytest.mark.timeout(300)  # two gateways start: slow on a busy machine


class Load:
    """Chat requests from several threads until stopped; the request ids of the answers
    the callers received."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url, self.key = base_url, key
        self.answered: list[str] = []
        self.failed = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run) for _ in range(THREADS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self) -> None:
        client = openai.OpenAI(base_url=self.base_url, api_key=self.key, max_retries=0)
        with client:
            while not self._stop.is_set():
                try:
                    raw = client.chat.completions.with_raw_response.create(
                        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
                    )
                    raw.parse()
                except openai.APIError:
                    with self._lock:
                        self.failed += 1
                    time.sleep(0.01)  # the gateway is down: do not spin
                    continue
                with self._lock:
                    self.answered.append(raw.headers["x-request-id"])

    def wait_for_answers(self, count: int) -> None:
        wait_for(lambda: len(self.answered) >= count, timeout=60)


def recorded(settings: Settings) -> tuple[list[str], list[str]]:
    """The request ids of the usage records and of the AI calls' audit entries."""

    async def work(database: Database) -> tuple[list[str], list[str]]:
        async with database.session() as session:
            usage = list(await session.scalars(select(UsageRow.request_id)))
            audit = await session.scalars(
                select(AuditRow.request_id).where(AuditRow.action == "ai.chat")
            )
            return usage, [str(each) for each in audit]

    return in_database(settings, work)


def reported_requests(settings: Settings) -> int:
    """The requests the usage report counts (what ``careergate usage`` prints)."""

    async def work(database: Database) -> int:
        return (await usage_report(database, "user")).total.requests

    return in_database(settings, work)


@contextlib.contextmanager
def crash_gateway(tmp_path: Path, **overrides: Any) -> Iterator[tuple[Settings, dict[str, str]]]:
    """Settings (flushing every half second, as by default) and the CLI's environment of
    a gateway in front of a fake OpenAI that runs for the whole block."""
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            usage_flush_seconds=0.5,
            **overrides,
        )
        extra = {"CAREERGATE_CONFIG": str(settings.config)}
        if settings.database_url is not None:
            extra["CAREERGATE_DATABASE_URL"] = settings.database_url
        yield settings, cli_env(settings, **extra)


def new_key(settings: Settings) -> str:
    async def work(database: Database) -> str:
        keys = await key_store(settings, database)
        return (await keys.create(KeySpec(user="ann"))).secret

    return in_database(settings, work)


def assert_metered(settings: Settings, env: dict[str, str], answered: list[str]) -> None:
    """Every answered request has exactly one usage record and one audit entry; the
    report counts them all; the chain verifies."""
    usage, audit = recorded(settings)
    assert len(usage) == len(set(usage)), "a request was metered twice"
    assert len(audit) == len(set(audit)), "a request was audited twice"
    assert set(answered) <= set(usage), f"{len(set(answered) - set(usage))} answers not metered"
    assert set(answered) <= set(audit), f"{len(set(answered) - set(audit))} answers not audited"
    assert reported_requests(settings) == len(usage)
    assert "intact" in run_cli(env, "audit", "verify").stderr


def kill_gateway_mid_load(settings: Settings, env: dict[str, str]) -> list[str]:
    """Load, SIGKILL of the gateway, restart (which replays its journal), clean stop;
    the answers the callers saw."""
    key = new_key(settings)
    with serve_process(env) as served:
        with Load(served.base_url, key) as load:
            load.wait_for_answers(150)
            served.process.kill()
            served.process.wait()
        answered = list(load.answered)
    assert list(settings.journal_dir.glob("*.jsonl")), "the killed gateway left no journal"
    with serve_process(env):
        pass  # started (the journal is replayed at start) and stopped cleanly
    assert not list(settings.journal_dir.glob("*.jsonl"))
    return answered


def test_a_gateway_killed_mid_load_loses_no_answered_request(tmp_path: Path) -> None:
    with crash_gateway(tmp_path) as (settings, env):
        answered = kill_gateway_mid_load(settings, env)
        assert_metered(settings, env, answered)


def test_a_gateway_writing_its_own_records_killed_mid_load_loses_none(tmp_path: Path) -> None:
    with crash_gateway(tmp_path, record_process=False) as (settings, env):
        answered = kill_gateway_mid_load(settings, env)
        assert_metered(settings, env, answered)


@pytest.mark.postgres
def test_a_gateway_killed_mid_load_loses_none_on_postgresql(tmp_path: Path) -> None:
    with (
        fresh_postgres_database() as url,
        crash_gateway(tmp_path, database_url=url) as (
            settings,
            env,
        ),
    ):
        answered = kill_gateway_mid_load(settings, env)
        assert_metered(settings, env, answered)


def kill_record_process_mid_load(served: ServedProcess, key: str) -> list[str]:
    with Load(served.base_url, key) as load:
        load.wait_for_answers(100)
        [child] = record_processes(served.process.pid)
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: record_processes(served.process.pid) not in ([], [child]), timeout=30)
        load.wait_for_answers(len(load.answered) + 100)
    assert load.failed == 0  # the gateway kept answering
    return load.answered


def test_a_record_process_killed_mid_load_loses_nothing_and_counts_nothing_twice(
    tmp_path: Path,
) -> None:
    with crash_gateway(tmp_path) as (settings, env):
        key = new_key(settings)
        with serve_process(env) as served:
            answered = kill_record_process_mid_load(served, key)
        usage, audit = recorded(settings)
        assert sorted(usage) == sorted(answered)  # nothing crashed that answered: exact
        assert sorted(audit) == sorted(answered)
        assert_metered(settings, env, answered)


@pytest.mark.postgres
def test_a_record_process_killed_mid_load_on_postgresql(tmp_path: Path) -> None:
    with (
        fresh_postgres_database() as url,
        crash_gateway(tmp_path, database_url=url) as (
            settings,
            env,
        ),
    ):
        key = new_key(settings)
        with serve_process(env) as served:
            answered = kill_record_process_mid_load(served, key)
        usage, audit = recorded(settings)
        assert sorted(usage) == sorted(answered)
        assert sorted(audit) == sorted(answered)
        assert_metered(settings, env, answered)


def test_without_a_crash_every_request_is_metered_exactly_once(tmp_path: Path) -> None:
    with crash_gateway(tmp_path) as (settings, env):
        key = new_key(settings)
        with serve_process(env) as served, Load(served.base_url, key) as load:
            load.wait_for_answers(150)
            load.stop()
        usage, audit = recorded(settings)
        assert load.failed == 0
        assert sorted(usage) == sorted(load.answered)
        assert sorted(audit) == sorted(load.answered)
        assert reported_requests(settings) == len(load.answered)
        assert not list(settings.journal_dir.glob("*.jsonl"))  # committed: nothing left


DEAD_WRITER = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path
import orjson
from careergate.records.journal import JournalOwner
from careergate.usage.record import TokenUsage, UsageRecord

owner = JournalOwner(Path(sys.argv[1]))
for n in range(5):
    record = UsageRecord(
        request_id=f"req-dead-{n}", created_at=datetime.now(UTC), endpoint="chat/completions",
        status_code=200, latency_ms=1.0, user_id="ann", usage=TokenUsage(7, 3),
    )
    owner.journal("usage").append(orjson.dumps(record))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_running_gateway_replays_the_journal_of_a_process_that_died(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            journal_adopt_seconds=0.1,
        )
        for gateway in start_gateway(settings, fake):
            died = subprocess.run([sys.executable, "-c", DEAD_WRITER, str(settings.journal_dir)])
            assert died.returncode == -signal.SIGKILL
            wait_for(lambda: len(gateway.usage_rows()) == 5, timeout=10)  # noqa: B023
            # The journal goes once its records are committed, a moment after they show.
            wait_for(lambda: not list(settings.journal_dir.glob("*.jsonl")), timeout=10)
            assert len(list(settings.journal_dir.glob("*.lock"))) == 1  # the gateway's own
