"""A user's rights (export everything, erase it with the totals kept) and retention
(old records purged, report totals and the audit chain intact)."""

from __future__ import annotations

import asyncio
import fcntl
import getpass
import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openai
import orjson
import pytest
from sqlalchemy import func, select

from careergate.audit.entry import AuditEntry
from careergate.audit.log import Actor, AuditLog
from careergate.audit.verify import verify
from careergate.governance.user_data import erase_user, export_user
from careergate.records.erasure import erase_from_journals
from careergate.records.tables import AuditWriter, UsageWriter
from careergate.security.master_key import MasterKey
from careergate.settings import Settings
from careergate.storage.backup import read_backup
from careergate.storage.database import Database
from careergate.storage.tables import BudgetLeaseRow, FeedbackRow, UsageRow
from careergate.tasks.store import NewTask, TaskStore
from careergate.testing import FakeOpenAI, Fault
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
from test_audit_log import audit_export
from test_keys_access import admin_call
from test_postgres import fresh_postgres_database
from test_scale_out import process_env
from test_skills_feature import post_feature

USER = "wren-q7xk"
OTHER = "oak-2b9m"
TEAM = "atlas"


def old_usage(user: str, days_ago: float, n: int) -> UsageRecord:
    return UsageRecord(
        request_id=f"old-{uuid.uuid4().hex}",
        created_at=datetime.now(UTC) - timedelta(days=days_ago),
        endpoint="chat/completions",
        status_code=200,
        latency_ms=3.0,
        user_id=user,
        team=TEAM,
        client="10.1.2.3",
        model_requested="gpt-4o-mini",
        cost_nano_usd=1500,
        usage=TokenUsage(prompt_tokens=10 + n, completion_tokens=4),
    )


async def seed(database: Database, records: list[UsageRecord]) -> None:
    writer = UsageWriter(database, flush_seconds=3600)
    for record in records:
        writer.record(record)
    await writer.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[RunningGateway]:
    """A gateway of its own (its database file is searched byte by byte), with usage of
    three days ago (summed into daily rows at start), and a usage record and an audit
    entry set aside."""
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
        )
        records = [old_usage(user, 3, n) for user in (USER, OTHER) for n in range(2)]
        in_database(settings, lambda database: seed(database, records))
        settings.dead_letter_dir.mkdir(parents=True)
        (settings.dead_letter_dir / "usage-2026-01-01.jsonl").write_bytes(
            orjson.dumps({"request_id": "r1", "user_id": USER, "client": "10.9.9.9"}) + b"\n"
        )
        audit_entry = {"request_id": "r2", "user_id": USER, "details": {"e": USER}}
        (settings.dead_letter_dir / "audit-2026-01-01.jsonl").write_bytes(
            orjson.dumps({**audit_entry, "personal_salt": "ab" * 32}) + b"\n"
        )
        yield from start_gateway(settings, fake)


def team_totals(gateway: RunningGateway) -> dict[str, Any]:
    env = cli_env(gateway.settings)
    report = orjson.loads(
        run_cli(env, "usage", "--by", "team", "--since", "30d", "--format", "json").stdout
    )
    return {line["group"]: line for line in report["lines"]} | {"total": report["total"]}


def use_the_platform(gateway: RunningGateway) -> str:
    """The user's key, calls, feedback and budget; the key."""
    key = gateway.create_key(user=USER, team=TEAM, name=f"{USER}'s key", metadata={"e": USER})
    client = gateway.client(key)
    for n in range(3):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"question {n}"}]
        )
    other = gateway.client(gateway.create_key(user=OTHER, team=TEAM))
    raw = other.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "mine"}]
    )
    gateway.usage_record(raw.headers["x-request-id"])  # written: the team's totals hold it
    status, _ = post_feature(
        gateway, "feedback", key, {"feature": "skills", "action": "accepted", "model": "m"}
    )
    assert status == 200
    env = cli_env(gateway.settings)
    run_cli(env, "budgets", "create", "--scope", "user", "--subject", USER, "--limit-usd", "5")
    return key


