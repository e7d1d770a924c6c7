"""The audit log: every AI call and admin action is an entry of one hash chain;
``careergate audit verify`` names any changed, removed or reordered entry, also when two
gateway processes append to one database at once."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, select, text

from careergate.audit.chain import CHAIN, entry_hash
from careergate.audit.entry import AuditEntry
from careergate.audit.log import Actor, AuditLog
from careergate.audit.redaction import seal
from careergate.audit.verify import verify
from careergate.governance.retention import purge
from careergate.governance.user_data import erase_user
from careergate.records.tables import AuditWriter
from careergate.security.master_key import MasterKey
from careergate.settings import RetentionSettings, Settings
from careergate.storage.database import MIGRATIONS, Database
from careergate.storage.tables import AuditChainRow, AuditRow
from careergate.testing import FakeOpenAI
from conftest import (
    RunningGateway,
    cli_env,
    free_port,
    gateway_settings,
    run_cli,
    serve_process,
)
from test_keys_access import admin_call
from test_postgres import fresh_postgres_database
from test_scale_out import process_env

PROMPT = "Rewrite my summary: I am Zed Quist, zed@example.org"


def audit_export(
    gateway: RunningGateway, key: str, query: str, wanted: int
) -> list[dict[str, Any]]:
    """``/admin/audit/export?query``, once it holds ``wanted`` entries (written in batches)."""
    deadline = time.monotonic() + 10
    while True:
        status, body = admin_call(gateway, key, "GET", f"/admin/audit/export?{query}")
        assert status == 200
        if len(body["data"]) >= wanted or time.monotonic() > deadline:
            return list(body["data"])
        time.sleep(0.05)


def test_ai_calls_and_admin_actions_are_entries_of_one_verified_chain(
    gateway: RunningGateway, admin_key: str
) -> None:
    key = gateway.create_key(user="ana", team="growth", feature="resume")
    client = gateway.client(key)
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
    )
    status, created = admin_call(gateway, admin_key, "POST", "/admin/keys", {"user": "ana"})
    assert status == 201

    entries = audit_export(gateway, admin_key, "user=ana", 2)
    call = next(e for e in entries if e["request_id"] == raw.headers["x-request-id"])
    assert call == call | {
        "action": "ai.chat",
        "actor": f"key:{key[:14]}",
        "user": "ana",
        "team": "growth",
        "feature": "resume",
        "decision": "allowed",
        "status": 200,
        "error_code": None,
        "pii_kinds": [],
        "pii_action": "off",
    }
    assert call["model"].startswith("gpt-4o-mini")
    admin = next(e for e in entries if e["action"] == "key.created")
    assert (admin["target"], admin["actor"]) == (created["id"], f"key:{admin_key[:14]}")
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)

    status, verdict = admin_call(gateway, admin_key, "GET", "/admin/audit/verify")
    assert (status, verdict["ok"], verdict["problem"]) == (200, True, None)
    done = run_cli(cli_env(gateway.settings), "audit", "verify")
    assert "audit log intact" in done.stderr
    stored = b"".join(p.read_bytes() for p in gateway.settings.data_dir.glob("careergate.db*"))
    assert b"Zed Quist" not in stored
    assert b"zed@example.org" not in stored
    assert created["key"].encode() not in stored


def test_a_refused_call_is_an_entry_with_its_decision(
    gateway: RunningGateway, admin_key: str
) -> None:
    reader = gateway.create_key(role="reader", user="rita")
    with pytest.raises(Exception, match="reader keys may not call models"):
        gateway.client(reader).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    (entry,) = audit_export(gateway, admin_key, "user=rita", 1)
    assert (entry["decision"], entry["status"], entry["error_code"]) == (
        "refused",
        403,
        "endpoint_not_allowed",
    )


def test_export_by_time_range_and_user_from_the_cli(
    gateway: RunningGateway, admin_key: str
) -> None:
    before = datetime.now(UTC).isoformat()
    client = gateway.client(gateway.create_key(user="ivo"))
    for _ in range(2):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    audit_export(gateway, admin_key, "user=ivo", 2)
    env = cli_env(gateway.settings)
    lines = run_cli(env, "audit", "export", "--user", "ivo").stdout.splitlines()
    assert [orjson.loads(line)["action"] for line in lines] == ["ai.chat", "ai.chat"]
    out = gateway.settings.data_dir.parent / "since.jsonl"
    run_cli(env, "audit", "export", "--since", before, "--out", str(out))
    since = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert {e["user"] for e in since} >= {"ivo"}
    assert all(e["at"] >= before for e in since)
    assert not run_cli(env, "audit", "export", "--until", before, "--user", "ivo").stdout


# -- tampering -------------------------------------------------------------------------


@pytest.fixture
def written_log(tmp_path: Path) -> Settings:
    """A database with eight entries: admin actions (some about a user) and AI calls."""
    settings = Settings(data_dir=tmp_path / "data", master_key=MasterKey.generate().to_base64())

    async def write() -> None:
        database = Database(settings.resolved_database_url)
        await database.migrate()
        log = AuditLog(database)
        writer = AuditWriter(database, flush_seconds=3600)
        operator = Actor("cli:ops", "cli@host")
        for n in range(4):
            await log.record(operator, "key.created", f"key-{n}", {"n": n}, user=f"u{n}")
            writer.record(
                AuditEntry(
                    at=datetime.now(UTC),
                    actor="key:sk-cg-abc",
                    source="gateway",
                    action="ai.chat",
                    user=f"u{n}",
                    model="gpt-4o-mini",
                    decision="allowed",
                    status=200,
                    pii_kinds=("email",),
                    pii_action="masked",
                    request_id=f"req-{n}",
                )
            )
            await writer.flush()
        await writer.close()
        await database.close()

    asyncio.run(write())
    return settings


def tamper(settings: Settings, *statements: str) -> None:
    with sqlite3.connect(settings.data_dir / "careergate.db") as connection:
        for statement in statements:
            connection.execute(statement)


def verify_fails(settings: Settings) -> str:
    done = run_cli(cli_env(settings), "audit", "verify", check=False)
    assert done.returncode == 1, done.stderr
    return " ".join(done.stderr.split())


def test_an_untouched_log_verifies(written_log: Settings) -> None:
    done = run_cli(cli_env(written_log), "audit", "verify", "--json")
    verdict = orjson.loads(done.stdout)
    assert (verdict["ok"], verdict["checked"], verdict["head_seq"]) == (True, 8, 8)
    head = run_cli(cli_env(written_log), "audit", "verify", "--head", verdict["head_hash"])
    assert "intact" in head.stderr
    assert "log was rewritten" in " ".join(
        run_cli(
            cli_env(written_log), "audit", "verify", "--head", "0" * 64, check=False
        ).stderr.split()
    )


def test_a_noted_head_still_checks_once_the_log_has_gone_on(written_log: Settings) -> None:
    env = cli_env(written_log)
    noted = orjson.loads(run_cli(env, "audit", "verify", "--json").stdout)["head_hash"]
    run_cli(env, "keys", "create", "--user", "later")  # the live gateway logs on
    run_cli(env, "keys", "create", "--user", "later still")
    later = run_cli(env, "audit", "verify", "--head", noted)
    assert "intact" in later.stderr
    assert "head 10 " in later.stderr
    # The noted entry changed and every hash after it recomputed (a rewrite that
    # verifies on its own): the noted head is no longer an entry of the chain.
    tamper(written_log, "UPDATE audit_log SET status = 201 WHERE seq = 8")
    assert "entry 8 (changed)" in verify_fails(written_log)
    rehash_from(written_log, 8)
    assert run_cli(env, "audit", "verify").returncode == 0
    done = run_cli(env, "audit", "verify", "--head", noted, check=False)
    assert done.returncode == 1
    assert "none of its entries" in " ".join(done.stderr.split())


def rehash_from(settings: Settings, seq: int) -> None:
    """Recompute every hash from entry ``seq`` on, and the head: what someone able to
    write to the database could do to hide a change."""

    async def rewrite() -> None:
        database = Database(settings.resolved_database_url)
        async with database.session() as session, session.begin():
            rows = (
                await session.scalars(
                    select(AuditRow).where(AuditRow.seq >= seq).order_by(AuditRow.seq)
                )
            ).all()
            previous = rows[0].prev_hash
            for row in rows:
                columns = {c.name: getattr(row, c.key) for c in AuditRow.__mapper__.columns}
                row.prev_hash = previous
                previous = row.entry_hash = entry_hash(previous, columns)
            head = await session.get(AuditChainRow, CHAIN)
            assert head is not None
            head.hash = previous
        await database.close()

    asyncio.run(rewrite())


@pytest.mark.parametrize(
    ("statements", "named"),
    [
        (["UPDATE audit_log SET model = 'gpt-4o-minj' WHERE seq = 4"], "entry 4 (changed)"),
        (["UPDATE audit_log SET status = 201 WHERE seq = 2"], "entry 2 (changed)"),
        (["UPDATE audit_log SET user_id = 'u9' WHERE seq = 3"], "entry 3 (changed)"),
        (
            ["UPDATE audit_log SET at = '2020-01-01 00:00:00.000000' WHERE seq = 5"],
            "entry 5 (changed)",
        ),
        (["DELETE FROM audit_log WHERE seq = 6"], "entry 6 (missing)"),
        (["DELETE FROM audit_log WHERE seq = 8"], "entry 8 (missing)"),
        (
            [
                "UPDATE audit_log SET seq = -1 WHERE seq = 5",
                "UPDATE audit_log SET seq = 5 WHERE seq = 6",
                "UPDATE audit_log SET seq = 6 WHERE seq = -1",
            ],
            "entry 5 (reordered)",
        ),
        (
            [
                "DELETE FROM audit_log WHERE seq = 3",
                "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3",
                "UPDATE audit_chain SET seq = seq - 1",
            ],
            "entry 3 (removed before it)",
        ),
        (
            # The oldest entries deleted and the anchor moved past them, as retention
            # does, but with no purge of retention recorded in the chain.
            [
                "DELETE FROM audit_log WHERE seq <= 4",
                "UPDATE audit_chain SET anchor_seq = 4, "
                "anchor_hash = (SELECT prev_hash FROM audit_log WHERE seq = 5)",
            ],
            "entry 5 (removed before it)",
        ),
    ],
    ids=[
        "model",
        "status",
        "user",
        "time",
        "removed",
        "last-removed",
        "swapped",
        "renumbered",
        "oldest-removed",
    ],
)
def test_verify_names_the_entry_changed_removed_or_reordered(
    written_log: Settings, statements: list[str], named: str
) -> None:
    """Through the library: the CLI's report of a failed check is checked below."""
    tamper(written_log, *statements)
    assert asyncio.run(first_problem(written_log)) == named


