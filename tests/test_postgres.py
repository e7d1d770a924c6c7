"""The same gateway on PostgreSQL, over a real connection.

Skipped with a reason when no server is reachable, except under CI (``CI=true``), where
a missing server fails the run.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from careergate.testing import FakeOpenAI
from conftest import Gateway, gateway_settings, postgres_url, start_gateway

pytestmark = pytest.mark.postgres


def _admin_dsn(url: str) -> str:
    parsed = make_url(url)
    return str(parsed.set(drivername="postgresql")).replace("***", parsed.password or "")


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    """A new, empty database for this module; dropped afterwards."""
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
def pg_gateway(
    postgres_database: str, module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    settings = gateway_settings(
        tmp_path_factory.mktemp("pg"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        database_url=postgres_database,
    )
    yield from start_gateway(settings, module_fake)


def test_requests_keys_and_usage_on_postgresql(pg_gateway: Gateway) -> None:
    client = pg_gateway.client(pg_gateway.create_key(user="pat", team="platform"))
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}]
    )
    completion = raw.parse()

    row = pg_gateway.usage_record(raw.headers["x-request-id"])
    assert (row.user_id, row.team, row.status_code) == ("pat", "platform", 200)
    assert row.prompt_tokens == completion.usage.prompt_tokens  # type: ignore[union-attr]
    assert row.created_at.tzinfo is not None


def test_streams_are_metered_on_postgresql(pg_gateway: Gateway) -> None:
    client = pg_gateway.client()
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hello"}], stream=True
    ) as response:
        request_id = response.headers["x-request-id"]
        list(response.iter_lines())
    row = pg_gateway.usage_record(request_id)
    assert row.stream
    assert row.completion_tokens > 0


def test_sqlite_file_holds_nothing_when_postgresql_is_used(pg_gateway: Gateway) -> None:
    assert not Path(pg_gateway.settings.data_dir, "careergate.db").exists()