def test_export_holds_everything_about_the_user(served: RunningGateway) -> None:
    key = use_the_platform(served)
    admin = served.create_key(role="admin")
    audit_export(served, admin, f"user={USER}", 4)
    out = served.settings.data_dir.parent / "export.json"
    run_cli(cli_env(served.settings), "privacy", "export", "--user", USER, "--out", str(out))
    document = orjson.loads(out.read_bytes())
    assert oct(out.stat().st_mode & 0o777) == "0o600"

    assert [k["user"] for k in document["keys"]] == [USER]
    assert key not in out.read_text()
    assert len(document["usage_records"]) == 2 + 3
    assert {r["user_id"] for r in document["usage_records"]} == {USER}
    assert {r["user_id"] for r in document["usage_daily"]} == {USER}
    assert [f["action"] for f in document["feedback"]] == ["accepted"]
    assert [b["subject"] for b in document["budgets"]] == [USER]
    actions = sorted(e["action"] for e in document["audit_entries"])
    assert actions == ["ai.chat"] * 3 + ["budget.created"]

    status, over_http = admin_call(served, admin, "GET", f"/admin/privacy/export?user={USER}")
    assert status == 200
    assert len(over_http["usage_records"]) == 5


def test_delete_erases_the_user_everywhere_and_keeps_team_totals(served: RunningGateway) -> None:
    key = use_the_platform(served)
    admin = served.create_key(role="admin")
    audit_export(served, admin, f"user={USER}", 4)
    before = team_totals(served)
    assert before[TEAM]["requests"] == 4 + 4

    env = cli_env(served.settings)
    erased = orjson.loads(run_cli(env, "privacy", "delete", "--user", USER, "--yes").stdout)
    assert erased | {"token": None} == erased | {
        "token": None,
        "usage_records": 5,
        "usage_daily": 1,
        "feedback": 1,
        "keys_revoked": 1,
        "budgets": 1,
        "audit_entries": 4,
        "dead_letter_records": 2,
    }
    set_aside = {
        path.name.split("-")[0]: orjson.loads(path.read_bytes())
        for path in served.settings.dead_letter_dir.glob("*.jsonl")
    }
    assert set_aside["usage"] == {"request_id": "r1", "user_id": erased["token"], "client": None}
    assert set_aside["audit"] == {
        "request_id": "r2",
        "user_id": None,
        "details": None,
        "personal_salt": None,
    }

    assert team_totals(served) == before
    # A revoked key is refused once the gateway's key cache has let it go: a call before
    # then would be answered, and would write the erased user's id again.
    time.sleep(served.settings.key_cache_seconds + 0.1)
    with pytest.raises(openai.AuthenticationError):
        served.client(key).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "again"}]
        )
    files = sorted(served.settings.data_dir.rglob("*"))
    for path in files:
        if path.is_file():
            assert USER.encode() not in path.read_bytes(), path
    backup = served.settings.data_dir.parent / "after.cgbk"
    run_cli(env, "backup", "create", "--out", str(backup))
    assert served.settings.master_key is not None
    master = MasterKey.from_base64(served.settings.master_key.get_secret_value())
    _, rows = read_backup(backup, master)
    restored = b"\n".join(orjson.dumps(row) for _, row in rows)
    assert USER.encode() not in restored
    assert OTHER.encode() in restored

    assert "intact" in run_cli(env, "audit", "verify").stderr
    (entry,) = [
        orjson.loads(line)
        for line in run_cli(env, "audit", "export").stdout.splitlines()
        if b"privacy.erased" in line.encode()
    ]
    assert entry["details"]["token"] == erased["token"]
    assert USER not in orjson.dumps(entry).decode()


def test_delete_over_http(served: RunningGateway) -> None:
    use_the_platform(served)
    admin = served.create_key(role="admin")
    status, erased = admin_call(served, admin, "POST", "/admin/privacy/delete", {"user": USER})
    assert (status, erased["keys_revoked"]) == (200, 1)
    status, left = admin_call(served, admin, "GET", f"/admin/privacy/export?user={USER}")
    assert (status, left["keys"], left["usage_records"], left["budgets"]) == (200, [], [], [])


