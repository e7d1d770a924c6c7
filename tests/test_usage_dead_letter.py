"""A usage record the database refuses does not hold back the others: after a few
failures the batch is written record by record, the refused one is set aside in the
dead-letter file, and it can be replayed once the cause is gone. A database out of
reach refuses nothing: its records wait, however the outage and the isolation meet."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from careergate.records.buffer import ISOLATE_AFTER, BufferedWriter
from careergate.records.calls import CallRecord
from careergate.records.journal import JournalOwner
from careergate.records.kinds import CALL
from careergate.records.offloaded import OffloadedWriter
from careergate.records.process import RecordProcess
from careergate.records.tables import CallWriter, UsageWriter
from careergate.records.wire import ChildConfig
from careergate.security.master_key import MasterKey
from careergate.settings import Settings
from careergate.storage.database import Database
from careergate.storage.tables import AuditRow, UsageRow
from careergate.usage.record import TokenUsage, UsageRecord
from conftest import cli_env, run_cli
from tcp_proxy import CuttableProxy
from test_postgres import fresh_postgres_database


def record(request_id: str) -> UsageRecord:
    return UsageRecord(
        request_id=request_id,
        created_at=datetime.now(UTC),
        endpoint="chat/completions",
        status_code=200,
        latency_ms=5.0,
        usage=TokenUsage(prompt_tokens=10, completion_tokens=3),
    )


async def count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(UsageRow)) or 0)


REFUSE_ONE = """
CREATE TRIGGER refuse_one BEFORE INSERT ON usage_records
WHEN NEW.request_id = 'req-taken' BEGIN SELECT RAISE(ABORT, 'refused'); END
"""


def test_a_refused_record_is_set_aside_and_replayed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", master_key=MasterKey.generate().to_base64())
    dead_letter = tmp_path / "data" / "dead-letter"

    async def scenario() -> None:
        database = Database(settings.resolved_database_url)
        await database.migrate()
        writer = UsageWriter(database, flush_seconds=3600, dead_letter=dead_letter)
        writer.record(record("req-first"))
        await writer.flush()
        async with database.session() as session, session.begin():
            await session.execute(text(REFUSE_ONE))
        writer.record(record("req-taken"))  # the database refuses this one
        for n in range(3):
            writer.record(record(f"req-{n}"))
        for _ in range(ISOLATE_AFTER - 1):
            await writer.flush()
        assert await count(database) == 1  # the batch is kept and retried whole at first
        assert writer.dead_lettered == 0
        await writer.flush()
        assert await count(database) == 4  # then record by record: the three good ones
        assert writer.dead_lettered == 1
        writer.record(record("req-later"))
        await writer.flush()  # nothing holds it back
        assert await count(database) == 5
        await writer.close()
        async with database.session() as session, session.begin():
            await session.execute(text("DROP TRIGGER refuse_one"))
        await database.close()

    asyncio.run(scenario())
    files = list(dead_letter.glob("usage-*.jsonl"))
    assert len(files) == 1
    assert b"req-taken" in files[0].read_bytes()
    done = run_cli(cli_env(settings), "db", "replay-usage", str(files[0]))
    assert "1 usage records written, 0 still refused" in done.stderr

    async def replayed() -> tuple[int, int, int]:
        database = Database(settings.resolved_database_url)
        async with database.session() as session:
            row = (
                await session.scalars(select(UsageRow).where(UsageRow.request_id == "req-taken"))
            ).one()
        await database.close()
        return row.status_code, row.prompt_tokens, row.completion_tokens

    assert asyncio.run(replayed()) == (200, 10, 3)


REFUSE_ONE_ENTRY = """
CREATE TRIGGER refuse_entry BEFORE INSERT ON audit_log
WHEN NEW.request_id = 'req-taken' BEGIN SELECT RAISE(ABORT, 'refused'); END
"""


async def audited(database: Database) -> list[str]:
    """The request ids of the AI calls in the audit log, in the chain's order."""
    async with database.session() as session:
        query = select(AuditRow.request_id).where(AuditRow.action == "ai.chat")
        return list((await session.scalars(query.order_by(AuditRow.seq))).all())


def test_a_refused_audit_entry_is_set_aside_and_replayed_into_the_chain(tmp_path: Path) -> None:
    """A request's audit entry the database refuses goes to ``audit-<day>.jsonl`` while
    its usage record and the other calls' records go in; ``db replay-audit`` chains it
    to the log once the cause is gone (the log still verifies), and a second replay of
    the same file writes nothing twice."""
    settings = Settings(data_dir=tmp_path / "data", master_key=MasterKey.generate().to_base64())
    dead_letter = tmp_path / "data" / "dead-letter"

    async def scenario() -> None:
        database = Database(settings.resolved_database_url)
        await database.migrate()
        async with database.session() as session, session.begin():
            await session.execute(text(REFUSE_ONE_ENTRY))
        writer = CallWriter(database, flush_seconds=3600, dead_letter=dead_letter)
        for request_id in ("req-0", "req-taken", "req-1"):
            writer.record(CallRecord(record(request_id), "key:sk-cg-test", "ai.chat"))
        for _ in range(ISOLATE_AFTER):
            await writer.flush()
        assert await audited(database) == ["req-0", "req-1"]
        async with database.session() as session, session.begin():
            await session.execute(text("DROP TRIGGER refuse_entry"))
        await writer.close()
        await database.close()

    asyncio.run(scenario())
    (entries,) = dead_letter.glob("audit-*.jsonl")
    env = cli_env(settings)
    for written in (1, 1):  # the second time, found in the log already
        done = run_cli(env, "db", "replay-audit", str(entries))
        assert f"{written} audit entries written, 0 still refused" in done.stderr
    verified = run_cli(env, "audit", "verify", "--json")
    assert json.loads(verified.stdout)["ok"] is True

    async def chained() -> list[str]:
        database = Database(settings.resolved_database_url)
        try:
            return await audited(database)
        finally:
            await database.close()

    assert asyncio.run(chained()) == ["req-0", "req-1", "req-taken"]


