"""The Files and Batch APIs against llmock, an independent OpenAI mock with a Batch API
of its own: the batch runs upstream, and the gateway follows it until it ends and
meters it once, at batch prices, whether or not anyone polls it, across a restart.

llmock fails the lines it cannot run (here, a Responses API line), as an upstream
that fails part of a batch: those lines land in the error file."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openai
import pytest
from llmock.routers import batch as llmock_batches
from llmock.testing import LLMockServer
from sqlalchemy import select

from careergate.auth.keys import KeyHasher
from careergate.auth.principal import Role
from careergate.batches.metering import line_request_id
from careergate.settings import BatchSettings, Settings
from careergate.storage.database import Database
from careergate.storage.tables import BudgetLeaseRow, BudgetWindowRow, UsageRow
from conftest import (
    RunningGateway,
    cli_env,
    gateway_settings,
    in_database,
    run_cli,
    start_gateway,
)
from test_batches import EMAIL, jsonl, line
from test_keys_access import admin_call

pytestmark = [
    pytest.mark.timeout(60),
    # llmock's upload handler leaves its multipart form's spooled file to the garbage
    # collector; ``collect_llmocks_uploads`` collects it while this filter applies.
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in.*SpooledTemporaryFile:pytest.PytestUnraisableExceptionWarning"
    ),
]


@pytest.fixture(autouse=True)
def collect_llmocks_uploads() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture(scope="module")
def mock() -> Iterator[LLMockServer]:
    delay = llmock_batches._BATCH_DELAY
    llmock_batches._BATCH_DELAY = 0.5  # the mock's own setting: how long a batch takes
    try:
        with LLMockServer() as server:
            yield server
    finally:
        llmock_batches._BATCH_DELAY = delay


def settings_for(mock: LLMockServer, where: Path) -> Settings:
    deployment = {
        "name": "llmock",
        "provider": "openai-compatible",
        "base_url": mock.base_url(),
        "endpoints": ["chat/completions", "responses", "batches"],
    }
    return gateway_settings(
        where,
        [deployment],
        extra_config={"privacy": {"mode": "pseudonymise", "names": False}},
        batches=BatchSettings(poll_seconds=0.1),
    )


@pytest.fixture(scope="module")
def gateway(
    mock: LLMockServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    # Only the sandbox's fixtures read ``.fake``; against llmock it is not there.
    yield from start_gateway(settings_for(mock, tmp_path_factory.mktemp("llmock")), None)  # type: ignore[arg-type]


def batch_rows(gateway: RunningGateway, expected: int, timeout: float = 10.0) -> list[UsageRow]:
    deadline = time.monotonic() + timeout
    while True:
        rows = [r for r in gateway.usage_rows() if r.endpoint.startswith("batch:")]
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def table(settings: Settings, row: Any) -> list[Any]:
    async def read(database: Database) -> list[Any]:
        async with database.session() as session:
            return list((await session.scalars(select(row))).all())

    return in_database(settings, read)


def batch_price(prompt: int, completion: int) -> int:
    """gpt-4o-mini at batch prices ($0.075 and $0.30 per million), in nano-dollars."""
    pico = prompt * 75_000 + completion * 300_000
    return (pico + 500) // 1000


def _a_batch_llmock_fails(gateway: RunningGateway, client: openai.OpenAI) -> tuple[Any, int]:
    """A batch of one Responses API line, which llmock cannot run: as an upstream that
    fails a batch's lines, it puts it in its error file. The batch, and what it holds."""
    responses = {
        "custom_id": "responses",
        "method": "POST",
        "url": "/v1/responses",
        "body": {"model": "gpt-4o-mini", "input": "hello"},
    }
    unrunnable = client.files.create(file=("responses.jsonl", jsonl(responses)), purpose="batch")
    failing = client.batches.create(
        input_file_id=unrunnable.id, endpoint="/v1/responses", completion_window="24h"
    )
    held = sum(
        lease.cost_nano_usd
        for lease in table(gateway.settings, BudgetLeaseRow)
        if lease.owner == f"batch:{failing.id}"
    )
    return failing, held