async def first_problem(settings: Settings) -> str:
    """The problem ``verify`` finds first, as the CLI names it ("entry 3 (changed)")."""
    database = Database(settings.resolved_database_url)
    try:
        problem = (await verify(database)).problem
    finally:
        await database.close()
    assert problem is not None
    return f"entry {problem.seq} ({problem.kind})"


# -- several processes -----------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    with fresh_postgres_database() as url:
        yield url


def test_two_processes_append_to_one_chain(database_url: str | None, tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            database_url=database_url,
        )
        env = process_env(settings)
        if database_url:
            env["CAREERGATE_DATABASE_URL"] = database_url
        with ExitStack() as running:
            served = [running.enter_context(serve_process(env)) for _ in range(2)]
            gateways = [RunningGateway(process.base_url, settings, fake) for process in served]
            key = gateways[0].create_key(user="multi")

            async def ask_all() -> None:
                clients = [g.async_client(key, timeout=60) for g in gateways]
                await asyncio.gather(
                    *(
                        clients[n % 2].chat.completions.create(
                            model="gpt-4o-mini", messages=[{"role": "user", "content": f"q{n}"}]
                        )
                        for n in range(120)
                    )
                )
                for client in clients:
                    await client.close()

            asyncio.run(ask_all())
        # Both processes have stopped: every entry is written.
        verdict = orjson.loads(run_cli(env, "audit", "verify", "--json").stdout)
        assert verdict["checked"] == verdict["head_seq"] > 120  # and the first admin key's
        lines = run_cli(env, "audit", "export", "--user", "multi").stdout.splitlines()
        assert [orjson.loads(line)["action"] for line in lines] == ["ai.chat"] * 120