def user_rows(settings: Settings) -> tuple[list[UsageRow], int]:
    """The usage records, and how many budget leases are held."""

    async def work(database: Database) -> tuple[list[UsageRow], int]:
        async with database.session() as session:
            usage = list((await session.scalars(select(UsageRow))).all())
            leases = await session.scalar(select(func.count()).select_from(BudgetLeaseRow))
        return usage, int(leases or 0)

    return in_database(settings, work)


def files_naming(folder: Path, user: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and user.encode() in p.read_bytes()]


def ask_slowly(client: openai.OpenAI) -> str:
    try:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "slow"}], max_tokens=20
        )
    except openai.APIConnectionError:
        return "lost"
    return "ok"


def _assert_exported_in_flight(settings: Settings, calls: int, leases: int) -> None:
    """The user's export shows what the database does not hold yet: the records of their
    calls in the journals (each a usage record and its audit entry) and the leases in
    flight."""
    exported = orjson.loads(run_cli(cli_env(settings), "privacy", "export", "--user", USER).stdout)
    journalled = [r["kind"] for r in exported["journalled_records"]]
    assert journalled == ["call"] * calls
    assert len(exported["budget_leases"]) == leases


def test_erasure_reaches_a_killed_gateways_journal_and_budget_leases(tmp_path: Path) -> None:
    """A gateway is killed with the user's answered requests still in its journal (its
    batches wait an hour) and two of their requests in flight under their key's budget.
    The erasure rewrites the journal and the leases; the gateway started next replays
    and reconciles them under the erasure's token: no file and no row names the user.
    Then a living gateway's records, waiting in its journal, are waited for and erased
    in the database as well."""
    with FakeOpenAI() as fake, ThreadPoolExecutor(2) as pool:
        deployment = [
            {"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}
        ]
        settings = gateway_settings(
            tmp_path, deployment, usage_flush_seconds=3600, lease_stale_seconds=1.0
        )
        env = process_env(settings)
        with serve_process(env) as first:
            gateway = RunningGateway(first.base_url, settings, fake)
            client = gateway.client(gateway.create_key(user=USER, budget_usd="5"), timeout=60)
            for n in range(3):
                client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": f"q{n}"}]
                )
            fake.faults.enqueue(Fault(delay=300), Fault(delay=300))
            in_flight = [pool.submit(ask_slowly, client) for _ in range(2)]
            wait_for(lambda: user_rows(settings)[1] == 2, timeout=20)
            first.process.kill()
            first.process.wait(timeout=10)
        # A stall the killed gateway had not yet sent on would stall the next gateway's.
        fake.faults.clear()
        assert [f.result(timeout=30) for f in in_flight] == ["lost", "lost"]
        assert files_naming(settings.journal_dir, USER), "the killed gateway journalled none"
        _assert_exported_in_flight(settings, calls=3, leases=2)

        erased = orjson.loads(
            run_cli(cli_env(settings), "privacy", "delete", "--user", USER, "--yes").stdout
        )
        assert (erased["journal_records"], erased["journal_pending"]) == (6, 0)  # 3 + 3 audit
        assert erased["budget_leases"] == 2
        assert files_naming(settings.data_dir, USER) == []

        replaying = start_gateway(
            gateway_settings(
                tmp_path,
                deployment,
                usage_flush_seconds=0.5,
                lease_stale_seconds=1.0,
                master_key=settings.master_key,
            ),
            fake,
        )
        second = next(replaying)
        try:
            # Replayed and reconciled within seconds; the bound is a loaded machine's
            # (20 s ran out twice beside the privacy tests' name models on two cores).
            wait_for(lambda: len(user_rows(settings)[0]) == 5, timeout=60)
            rows, leases = user_rows(settings)
            assert leases == 0
            assert {r.user_id for r in rows} == {erased["token"]}
            assert sorted(r.reconciled for r in rows) == [False, False, False, True, True]

            # A living gateway: the records wait in its journal for up to half a second.
            other = second.client(second.create_key(user=OTHER))
            for n in range(2):
                other.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": f"o{n}"}]
                )
            admin = second.create_key(role="admin")
            status, by_http = admin_call(
                second, admin, "POST", "/admin/privacy/delete", {"user": OTHER}
            )
            assert (status, by_http["journal_pending"]) == (200, 0)
            # Committed before the erasure reached the database, which waited for them:
            # none can land after it.
            assert by_http["usage_records"] == 2
            assert OTHER not in {r.user_id for r in user_rows(settings)[0]}
            assert files_naming(settings.data_dir, USER) == []
            assert files_naming(settings.journal_dir, OTHER) == []
            assert in_database(settings, verify).ok
        finally:
            next(replaying, None)