def test_a_batch_nobody_polls_is_metered_once_at_batch_prices(
    gateway: RunningGateway, mock: LLMockServer
) -> None:
    key = gateway.create_key(budget_usd=Decimal("5"))
    client = gateway.client(key)
    content = jsonl(
        line("mail", f"Reply to {EMAIL} kindly."),
        line("skills", "List Python skills."),
        line("summary", "Summarise a nurse's resume."),
    )
    uploaded = client.files.create(file=("requests.jsonl", content), purpose="batch")
    assert all(EMAIL not in f["content"] for f in llmock_batches._files.values())
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    leases = table(gateway.settings, BudgetLeaseRow)
    assert [lease.owner for lease in leases] == [f"batch:{batch.id}"]
    held = leases[0].cost_nano_usd
    assert held > 0
    failing, held_too = _a_batch_llmock_fails(gateway, client)
    held += held_too

    rows = batch_rows(gateway, 4)  # nobody retrieves the batch: the follower meters it
    assert len(rows) == 4
    done = [r for r in rows if r.status_code == 200]
    assert len(done) == 3
    assert all(r.completion_tokens > 0 for r in done)
    for row in done:
        assert row.cost_nano_usd == batch_price(row.prompt_tokens, row.completion_tokens)
    failed = next(r for r in rows if r.status_code != 200)
    assert (failed.cost_nano_usd, failed.error_code) == (0, "unsupported_endpoint")
    assert all(r.key_id == done[0].key_id for r in rows)
    assert not table(gateway.settings, BudgetLeaseRow)
    windows = table(gateway.settings, BudgetWindowRow)
    assert [(w.spent_nano_usd, w.reserved_nano_usd) for w in windows] == [
        (sum(r.cost_nano_usd or 0 for r in rows), 0)
    ]
    assert windows[0].spent_nano_usd < held

    for _ in range(3):
        ended = client.batches.retrieve(batch.id)
    assert ended.status == "completed"
    assert ended.request_counts is not None
    assert (ended.request_counts.completed, ended.request_counts.failed) == (3, 0)
    assert ended.output_file_id
    failed_batch = client.batches.retrieve(failing.id)
    assert failed_batch.error_file_id
    output = client.files.content(ended.output_file_id).text
    assert EMAIL in output  # llmock echoed the placeholder it was sent
    assert sorted(json.loads(t)["custom_id"] for t in output.splitlines()) == [
        "mail",
        "skills",
        "summary",
    ]
    error_file = client.files.content(failed_batch.error_file_id).text
    errors = [json.loads(t) for t in error_file.splitlines()]
    assert [e["custom_id"] for e in errors] == ["responses"]
    assert len(batch_rows(gateway, 5, timeout=0.5)) == 4  # never metered again

    # Each line metered has its audit entry, naming the batch, written with its usage.
    entries = [
        json.loads(text)
        for target in (batch.id, failing.id)
        for text in run_cli(
            cli_env(gateway.settings), "audit", "export", "--target", target
        ).stdout.splitlines()
    ]
    assert sorted(e["request_id"] for e in entries) == sorted(r.request_id for r in rows)
    by_action = sorted((e["action"], e["status"], e["pii_action"]) for e in entries)
    assert by_action[:3] == [("ai.chat", 200, "none")] * 2 + [("ai.chat", 200, "pseudonymised")]
    assert by_action[3][0] == "ai.responses"
    assert [e["pii_kinds"] for e in entries if e["pii_action"] == "pseudonymised"] == [["EMAIL"]]
    assert {e["actor"] for e in entries} == {f"key:{KeyHasher.prefix(key)}"}