def test_entries_written_before_the_chain_are_chained_by_the_migration(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", master_key=MasterKey.generate().to_base64())

    async def upgrade() -> None:
        database = Database(settings.resolved_database_url)
        await database.migrate("0011")
        async with database.engine.begin() as connection:
            for n in range(3):
                await connection.exec_driver_sql(
                    "INSERT INTO audit_log (at, actor, source, action, target, details) "
                    "VALUES (?, 'cli:ops', 'cli@host', 'key.created', ?, ?)",
                    (f"2026-01-0{n + 1} 10:00:00.000000", f"key-{n}", '{"user": "old"}'),
                )
        await database.migrate()
        await AuditLog(database).record(Actor("cli:ops", "cli@host"), "key.revoked", "key-0")
        await database.close()

    asyncio.run(upgrade())
    verdict = orjson.loads(run_cli(cli_env(settings), "audit", "verify", "--json").stdout)
    assert (verdict["ok"], verdict["checked"], verdict["head_seq"]) == (True, 4, 4)
    tamper(settings, 'UPDATE audit_log SET details = \'{"user": "new"}\' WHERE seq = 2')
    assert "entry 2 (changed)" in verify_fails(settings)


def test_a_batch_waits_for_the_chain_held_by_another_connection(
    database_url: str | None, tmp_path: Path
) -> None:
    """The chain's lock itself, not only its end state: while one transaction holds the
    head, another's attempt to take it waits, and then starts from the first one's head."""
    from careergate.audit.chain import AUDIT_TABLE, append, lock_head, sealed
    from careergate.storage.batch import async_transaction

    settings = Settings(
        data_dir=tmp_path / "data",
        master_key=MasterKey.generate().to_base64(),
        database_url=database_url,
    )

    def entry(n: int) -> dict[str, Any]:
        return sealed(AuditEntry(datetime.now(UTC), "cli:ops", "test", f"step.{n}"))

    async def scenario() -> None:
        database = Database(settings.resolved_database_url)
        await database.migrate()
        second_head: list[tuple[int, str]] = []

        async def second() -> None:
            async with async_transaction(database, AUDIT_TABLE) as transaction:
                seq, head, _, _ = await lock_head(transaction)
                second_head.append((seq, head))
                await append(transaction, [entry(2)])

        async with async_transaction(database, AUDIT_TABLE) as first:
            await append(first, [entry(1)])
            waiting = asyncio.create_task(second())
            await asyncio.sleep(0.5)
            assert not second_head  # still waiting for the lock
        await waiting
        assert second_head[0][0] == 1  # it chained after the first transaction's entry
        await database.close()

    asyncio.run(scenario())
    env = cli_env(settings)
    if database_url:
        env["CAREERGATE_DATABASE_URL"] = database_url
    verdict = orjson.loads(run_cli(env, "audit", "verify", "--json").stdout)
    assert (verdict["ok"], verdict["checked"]) == (True, 2)


# -- erasure ---------------------------------------------------------------------------


def _null_by_hand(seq: int) -> str:
    nulled = "UPDATE audit_log SET user_id = NULL, details = NULL, personal_salt = NULL"
    return f"{nulled} WHERE seq = {int(seq)}"


def test_an_erasure_is_told_from_fields_nulled_by_hand(written_log: Settings) -> None:
    """Entries 1-8 are about u0..u3, two each (3 and 4 about u1); the erasure of u1 is
    entry 9 and records which entries it cleared."""
    env = cli_env(written_log)
    erased = orjson.loads(run_cli(env, "privacy", "delete", "--user", "u1", "--yes").stdout)
    assert erased["audit_entries"] == 2
    verdict = orjson.loads(run_cli(env, "audit", "verify", "--json").stdout)
    assert (verdict["ok"], verdict["checked"], verdict["erased"]) == (True, 9, 2)
    entries = [orjson.loads(line) for line in run_cli(env, "audit", "export").stdout.splitlines()]
    assert [e["seq"] for e in entries if e["action"] == "privacy.erased"] == [9]
    assert entries[-1]["redactions"]["entries"] == 2

    tamper(written_log, _null_by_hand(5))
    assert "entry 5 (erased without an erasure)" in verify_fails(written_log)


@pytest.mark.parametrize(
    ("statements", "named"),
    [
        # A hand-nulled entry covered by a record naming the erasure: the seal breaks.
        ([_null_by_hand(5), "INSERT INTO audit_redactions VALUES (5, 9)"], "entry 9"),
        # An erased entry taken out of the erasure's record.
        (["DELETE FROM audit_redactions WHERE seq = 3"], "entry 3"),
        # A record naming an erasure that is not there, or an entry that is no erasure.
        ([_null_by_hand(5), "INSERT INTO audit_redactions VALUES (5, 99)"], "entry 5"),
        ([_null_by_hand(5), "INSERT INTO audit_redactions VALUES (5, 7)"], "entry 5"),
        # A record naming an erasure written before the entry.
        ([_null_by_hand(8), "UPDATE audit_redactions SET seq = 8 WHERE seq = 4"], "entry 4"),
    ],
    ids=["covered", "uncovered", "no-such-erasure", "not-an-erasure", "erased-before"],
)
def test_verify_names_the_entry_when_an_erasure_record_is_changed(
    written_log: Settings, statements: list[str], named: str
) -> None:
    """Through the library: the CLI's erasure and its report of a failed check are the
    test above's."""
    settings = written_log

    async def erase() -> None:
        database = Database(settings.resolved_database_url)
        operator = Actor("cli:ops", "cli@host")
        await erase_user(database, "u1", operator, settings.dead_letter_dir, settings.journal_dir)
        await database.close()

    asyncio.run(erase())
    tamper(settings, *statements)
    assert asyncio.run(first_problem(settings)) == f"{named} (erased without an erasure)"


def test_an_erasure_stays_verifiable_once_retention_purged_part_of_it(
    database_url: str | None, tmp_path: Path
) -> None:
    """Retention purges the oldest of the erased entries but not the erasure: the seal
    still covers them. On SQLite and PostgreSQL alike."""
    settings = Settings(
        data_dir=tmp_path / "data",
        master_key=MasterKey.generate().to_base64(),
        database_url=database_url,
    )
    now = datetime.now(UTC)
    operator = Actor("cli:ops", "cli@host")

    async def scenario() -> None:
        database = Database(settings.resolved_database_url)
        await database.migrate()
        writer = AuditWriter(database, flush_seconds=3600)
        for days, user in [(40, "ann"), (40, "bob"), (0, "ann"), (0, "bob")]:
            entry = AuditEntry(now - timedelta(days=days), "key:sk-cg-x", "gateway", "ai.chat")
            writer.record(dataclasses.replace(entry, user=user))
            await writer.flush()
        await writer.close()
        erasure = await erase_user(
            database, "ann", operator, settings.dead_letter_dir, settings.journal_dir
        )
        assert erasure.audit_entries == 2
        assert ((await verify(database)).ok, (await verify(database)).erased) == (True, 2)

        await purge(database, RetentionSettings(audit_days=30), settings.dead_letter_dir, now)
        verdict = await verify(database)
        # Entries 3 to 5 (the erasure) and the purge's own entry.
        assert (verdict.ok, verdict.anchor_seq, verdict.checked, verdict.erased) == (
            True,
            2,
            4,
            1,
        )
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE audit_log SET user_id = NULL, details = NULL, personal_salt = NULL "
                    "WHERE seq = 4"
                )
            )
        problem = (await verify(database)).problem
        assert problem is not None
        assert (problem.seq, problem.kind) == (4, "erased without an erasure")
        await database.close()

    asyncio.run(scenario())


