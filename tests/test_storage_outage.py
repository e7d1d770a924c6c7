"""A store out of reach is a clear 503 in OpenAI's format, never a 500 that says
careergate broke: PostgreSQL cut behind a proxy (the gateway keeps running), then back.

Skipped with a reason when no server is reachable, except under CI (``CI=true``)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openai
import pytest
from sqlalchemy.engine import make_url

from careergate.sandbox.faults import Fault
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, start_gateway, wait_for
from tcp_proxy import CuttableProxy
from test_postgres import fresh_postgres_database

pytestmark = pytest.mark.postgres

MESSAGES = [{"role": "user", "content": "Rate my resume"}]


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[RunningGateway, CuttableProxy]]:
    """A gateway whose PostgreSQL is reached through a proxy the test can cut."""
    with (
        fresh_postgres_database() as direct,
        FakeOpenAI() as fake,
        CuttableProxy(make_url(direct).port or 5432) as proxy,
    ):
        url = str(make_url(direct).set(host="127.0.0.1", port=proxy.port))
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            database_url=url,
        )
        for gateway in start_gateway(settings, fake):
            yield gateway, proxy


def answered_again(client: openai.OpenAI, seconds: float = 20) -> bool:
    """Whether a call is answered within ``seconds``, refused meanwhile only with 503s
    (the pool reconnecting)."""
    deadline = time.monotonic() + seconds
    statuses: set[int] = set()
    while time.monotonic() < deadline:
        try:
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        except openai.APIStatusError as error:
            statuses.add(error.status_code)
            time.sleep(0.2)
            continue
        return statuses <= {503}
    return False


def test_with_postgresql_out_of_reach_a_call_is_a_503_to_retry_and_none_fails_unexpectedly(
    proxied: tuple[RunningGateway, CuttableProxy], caplog: pytest.LogCaptureFixture
) -> None:
    """While the database is cut, a key without a budget and one with a budget get a
    503 ``storage_unavailable`` with ``retry-after`` (once the key cache has expired), not
    a 500 ``internal_error``; a call answered as the cut begins is answered, its budget's
    settlement failing is logged once, and no task's failure goes unretrieved. Once the
    database is back, calls are answered again and the answered call is metered."""
    caplog.set_level(logging.WARNING)
    gateway, proxy = proxied
    plain = gateway.create_key()
    budgeted = gateway.create_key(budget_usd=Decimal("5"))
    gateway.client(budgeted).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    gateway.fake.faults.enqueue(Fault(delay=1.0))
    answered: list[str] = []

    def slow_call() -> None:
        raw = gateway.client(budgeted).chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=MESSAGES
        )
        answered.append(raw.headers["x-request-id"])

    sent = len(gateway.fake.requests)
    caller = threading.Thread(target=slow_call)
    caller.start()
    # Admitted, its budget held: the upstream is answering (a second's delay).
    wait_for(lambda: len(gateway.fake.requests) > sent)
    proxy.cut()
    caller.join(30)
    assert answered, "a call answered upstream during the cut must be answered"
    time.sleep(0.5)  # the key cache (0.2 s) has expired: the keys must be read again
    for key in (plain, budgeted):
        with pytest.raises(openai.APIStatusError) as refused:
            gateway.client(key).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        assert refused.value.status_code == 503
        assert refused.value.code == "storage_unavailable"
        assert refused.value.type == "server_error"
        assert int(refused.value.response.headers["retry-after"]) > 0
        assert refused.value.response.headers["x-should-retry"] == "true"
    proxy.restore()

    for key in (plain, budgeted):
        assert answered_again(gateway.client(key)), "not answered once the database is back"
    assert gateway.usage_record(answered[0], timeout=20).status_code == 200
    logged = [record.getMessage() for record in caplog.records]
    assert not [line for line in logged if "never retrieved" in line]
    assert not [line for line in logged if line == "unexpected failure"]
    assert len([line for line in logged if "could not settle the budget" in line]) == 1


def test_a_missing_table_is_a_bug_to_report_not_an_outage_to_retry(tmp_path: Path) -> None:
    """SQLite raises one error class for a file held by another writer and for a
    statement that is wrong: a missing table (a schema no migration made) is a 500
    ``internal_error``, which no retry mends, not a 503 asking the caller to retry."""
    with FakeOpenAI() as fake:
        deployments = [
            {"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}
        ]
        settings = gateway_settings(tmp_path, deployments)
        for gateway in start_gateway(settings, fake):
            key = gateway.create_key()  # not yet read: its first call reads the table
            with sqlite3.connect(settings.data_dir / "careergate.db") as database:
                database.execute("DROP TABLE api_keys")
            with pytest.raises(openai.InternalServerError) as failed:
                gateway.client(key).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            assert failed.value.status_code == 500
            assert failed.value.code == "internal_error"