def test_a_gateway_restarted_mid_batch_meters_it_exactly_once(
    mock: LLMockServer, tmp_path: Path
) -> None:
    settings = settings_for(mock, tmp_path)
    llmock_batches._BATCH_DELAY = 2.0
    try:
        first = start_gateway(settings, None)  # type: ignore[arg-type]
        gateway = next(first)
        client = gateway.client()
        content = jsonl(*(line(f"n{n}", f"question {n}") for n in range(5)))
        uploaded = client.files.create(file=("r.jsonl", content), purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        gateway.close_clients()
        first.close()  # stopped before the upstream has finished the batch
    finally:
        llmock_batches._BATCH_DELAY = 0.5
    assert not batch_rows(gateway, 1, timeout=0)
    second = start_gateway(settings, None)  # type: ignore[arg-type]
    restarted = next(second)
    try:
        assert len(batch_rows(restarted, 5)) == 5
        client = restarted.client(client.api_key)
        for _ in range(3):
            assert client.batches.retrieve(batch.id).status == "completed"
        assert len(batch_rows(restarted, 6, timeout=0.5)) == 5
    finally:
        restarted.close_clients()
        second.close()


def test_a_batch_whose_worst_case_does_not_fit_the_budget_is_refused(
    gateway: RunningGateway,
) -> None:
    client = gateway.client(gateway.create_key(budget_usd=Decimal("0.000001")))
    content = jsonl(line("big", "Write an essay.", max_completion_tokens=4000))
    uploaded = client.files.create(file=("r.jsonl", content), purpose="batch")
    with pytest.raises(openai.RateLimitError) as refused:
        client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert refused.value.code == "budget_exceeded"
    assert not client.batches.list().data


def test_a_line_sent_to_an_upstreams_batch_api_names_its_end_user_by_a_digest(
    gateway: RunningGateway,
) -> None:
    """As a request does: the upstream keeps a batch's file, and the end user's id in it
    is a digest, the same for every line of that user."""
    client = gateway.client(gateway.create_key(act_for_users=True))
    content = jsonl(
        line("first", "List Python skills.", user=EMAIL),
        line("second", "List SQL skills.", user=EMAIL),
    )
    known = set(llmock_batches._files)
    client.files.create(file=("users.jsonl", content), purpose="batch")
    (uploaded,) = [f for name, f in llmock_batches._files.items() if name not in known]
    users = {json.loads(text)["body"]["user"] for text in uploaded["content"].splitlines()}
    assert EMAIL not in uploaded["content"]
    assert len(users) == 1
    assert users.pop().startswith("cg-")


def test_a_line_billed_above_its_worst_case_is_charged_its_worst_case(
    gateway: RunningGateway,
) -> None:
    """llmock answers past a line's ``max_tokens`` (an upstream that over-reports): the
    line is charged what it held, flagged ``over_hold``, and the budget is not overrun."""
    key = gateway.create_key(budget_usd=Decimal("5"))
    client = gateway.client(key)
    content = jsonl(line("short", "Write a long story about a nurse.", max_tokens=1))
    uploaded = client.files.create(file=("requests.jsonl", content), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    held = next(
        lease.cost_nano_usd
        for lease in table(gateway.settings, BudgetLeaseRow)
        if lease.owner == f"batch:{batch.id}"
    )
    request_id = line_request_id(batch.id, "short")
    deadline = time.monotonic() + 10
    while not (rows := [r for r in gateway.usage_rows() if r.request_id == request_id]):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    (row,) = rows
    assert row.completion_tokens > 1  # as llmock reported it
    assert row.usage_corrected == "over_hold"
    assert row.cost_nano_usd == held
    assert row.cost_nano_usd < batch_price(row.prompt_tokens, row.completion_tokens)


def test_a_file_uploaded_before_a_hard_budget_applied_is_refused_under_it(
    gateway: RunningGateway,
) -> None:
    """A file uploaded while no budget applied went upstream without output ceilings, so
    a batch of it cannot be held once one does: it is refused, and nothing runs."""
    client = gateway.client(gateway.create_key(user="late-budget"))
    content = jsonl(line("open", "Write a long story about a nurse."))  # no max_tokens
    uploaded = client.files.create(file=("requests.jsonl", content), purpose="batch")
    admin = gateway.create_key(role=Role.ADMIN)
    budget = {"scope": "user", "subject": "late-budget", "limit_usd": "0.01", "hard": True}
    status, created = admin_call(gateway, admin, "POST", "/admin/budgets", budget)
    assert status == 201, created
    time.sleep(gateway.settings.budget_refresh_seconds + 0.2)
    with pytest.raises(openai.BadRequestError) as refused:
        client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert refused.value.code == "cost_not_bounded"
    assert "upload it again" in refused.value.message
    assert [r for r in gateway.usage_rows() if r.user_id == "late-budget"] == []