def test_entries_erased_before_erasures_were_recorded_are_adopted_by_the_migration(
    database_url: str | None, tmp_path: Path
) -> None:
    """An erasure before revision 0015 left no record: the migration records the entries
    it finds erased then in one entry of its own; fields nulled afterwards still fail.
    On SQLite and PostgreSQL alike."""
    settings = Settings(
        data_dir=tmp_path / "data",
        master_key=MasterKey.generate().to_base64(),
        database_url=database_url,
    )
    operator = Actor("cli:ops", "cli@host")

    def downgrade(connection: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")

    async def scenario() -> None:
        database = Database(settings.resolved_database_url)
        await database.migrate()
        for n in range(3):
            await AuditLog(database).record(operator, "key.created", f"k{n}", {"n": n}, user="u")
        async with database.engine.begin() as connection:
            await connection.run_sync(downgrade)
            await connection.execute(text(_null_by_hand(2)))  # as an erasure did before 0015
        await database.migrate()
        verdict = await verify(database)
        assert (verdict.ok, verdict.checked, verdict.erased) == (True, 4, 1)
        last = [entry async for entry in AuditLog(database).export()][-1]
        assert (last.action, last.redactions) == (
            "privacy.erasures_recorded",
            {"entries": 1, "seal": seal([2])},
        )
        async with database.engine.begin() as connection:
            await connection.execute(text(_null_by_hand(3)))
        problem = (await verify(database)).problem
        assert problem is not None
        assert (problem.seq, problem.kind) == (3, "erased without an erasure")
        await database.close()

    asyncio.run(scenario())


def test_an_erasure_with_the_cache_out_of_reach_is_finished_and_audited(
    written_log: Settings,
) -> None:
    """The shared cache out of reach (nothing listens at its address): the gateways
    erase its entries when they next see the erasure, so the erasure itself (the
    audit log's entries above all) goes on and is recorded."""
    env = {**cli_env(written_log), "CAREERGATE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    done = run_cli(env, "privacy", "delete", "--user", "u1", "--yes")
    erased = orjson.loads(done.stdout)
    assert (erased["audit_entries"], erased["cache_entries"]) == (2, 0)
    exported = run_cli(env, "audit", "export").stdout
    assert '"action":"privacy.erased"' in exported.replace(" ", "")
    assert run_cli(env, "audit", "verify").returncode == 0