def test_journal_erasure_drops_cut_lines_and_reports_what_a_living_process_holds(
    tmp_path: Path,
) -> None:
    """A dead process's segment with a line cut short (a power loss) that names the user:
    the line goes, the whole records are erased. A living process's segment (its lock
    held) is waited for, then reported as pending, untouched."""
    journal = tmp_path / "journal"
    journal.mkdir()
    usage = orjson.dumps({"request_id": "r1", "user_id": USER, "client": "10.0.0.1"})
    audit = orjson.dumps({"request_id": "r1", "user": USER, "details": {"e": USER}})
    dead = journal / "111-dead.usage.00000001.jsonl"
    dead.write_bytes(usage + b"\n" + usage[:-8] + b"\n")  # cut after the user
    (journal / "111-dead.audit.00000001.jsonl").write_bytes(audit + b"\n")
    living = journal / "222-live.usage.00000001.jsonl"
    living.write_bytes(usage + b"\n")
    with (journal / "222-live.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        erased = asyncio.run(erase_from_journals(journal, USER, "erased-t", wait=0.2))
    assert (erased.records, erased.pending) == (3, 1)
    assert orjson.loads(dead.read_bytes()) == {
        "request_id": "r1",
        "user_id": "erased-t",
        "client": None,
    }
    assert USER.encode() not in (journal / "111-dead.audit.00000001.jsonl").read_bytes()
    assert living.read_bytes() == usage + b"\n"


# -- retention -------------------------------------------------------------------------


def test_purge_keeps_totals_and_the_audit_chain(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", master_key=MasterKey.generate().to_base64())
    now = datetime.now(UTC)

    async def fill(database: Database) -> None:
        await seed(
            database,
            [old_usage(OTHER, days, n) for days in (40, 20, 0) for n in range(2)],
        )
        writer = AuditWriter(database, flush_seconds=3600)
        for days in (40, 39, 20, 0):
            writer.record(
                AuditEntry(now - timedelta(days=days), "key:sk-cg-x", "gateway", "ai.chat")
            )
        await writer.close()
        async with database.session() as session, session.begin():
            for days in (400, 1):
                session.add(
                    FeedbackRow(at=now - timedelta(days=days), feature="s", action="accepted")
                )

    in_database(settings, fill)
    old_file = settings.dead_letter_dir / "usage-2020-01-01.jsonl"
    settings.dead_letter_dir.mkdir(parents=True)
    old_file.write_bytes(b"{}\n")
    long_ago = time.time() - 90 * 86400
    os.utime(old_file, (long_ago, long_ago))
    env = cli_env(settings)
    before = orjson.loads(
        run_cli(env, "usage", "--by", "team", "--since", "60d", "--format", "json").stdout
    )

    retention = env | {
        "CAREERGATE_RETENTION_USAGE_DAYS": "30",
        "CAREERGATE_RETENTION_AUDIT_DAYS": "30",
        "CAREERGATE_RETENTION_FEEDBACK_DAYS": "365",
    }
    purged = orjson.loads(run_cli(retention, "privacy", "purge").stdout)
    assert purged == {
        "usage_records": 2,
        "audit_entries": 2,
        "feedback": 1,
        "eval_results": 0,
        "dead_letter_files": 1,
        "kept_responses": 0,
        "tasks": 0,
    }
    after = orjson.loads(
        run_cli(env, "usage", "--by", "team", "--since", "60d", "--format", "json").stdout
    )
    assert after["total"] == before["total"]
    verdict = orjson.loads(run_cli(env, "audit", "verify", "--json").stdout)
    # The two entries left, and the purge's own entry after them.
    assert (verdict["ok"], verdict["anchor_seq"], verdict["checked"]) == (True, 2, 3)
    exported = run_cli(env, "audit", "export", "--since", "1h").stdout.splitlines()
    purge_entry = orjson.loads(exported[-1])
    assert (purge_entry["action"], purge_entry["actor"]) == ("audit.purged", env_actor())
    assert purge_entry["details"]["entries"] == 2
    assert purge_entry["details"]["through_seq"] == 2
    assert not old_file.exists()
    again = orjson.loads(run_cli(retention, "privacy", "purge").stdout)
    assert set(again.values()) == {0}


def env_actor() -> str:
    """The CLI's actor: the operator's login."""
    return f"cli:{getpass.getuser()}"


def test_a_retention_period_out_of_range_is_refused_and_nothing_purged(tmp_path: Path) -> None:
    """Each kind's period, each out of range in another way (one gateway's data: every
    command here starts an interpreter, which is most of this test's time)."""
    settings = Settings(data_dir=tmp_path / "data", master_key=MasterKey.generate().to_base64())
    env = cli_env(settings)
    run_cli(env, "db", "init")
    run_cli(env, "keys", "create", "--user", "ann")
    for kind, days in [("AUDIT", "-1"), ("TASKS", "0"), ("USAGE", "1e9"), ("AUDIT", "nan")]:
        variable = f"CAREERGATE_RETENTION_{kind}_DAYS"
        done = run_cli(env | {variable: days}, "privacy", "purge", check=False)
        assert done.returncode == 2, done.stderr
        assert variable in done.stderr
        assert "Traceback" not in done.stderr
        assert "a bug" not in done.stderr
    verdict = orjson.loads(run_cli(env, "audit", "verify", "--json").stdout)
    assert (verdict["ok"], verdict["anchor_seq"], verdict["checked"]) == (True, 0, 1)


async def seed_tasks(database: Database) -> None:
    """A task of the user's, and another's with items naming the user (in the item, and
    in a batch line's body) beside one of another user."""
    store = TaskStore(database)
    await store.create(NewTask("task_u", "chat.completions", "k1", USER, None, {}, None), [{}])
    lines = [
        {"resume": {}, "job": {}, "user": USER},
        {"custom_id": "1", "body": {"user": USER}},
        {"resume": {}, "job": {}, "user": OTHER},
    ]
    await store.create(NewTask("task_s", "resumes.generate", "k2", None, None, {}, None), lines)


def test_erasure_on_postgresql(tmp_path: Path) -> None:
    async def scenario(url: str) -> None:
        database = Database(url)
        await database.migrate()
        await seed(database, [old_usage(USER, 0, n) for n in range(2)])
        await AuditLog(database).record(
            Actor("cli:ops", "cli@host"), "key.created", "k", {"u": USER}, user=USER
        )
        await seed_tasks(database)
        assert len((await export_user(database, USER))["task_items"]) == 1 + 2
        erased = await erase_user(
            database, USER, Actor("cli:ops", "cli@host"), tmp_path, tmp_path / "journal"
        )
        assert (erased.usage_records, erased.audit_entries) == (2, 1)
        assert (erased.tasks, erased.task_items) == (1, 2)  # an item's user, or its body's
        left = await export_user(database, USER)
        assert (left["usage_records"], left["audit_entries"]) == ([], [])
        assert (left["tasks"], left["task_items"]) == ([], [])
        assert (await verify(database)).ok
        await database.close()

    with fresh_postgres_database() as url:
        asyncio.run(scenario(url))
