"""The same gateway on PostgreSQL, over a real connection.

Skipped with a reason when no server is reachable, except under CI (``CI=true``), where
a missing server fails the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from careergate.audit.log import Actor
from careergate.auth.permissions import KeySpec
from careergate.auth.principal import Role
from careergate.budgets.ledger import Scope
from careergate.observability.alerts import Alert
from careergate.runtime import alert_center, envelope, key_admin, open_database
from careergate.security.envelope import Envelope
from careergate.security.master_key import MasterKey
from careergate.storage.backup import create_backup, restore_backup
from careergate.storage.database import Database
from careergate.testing import FakeOpenAI
from careergate.vault.store import Vault
from conftest import (
    RunningGateway,
    gateway_settings,
    postgres_url,
    start_gateway,
    usage_totals_of,
    wait_for,
)
from test_budgets import run_against_budget
from test_keys_access import admin_call

pytestmark = pytest.mark.postgres


def _admin_dsn(url: str) -> str:
    parsed = make_url(url)
    return str(parsed.set(drivername="postgresql")).replace("***", parsed.password or "")


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    base = postgres_url()
    name = f"careergate_test_{secrets.token_hex(4)}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(_admin_dsn(base), timeout=5)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI but unreachable at {base}: {exc}")
        pytest.skip(f"no PostgreSQL server reachable at {base}: {exc}")
    try:
        yield str(make_url(base).set(database=name))
    finally:
        asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def pg_gateway(
    postgres_database: str, module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        tmp_path_factory.mktemp("pg"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        database_url=postgres_database,
    )
    yield from start_gateway(settings, module_fake)


def test_requests_keys_and_usage_on_postgresql(pg_gateway: RunningGateway) -> None:
    client = pg_gateway.client(pg_gateway.create_key(user="pat", team="platform"))
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}]
    )
    completion = raw.parse()

    row = pg_gateway.usage_record(raw.headers["x-request-id"])
    assert (row.user_id, row.team, row.status_code) == ("pat", "platform", 200)
    assert row.prompt_tokens == completion.usage.prompt_tokens  # type: ignore[union-attr]
    assert row.created_at.tzinfo is not None


def test_streams_are_metered_on_postgresql(pg_gateway: RunningGateway) -> None:
    client = pg_gateway.client()
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hello"}], stream=True
    ) as response:
        request_id = response.headers["x-request-id"]
        list(response.iter_lines())
    row = pg_gateway.usage_record(request_id)
    assert row.stream
    assert row.completion_tokens > 0


def test_sqlite_file_holds_nothing_when_postgresql_is_used(pg_gateway: RunningGateway) -> None:
    assert not Path(pg_gateway.settings.data_dir, "careergate.db").exists()


def test_a_sqlite_backup_restores_into_postgresql(gateway: RunningGateway, tmp_path: Path) -> None:
    key = gateway.create_key(user="lee", team="data")
    client = gateway.client(key)
    for n in range(3):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"hello {n}"}]
        )
    rows = gateway.usage_rows(3)
    totals = (len(rows), sum(r.prompt_tokens for r in rows), sum(r.completion_tokens for r in rows))
    backup = tmp_path / "snapshot.cgbk"
    assert gateway.settings.master_key is not None
    master = MasterKey.from_base64(gateway.settings.master_key.get_secret_value())

    async def copy(url: str) -> tuple[int, int, int]:
        source = Database(gateway.settings.resolved_database_url)
        target = Database(url)
        try:
            await create_backup(source, master, backup)
            await restore_backup(target, master, backup)
            return await usage_totals_of(target)
        finally:
            await source.close()
            await target.close()

    with fresh_postgres_database() as url:
        assert asyncio.run(copy(url)) == totals
        restored = gateway.settings.model_copy(update={"database_url": url})
        for pg in start_gateway(restored, gateway.fake):
            answer = pg.client(key).chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "restored"}]
            )
            assert answer.choices[0].message.content
            assert pg.usage_record(pg.usage_rows()[-1].request_id).user_id == "lee"


def test_keys_vault_audit_and_alerts_on_postgresql(pg_gateway: RunningGateway) -> None:
    settings = pg_gateway.settings

    async def scenario() -> tuple[str, str, list[str], list[bool]]:
        database = await open_database(settings)
        try:
            admin = await key_admin(settings, database)
            actor = Actor("test", "127.0.0.1")
            created = await admin.create(actor, KeySpec(user="mo", models=["gpt-4o-mini"]))
            rotated = await admin.rotate(actor, created.info.id, timedelta(minutes=5))
            vault = Vault(database, envelope(settings))
            await vault.add_upstream_key("primary", "sk-pg-upstream-key-1234")
            new_master = MasterKey.generate()
            await Vault(database, Envelope(new_master, master)).reseal_all()
            opened = await Vault(database, Envelope(new_master)).active_upstream_keys()
            # Back to the configured key, for the tests that share this database.
            await Vault(database, Envelope(master, new_master)).reseal_all()
            center = alert_center(settings, database)
            alert = Alert("key_unused", f"key:{created.info.id}", "unused")
            sent = [await center.raise_alert(alert), await center.raise_alert(alert)]
            actions = [e.action for e in await admin.audit.entries()]
            return (
                created.secret,
                rotated.secret,
                [s for _, s in opened["primary"]],
                [*sent, "key.rotated" in actions],
            )
        finally:
            await database.close()

    assert settings.master_key is not None
    master = MasterKey.from_base64(settings.master_key.get_secret_value())
    old, new, upstream, checks = asyncio.run(scenario())
    assert upstream == ["sk-pg-upstream-key-1234"]
    assert checks == [True, False, True]
    for secret in (old, new):  # both work during the grace period
        with pg_gateway.client(secret) as client:
            assert client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
            ).choices


def test_a_hard_budget_holds_under_concurrency_on_postgresql(pg_gateway: RunningGateway) -> None:
    key = pg_gateway.create_key(user="pg-budget")
    run_against_budget([pg_gateway], Scope.USER, "pg-budget", key, worst_cases=8, requests=40)


def test_budget_burn_down_on_postgresql(
    pg_gateway: RunningGateway,
) -> None:
    admin = pg_gateway.create_key(role=Role.ADMIN)
    client = pg_gateway.client(pg_gateway.create_key(team="burn"))
    status, _ = admin_call(
        pg_gateway,
        admin,
        "POST",
        "/admin/budgets",
        {"scope": "team", "subject": "burn", "limit_usd": "1"},
    )
    assert status == 201
    for _ in range(2):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )
    pg_gateway.usage_rows()
    wait_for(lambda: _burnt(pg_gateway, admin))
    status, body = admin_call(pg_gateway, admin, "GET", "/admin/budgets")
    [budget] = [b for b in body["data"] if b["subject"] == "burn"]
    assert budget["burn_down"][-1]["spent_usd"] == budget["spent_usd"]
    assert budget["forecast_usd"] is not None


def _burnt(gateway: RunningGateway, admin: str) -> bool:
    _, body = admin_call(gateway, admin, "GET", "/admin/budgets")
    return any(b["subject"] == "burn" and b["burn_down"] for b in body["data"])


def test_a_shared_database_without_redis_says_rate_limits_are_counted_apart(
    module_fake: FakeOpenAI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Replicas of one database count rate limits apart without Redis: said at start."""
    deployments = [
        {"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}
    ]
    with fresh_postgres_database() as url, caplog.at_level(logging.WARNING, logger="careergate"):
        settings = gateway_settings(tmp_path, deployments, database_url=url)
        for _ in start_gateway(settings, module_fake):
            pass
    assert any("CAREERGATE_REDIS_URL" in record.getMessage() for record in caplog.records)
