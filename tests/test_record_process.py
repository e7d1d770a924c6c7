"""Usage records and audit entries are written by a process of the gateway's own: every
call's records arrive, also when that process is killed midway or the gateway shuts down
with records still buffered, and the process does not outlive its gateway."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from careergate.audit.entry import AuditEntry
from careergate.records.kinds import AUDIT, USAGE
from careergate.storage.database import Database
from careergate.storage.tables import AuditRow
from careergate.testing import FakeOpenAI
from careergate.usage.record import TokenUsage, UsageRecord
from conftest import (
    RunningGateway,
    cli_env,
    gateway_settings,
    in_database,
    run_cli,
    serve_process,
    start_gateway,
    wait_for,
)

CHILD = "careergate.records.child"


def record_processes(parent: int) -> list[int]:
    """The record processes (pids) whose parent is ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and CHILD.encode() in command:
            found.append(int(entry.name))
    return found


def audit_count(gateway: RunningGateway) -> int:
    async def work(database: Database) -> int:
        async with database.session() as session:
            query = select(func.count()).select_from(AuditRow).where(AuditRow.action == "ai.chat")
            return int(await session.scalar(query) or 0)

    return in_database(gateway.settings, work)


def chat(gateway: RunningGateway, key: str, n: int) -> list[str]:
    """``n`` chat calls through the SDK; their request ids."""
    ids = []
    client = gateway.client(key)
    for i in range(n):
        reply = client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"question {i}"}]
        )
        ids.append(reply.headers["x-request-id"])
    return ids


@pytest.fixture
def own_gateway(tmp_path: Path) -> Iterator[RunningGateway]:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
        )
        yield from start_gateway(settings, fake)


def test_records_travel_to_the_record_process_unchanged() -> None:
    usage = UsageRecord(
        request_id="req-1",
        created_at=datetime.now(UTC),
        endpoint="chat/completions",
        status_code=200,
        latency_ms=1.5,
        key_id="k1",
        user_id="ann",
        model_requested="gpt-4o-mini",
        usage=TokenUsage(10, 3, 2, 1, True),
        fallback=True,
        route="cheaper",
    )
    entry = AuditEntry(
        datetime.now(UTC),
        "key:sk-cg-abc",
        "gateway",
        "ai.chat",
        details={"n": [1, "two"]},
        user="ann",
        pii_kinds=("email", "phone"),
        pii_action="pseudonymised",
        request_id="req-1",
    )
    for kind, record in ((USAGE, usage), (AUDIT, entry)):
        assert kind.decode(orjson.loads(orjson.dumps([record]))[0]) == record


def test_a_calls_records_are_written_by_the_record_process(own_gateway: RunningGateway) -> None:
    [child] = record_processes(os.getpid())
    os.kill(child, signal.SIGSTOP)  # while it is stopped, nothing gets written
    try:
        [request_id] = chat(own_gateway, own_gateway.create_key(user="ann"), 1)
        time.sleep(1.0)  # many flush intervals
        assert own_gateway.usage_rows() == []
    finally:
        os.kill(child, signal.SIGCONT)
    row = own_gateway.usage_record(request_id)
    assert (row.user_id, row.status_code) == ("ann", 200)
    assert row.prompt_tokens > 0
    wait_for(lambda: audit_count(own_gateway) == 1, timeout=10)


def test_a_record_process_killed_with_batches_in_hand_is_replaced_and_nothing_is_lost(
    own_gateway: RunningGateway,
) -> None:
    key = own_gateway.create_key(user="ann")
    chat(own_gateway, key, 1)
    wait_for(lambda: len(own_gateway.usage_rows()) == 1, timeout=10)
    [first] = record_processes(os.getpid())
    os.kill(first, signal.SIGSTOP)  # it receives batches but answers none...
    request_ids = chat(own_gateway, key, 20)
    time.sleep(0.5)  # ...sent to it by several flushes
    os.kill(first, signal.SIGKILL)
    rows = own_gateway.usage_rows(expected=21, timeout=15)
    assert {row.request_id for row in rows} >= set(request_ids)
    wait_for(lambda: audit_count(own_gateway) >= 21, timeout=15)
    time.sleep(1.0)  # a duplicate written late would show now
    assert audit_count(own_gateway) == 21
    assert len(own_gateway.usage_rows()) == 21
    [second] = record_processes(os.getpid())
    assert second != first
    done = run_cli(cli_env(own_gateway.settings), "audit", "verify")
    assert "intact" in done.stderr


def test_shutdown_writes_the_records_still_buffered(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            usage_flush_seconds=3600,  # nothing is written before the shutdown
            usage_batch_size=10_000,
        )
        served = start_gateway(settings, fake)
        gateway = next(served)
        chat(gateway, gateway.create_key(user="ann"), 12)
        assert gateway.usage_rows() == []
        with pytest.raises(StopIteration):
            next(served)  # stops the gateway
    assert len(gateway.usage_rows()) == 12
    assert audit_count(gateway) == 12
    assert record_processes(os.getpid()) == []


def test_the_record_process_ends_with_its_gateway(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
        )
        env = cli_env(settings)
        with serve_process(env) as served:
            wait_for(lambda: record_processes(served.process.pid) != [], timeout=10)
            [child] = record_processes(served.process.pid)
            served.process.kill()  # no shutdown: the record process sees its socket close
            served.process.wait()
            wait_for(lambda: not Path(f"/proc/{child}").exists() or _zombie(child), timeout=10)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_records_can_be_written_in_the_gateway_process(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            record_process=False,
        )
        for gateway in start_gateway(settings, fake):
            [request_id] = chat(gateway, gateway.create_key(user="ann"), 1)
            assert gateway.usage_record(request_id).user_id == "ann"
            wait_for(lambda: audit_count(gateway) == 1, timeout=10)  # noqa: B023 - used at once
            assert record_processes(os.getpid()) == []