def test_with_the_database_down_nothing_is_set_aside_and_the_batch_waits(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", master_key=MasterKey.generate().to_base64())
    dead_letter = tmp_path / "data" / "dead-letter"

    async def scenario() -> None:
        database = Database(settings.resolved_database_url)
        await database.migrate()
        writer = UsageWriter(database, flush_seconds=3600, dead_letter=dead_letter)
        async with database.session() as session, session.begin():
            await session.execute(text("ALTER TABLE usage_records RENAME TO usage_away"))
        for n in range(5):
            writer.record(record(f"req-{n}"))
        for _ in range(ISOLATE_AFTER + 2):
            await writer.flush()  # every write fails: nothing is the records' fault
        assert writer.dead_lettered == 0
        async with database.session() as session, session.begin():
            await session.execute(text("ALTER TABLE usage_away RENAME TO usage_records"))
        await writer.flush()
        assert await count(database) == 5
        await writer.close()
        await database.close()

    asyncio.run(scenario())
    assert not list(dead_letter.glob("*.jsonl"))


def test_a_writer_behind_writes_batches_of_its_size_and_keeps_them_journalled(
    tmp_path: Path,
) -> None:
    """More records waiting than a batch holds (a database that was slow): each flush
    writes one batch of ``batch_size``, the oldest first; the journal keeps every record
    until the buffer is empty, and closing writes what is left a batch at a time."""
    settings = Settings(data_dir=tmp_path / "data", master_key=MasterKey.generate().to_base64())
    journal = tmp_path / "journal"

    async def scenario() -> None:
        database = Database(settings.resolved_database_url)
        await database.migrate()
        owner = JournalOwner(journal)
        writer = UsageWriter(
            database, flush_seconds=3600, batch_size=10, journal=owner.journal("usage")
        )
        for n in range(25):
            writer.record(record(f"req-{n:02d}"))
        for written in (10, 20):
            await writer.flush()
            assert await count(database) == written
            assert list(journal.glob("*.jsonl")), "records not yet written left the journal"
        await writer.flush()
        assert await count(database) == 25
        assert not list(journal.glob("*.jsonl"))
        for n in range(25, 48):
            writer.record(record(f"req-{n:02d}"))
        await writer.close()
        assert await count(database) == 48
        owner.close()
        await database.close()

    asyncio.run(scenario())


async def call_writer(
    way: str, url: str, dead_letter: Path
) -> tuple[BufferedWriter[CallRecord], Callable[[], Awaitable[None]]]:
    """A writer of requests' records, as the gateway makes it: in its own process
    (``in-process``) or through the record process (``record-process``); and what
    closes what it writes through once it is closed."""
    if way == "in-process":
        database = Database(url)
        writer = CallWriter(database, flush_seconds=3600, dead_letter=dead_letter)
        return writer, database.close
    process = RecordProcess(ChildConfig(url, "console", "CRITICAL"))
    await process.start()
    offloaded = OffloadedWriter(CALL, process, flush_seconds=3600, dead_letter=dead_letter)
    return offloaded, process.close


async def rows_in(url: str) -> tuple[int, int]:
    """(usage records, audit entries) in the database at ``url``."""
    database = Database(url)
    try:
        async with database.session() as session:
            usage = await session.scalar(select(func.count()).select_from(UsageRow))
            audit = await session.scalar(select(func.count()).select_from(AuditRow))
        return int(usage or 0), int(audit or 0)
    finally:
        await database.close()


@pytest.mark.postgres
@pytest.mark.parametrize("way", ["in-process", "record-process"])
def test_records_met_by_a_database_outage_wait_for_it_and_none_is_set_aside(
    tmp_path: Path, way: str
) -> None:
    """PostgreSQL cut while records wait, then back but refusing a few connections more
    (a server still recovering) just as the batch is written a record at a time: some
    records fail for the connection and others go in. None was refused by the database,
    so none is set aside; every one is written once the database takes it."""
    dead_letter = tmp_path / "dead-letter"
    with fresh_postgres_database() as direct:
        port = make_url(direct).port or 5432
        with CuttableProxy(port) as proxy:
            url = str(make_url(direct).set(host="127.0.0.1", port=proxy.port))

            async def scenario() -> dict[str, Any]:
                migrated = Database(direct)
                await migrated.migrate()
                await migrated.close()
                writer, release = await call_writer(way, url, dead_letter)
                writer.record(CallRecord(record("req-before"), "key:sk-cg-test", "ai.chat"))
                await writer.flush()  # a connection is pooled: it goes stale in the cut
                for n in range(20):
                    writer.record(CallRecord(record(f"req-{n}"), "key:sk-cg-test", "ai.chat"))
                proxy.cut()
                for _ in range(ISOLATE_AFTER - 1):
                    await writer.flush()
                proxy.restore(refusing=4)
                for _ in range(10):
                    await writer.flush()
                await writer.close()
                await release()
                return {"set aside": writer.dead_lettered, "rows": await rows_in(direct)}

            outcome = asyncio.run(scenario())
            assert proxy.refused >= 4
    assert outcome == {"set aside": 0, "rows": (21, 21)}
    assert not list(dead_letter.glob("*.jsonl"))
