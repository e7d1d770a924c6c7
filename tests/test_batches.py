"""The Files and Batch APIs where the upstream has none (the sandbox): the gateway runs
the lines itself as a background task, behind the same interface. Through the official
SDK (``client.files``, ``client.batches``) and ``careergate batch``.

Lines are held to the key's permissions before anything is uploaded, their personal
data is pseudonymised on the way out and restored in the output the caller downloads,
and each line is metered and audited as the caller's request. The batch holds its lines'
worst case in the caller's budgets when it is created (refused when they cannot pay
it), each line draws its hold from the batch's, and a batch past its completion window
expires."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from careergate.auth.principal import Role
from careergate.budgets.worst_case import SLACK_TOKENS
from careergate.cli.main import app
from careergate.pricing.catalogue import PriceCatalogue, nano_from_pico
from careergate.sandbox.faults import Fault
from careergate.settings import BatchSettings, Settings, TaskSettings
from careergate.storage.database import Database
from careergate.storage.tables import (
    BatchFileRow,
    BatchRow,
    BudgetLeaseRow,
    BudgetWindowRow,
    UsageRow,
)
from careergate.testing import FakeOpenAI
from careergate.tokenizer import TokenCounter
from careergate.usage.record import TokenUsage
from conftest import RunningGateway, cli_env, gateway_settings, in_database, start_gateway
from test_keys_access import admin_call
from test_privacy_rights import files_naming

pytestmark = pytest.mark.timeout(120)

EMAIL = "jane.doe@example.com"


def line(custom_id: str, text: str, model: str = "gpt-4o-mini", **body: Any) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": text}], **body},
    }


def jsonl(*lines: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(item).encode() + b"\n" for item in lines)


def wait_until_ended(client: openai.OpenAI, batch_id: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        batch = client.batches.retrieve(batch_id)
        if batch.status in ("completed", "failed", "cancelled", "expired"):
            return batch
        assert time.monotonic() < deadline, f"batch still {batch.status}"
        time.sleep(0.1)


def rows_of(settings: Settings, table: Any) -> list[Any]:
    async def read(database: Database) -> list[Any]:
        async with database.session() as session:
            return list((await session.scalars(select(table))).all())

    return in_database(settings, read)


def line_worst_case(text: str, max_tokens: int) -> int:
    """What the request path holds for one line to gpt-4o-mini (its prompt counted as
    the gateway counts it, its output ceiling, the slack), in nano-dollars."""
    price = PriceCatalogue.shipped().price("gpt-4o-mini")
    assert price is not None
    messages = [{"role": "user", "content": text}]
    prompt = TokenCounter().chat_prompt_tokens("gpt-4o-mini", messages)
    worst = TokenUsage(prompt_tokens=prompt, completion_tokens=max_tokens)
    return nano_from_pico(price.cost_pico(worst)) + nano_from_pico(SLACK_TOKENS * price.input)


def settled(gateway: RunningGateway, user: str, answers: int | None = None) -> list[UsageRow]:
    """The usage records of ``user``'s lines once every line has settled: no budget lease
    left, and a record for each of the ``answers`` (by default, every answer of the
    gateway's upstream) written (records are written in batches, off their request's
    path)."""
    deadline = time.monotonic() + 10
    while rows_of(gateway.settings, BudgetLeaseRow):
        assert time.monotonic() < deadline, "budget leases left"
        time.sleep(0.05)
    if answers is None:
        answers = len([r for r in gateway.fake.requests if r.path.endswith("/chat/completions")])
    while len(rows := [r for r in gateway.usage_rows() if r.user_id == user]) < answers:
        assert time.monotonic() < deadline, f"{len(rows)} usage records of {answers} answers"
        time.sleep(0.05)
    return rows


def sandbox_settings(fake: FakeOpenAI, where: Any, **batches: Any) -> Settings:
    deployment = {
        "name": "sandbox",
        "provider": "openai-compatible",
        "base_url": fake.base_url,
        "sandbox": True,
    }
    return gateway_settings(
        where,
        [deployment],
        extra_config={"privacy": {"mode": "pseudonymise", "names": False}},
        tasks=TaskSettings(poll_seconds=0.05, sweep_seconds=0.2, retry_delay=0.05),
        batches=BatchSettings(poll_seconds=0.1, **batches),
    )


@pytest.fixture(scope="module")
def gateway(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    """The batches' gateway: its outputs stay restorable (the default grace) however long a
    test takes between downloads."""
    where = tmp_path_factory.mktemp("batches")
    yield from start_gateway(sandbox_settings(module_fake, where), module_fake)


@pytest.fixture
def hasty_gateway(module_fake: FakeOpenAI, tmp_path: Any) -> Iterator[RunningGateway]:
    """A gateway that erases an output's placeholders a second after its first download."""
    yield from start_gateway(
        sandbox_settings(module_fake, tmp_path, output_grace_seconds=1.0), module_fake
    )


def test_the_gateway_runs_a_batch_its_upstream_cannot_and_restores_its_output(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()
    content = jsonl(
        line("first", f"Write to {EMAIL} about the interview."),
        line("second", "Summarise: five years of Python."),
        line("third", "Name three SQL skills."),
    )
    uploaded = client.files.create(file=("requests.jsonl", content), purpose="batch")
    assert (uploaded.purpose, uploaded.bytes, uploaded.filename) == (
        "batch",
        len(content),
        "requests.jsonl",
    )
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert batch.input_file_id == uploaded.id
    ended = wait_until_ended(client, batch.id)
    assert ended.status == "completed"
    assert ended.request_counts is not None
    assert (ended.request_counts.total, ended.request_counts.completed) == (3, 3)
    assert ended.output_file_id is not None
    assert ended.error_file_id is None

    assert EMAIL in client.files.content(uploaded.id).text  # the input as it was sent
    sent = [r.body for r in gateway.fake.requests if r.path.endswith("/chat/completions")]
    assert len(sent) == 3
    assert all(EMAIL not in json.dumps(body) for body in sent)
    output = [json.loads(t) for t in client.files.content(ended.output_file_id).text.splitlines()]
    assert sorted(item["custom_id"] for item in output) == ["first", "second", "third"]
    first = next(item for item in output if item["custom_id"] == "first")
    answer = first["response"]["body"]["choices"][0]["message"]["content"]
    assert EMAIL in answer  # the upstream echoed the placeholder; the caller gets the email

    assert batch.id in [b.id for b in client.batches.list()]
    assert {uploaded.id, ended.output_file_id} <= {f.id for f in client.files.list()}
    assert client.files.retrieve(ended.output_file_id).purpose == "batch_output"
    rows = [r for r in gateway.usage_rows(expected=3) if r.endpoint == "chat/completions"]
    assert len(rows) >= 3


def test_a_line_for_a_model_the_key_may_not_use_is_refused_before_upload(
    gateway: RunningGateway,
) -> None:
    client = gateway.client(gateway.create_key(models=["gpt-4o-mini"]))
    content = jsonl(line("fine", "hello"), line("dear", "hello", model="gpt-4o"))
    with pytest.raises(openai.BadRequestError) as refused:
        client.files.create(file=("requests.jsonl", content), purpose="batch")
    message = refused.value.message
    assert "Line 2" in message
    assert "'dear'" in message
    assert "gpt-4o" in message
    assert not client.files.list().data

    for bad, expected in (
        (b'{"custom_id": "x", "url": "/v1/images", "body": {}}\n', "`url` must be one of"),
        (b"not json\n", "Line 1 of the file: not valid JSON"),
        (jsonl(line("a", "x"), line("a", "y")), "used by an earlier line"),
    ):
        with pytest.raises(openai.BadRequestError) as wrong:
            client.files.create(file=("bad.jsonl", bad), purpose="batch")
        assert expected in wrong.value.message
    with pytest.raises(openai.BadRequestError):
        client.files.create(file=("x.jsonl", jsonl(line("a", "x"))), purpose="fine-tune")


def test_files_and_batches_are_their_owners_alone(gateway: RunningGateway) -> None:
    owner, other = gateway.client(), gateway.client()
    uploaded = owner.files.create(file=("r.jsonl", jsonl(line("a", "hi"))), purpose="batch")
    with pytest.raises(openai.NotFoundError):
        other.files.retrieve(uploaded.id)
    with pytest.raises(openai.NotFoundError):
        other.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    deleted = owner.files.delete(uploaded.id)
    assert deleted.deleted
    with pytest.raises(openai.NotFoundError):
        owner.files.retrieve(uploaded.id)


def test_cancelling_a_batch_the_gateway_runs(gateway: RunningGateway) -> None:
    """Lines not yet run do not run; those in flight finish, are billed, and are in the
    output: the batch stays ``cancelling`` until they have."""
    client = gateway.client(gateway.create_key(user="canceller"))
    gateway.fake.reset()  # the module's upstream: no request of another test's counts
    gateway.fake.faults.add_rate(Fault(delay=1.5), 1.0)
    try:
        content = jsonl(*(line(f"n{n}", f"question {n}") for n in range(8)))
        uploaded = client.files.create(file=("r.jsonl", content), purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        deadline = time.monotonic() + 10
        while not [r for r in gateway.fake.requests if r.path.endswith("/chat/completions")]:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        cancelled = client.batches.cancel(batch.id)  # with a line in flight
        assert cancelled.status == "cancelling"
        ended = wait_until_ended(client, batch.id)
    finally:
        gateway.fake.reset()
    assert ended.status == "cancelled"
    assert ended.request_counts is not None
    assert 0 < ended.request_counts.completed < 8
    output = client.files.content(ended.output_file_id).content.splitlines()
    answered = [json.loads(text) for text in output]
    # The records are written by the record process, after the answers: waited for.
    billed = settled(gateway, "canceller", ended.request_counts.completed)
    assert len(answered) == len(billed) == ended.request_counts.completed


def test_careergate_batch_submits_waits_and_prints_results(
    gateway: RunningGateway, tmp_path: Any
) -> None:
    """``careergate batch``, run in process: its import is what costs a process seconds."""
    requests = tmp_path / "requests.jsonl"
    requests.write_bytes(jsonl(line("cli-1", "hello"), line("cli-2", "there")))
    env = {"CAREERGATE_KEY": gateway.create_key(), "CAREERGATE_BASE_URL": gateway.base_url}
    runner = CliRunner()
    submitted = runner.invoke(app, ["batch", "submit", str(requests), "--wait", "--json"], env=env)
    assert submitted.exit_code == 0, submitted.output
    batch = json.loads(submitted.stdout)
    assert batch["status"] == "completed"
    shown = runner.invoke(app, ["batch", "status", batch["id"]], env=env)
    assert "completed" in shown.stderr
    results = runner.invoke(app, ["batch", "results", batch["id"]], env=env)
    assert sorted(json.loads(t)["custom_id"] for t in results.stdout.splitlines()) == [
        "cli-1",
        "cli-2",
    ]
    refused = runner.invoke(app, ["batch", "cancel", batch["id"]], env=env)
    assert refused.exit_code == 1
    assert "cannot be cancelled" in refused.stderr
    assert "Traceback" not in refused.output


def test_an_output_is_no_longer_restored_once_its_placeholders_are_erased(
    hasty_gateway: RunningGateway,
) -> None:
    client = hasty_gateway.client()
    uploaded = client.files.create(
        file=("r.jsonl", jsonl(line("only", f"Thank {EMAIL}."))), purpose="batch"
    )
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    ended = wait_until_ended(client, batch.id)
    assert ended.output_file_id is not None
    assert EMAIL in client.files.content(ended.output_file_id).text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the grace after the first download is a second
        time.sleep(0.2)
        try:
            client.files.content(ended.output_file_id)
        except openai.APIStatusError:
            break
    with pytest.raises(openai.APIStatusError) as gone:
        client.files.content(ended.output_file_id)
    assert gone.value.status_code == 410
    assert "can no longer be restored" in gone.value.message


def test_a_batch_holds_its_lines_worst_case_and_each_line_draws_from_it(
    gateway: RunningGateway,
) -> None:
    key = gateway.create_key(user="holder", budget_usd="0.0025")
    client = gateway.client(key)
    texts = [f"Name {n} skills of a welder." for n in (2, 3)]
    content = jsonl(
        *(line(f"h{n}", text, max_completion_tokens=1000) for n, text in enumerate(texts))
    )
    uploaded = client.files.create(file=("r.jsonl", content), purpose="batch")
    held = sum(line_worst_case(text, 1000) for text in texts)
    gateway.fake.faults.add_rate(Fault(delay=1.0), 1.0)  # the lines are in flight a while
    try:
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        leases = {row.owner: row for row in rows_of(gateway.settings, BudgetLeaseRow)}
        holding = [w.reserved_nano_usd for w in rows_of(gateway.settings, BudgetWindowRow)]
        # Held once, by the batch; its lines in flight took theirs from it.
        assert [n for n in holding if n] == [held]
        batch_lease = leases[f"batch:{batch.id}"]
        assert batch_lease.cost_nano_usd <= held
        # Its tokens in proportion to what it still holds: a record reconciled from it
        # reports the output ceilings of the lines it still covers.
        share = batch_lease.cost_nano_usd / held
        assert abs(batch_lease.completion_tokens - share * 2000) <= 2
        ended = wait_until_ended(client, batch.id)
    finally:
        gateway.fake.reset()
    assert ended.status == "completed"
    assert ended.request_counts is not None
    assert ended.request_counts.completed == 2
    rows = settled(gateway, "holder", answers=2)
    assert len(rows) == 2
    budget = f"key-{rows[0].key_id}"[:32]  # the key's own budget
    (window,) = [w for w in rows_of(gateway.settings, BudgetWindowRow) if w.budget_id == budget]
    assert (window.spent_nano_usd, window.reserved_nano_usd) == (
        sum(row.cost_nano_usd or 0 for row in rows),
        0,
    )


def test_a_batch_its_budget_cannot_pay_for_is_refused_when_it_is_created(
    gateway: RunningGateway,
) -> None:
    client = gateway.client(gateway.create_key(budget_usd="0.0025"))  # about four lines
    content = jsonl(
        *(line(f"n{n}", "Write a cover letter.", max_completion_tokens=1000) for n in range(5))
    )
    uploaded = client.files.create(file=("r.jsonl", content), purpose="batch")
    sent = len(gateway.fake.requests)
    with pytest.raises(openai.RateLimitError) as refused:
        client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert refused.value.code == "budget_exceeded"
    assert "these 5 line(s) may cost up to $0.003" in refused.value.message
    assert not client.batches.list().data
    assert not [
        r for r in rows_of(gateway.settings, BudgetLeaseRow) if r.owner.startswith("batch:")
    ]
    assert len(gateway.fake.requests) == sent


def test_each_line_a_batch_runs_is_audited_naming_the_batch(gateway: RunningGateway) -> None:
    client = gateway.client(gateway.create_key(user="audited"))
    content = jsonl(line("a1", f"Thank {EMAIL} for applying."), line("a2", "Say hello."))
    uploaded = client.files.create(file=("r.jsonl", content), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    ended = wait_until_ended(client, batch.id)
    assert ended.output_file_id is not None
    output = [json.loads(t) for t in client.files.content(ended.output_file_id).text.splitlines()]
    answered = {item["response"]["request_id"] for item in output}
    admin = gateway.create_key(role=Role.ADMIN)
    deadline = time.monotonic() + 10
    while True:  # entries are written in batches, off the request's path
        status, found = admin_call(gateway, admin, "GET", f"/admin/audit/export?target={batch.id}")
        assert status == 200
        entries = found["data"]
        if len(entries) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert {entry["request_id"] for entry in entries} == answered
    assert {(e["action"], e["decision"], e["user"]) for e in entries} == {
        ("ai.chat", "allowed", "audited")
    }
    assert sorted((e["pii_action"], e["pii_kinds"]) for e in entries) == [
        ("none", []),
        ("pseudonymised", ["EMAIL"]),  # found when the file was uploaded
    ]


@pytest.fixture
def expiring(tmp_path: Any) -> Iterator[RunningGateway]:
    """A gateway whose batches have a second and a half to run."""
    with FakeOpenAI() as fake:
        settings = sandbox_settings(fake, tmp_path, completion_window_seconds=1.5)
        yield from start_gateway(settings, fake)


def test_a_batch_past_its_window_expires_and_releases_its_hold(
    expiring: RunningGateway,
) -> None:
    client = expiring.client(expiring.create_key(user="late", budget_usd="1"))
    expiring.fake.faults.add_rate(Fault(delay=0.5), 1.0)  # two at a time: four in 1.5 s
    content = jsonl(*(line(f"n{n}", f"Question {n}", max_completion_tokens=50) for n in range(10)))
    uploaded = client.files.create(file=("r.jsonl", content), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert batch.expires_at - batch.created_at in (1, 2)
    ended = wait_until_ended(client, batch.id)
    assert ended.status == "expired"
    assert ended.expired_at is not None
    counts = ended.request_counts
    assert counts is not None
    assert counts.total == counts.completed + counts.failed == 10
    assert 0 < counts.completed < 10
    assert ended.error_file_id is not None
    errors = [json.loads(t) for t in client.files.content(ended.error_file_id).text.splitlines()]
    assert len(errors) == counts.failed
    assert {(e["response"], e["error"]["code"]) for e in errors} == {(None, "batch_expired")}
    done = set()
    if ended.output_file_id is not None:
        output = client.files.content(ended.output_file_id).text.splitlines()
        done = {json.loads(t)["custom_id"] for t in output}
    assert len(done) == counts.completed
    assert done | {e["custom_id"] for e in errors} == {f"n{n}" for n in range(10)}

    # Lines running when it expired still finish: every answer is metered, and nothing
    # is left held.
    rows = settled(expiring, "late")
    answered = [r for r in expiring.fake.requests if r.path.endswith("/chat/completions")]
    assert len(rows) == len(answered) < 10
    (window,) = rows_of(expiring.settings, BudgetWindowRow)
    assert (window.spent_nano_usd, window.reserved_nano_usd) == (
        sum(row.cost_nano_usd or 0 for row in rows),
        0,
    )


def test_a_users_batches_are_in_their_export_and_name_them_no_more_once_erased(
    gateway: RunningGateway,
) -> None:
    user = "wren-5hq2"
    client = gateway.client(gateway.create_key(user=user))
    named = f"lines-of-{user}.jsonl"  # a file's name is the caller's text
    uploaded = client.files.create(file=(named, jsonl(line("w1", "Say hello."))), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    ended = wait_until_ended(client, batch.id)
    admin = gateway.create_key(role=Role.ADMIN)
    _, exported = admin_call(gateway, admin, "GET", f"/admin/privacy/export?user={user}")
    assert [found["id"] for found in exported["batches"]] == [batch.id]
    files = {found["id"]: found["filename"] for found in exported["batch_files"]}
    assert files[uploaded.id] == named
    assert ended.output_file_id in files

    status, erased = admin_call(gateway, admin, "POST", "/admin/privacy/delete", {"user": user})
    assert (status, erased["batches"]) == (200, 3)  # the batch, its input and its output
    rows = [*rows_of(gateway.settings, BatchRow), *rows_of(gateway.settings, BatchFileRow)]
    assert [row for row in rows if user in f"{row.user_id} {getattr(row, 'filename', '')}"] == []
    _, left = admin_call(gateway, admin, "GET", f"/admin/privacy/export?user={user}")
    assert (left["batches"], left["batch_files"]) == ([], [])


def test_erasing_a_user_empties_their_lines_in_another_keys_batch_files(
    gateway: RunningGateway,
) -> None:
    """A service's batch runs lines for several users (each naming its user in its body):
    erasing one empties their line in the service's input, output and error files, and
    leaves every other line, and the files' format, as they were."""
    user, other = "bob-k3v8", "ada-p2w6"
    said = "Draft a cover letter about the lighthouse-keeper-bk3v8 years."
    kept = "List three SQL skills for the harbour-ap2w6 role."
    service = gateway.client(gateway.create_key(act_for_users=True))
    content = jsonl(
        line("for-bob", said, user=user),
        line("for-ada", kept, user=other),
        line("no-one", "Say hello."),
    )

    def run(content: bytes) -> tuple[str, Any]:
        uploaded = service.files.create(file=("service.jsonl", content), purpose="batch")
        batch = service.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        return uploaded.id, wait_until_ended(service, batch.id)

    uploaded, ended = run(content)
    assert ended.output_file_id is not None
    assert said in service.files.content(ended.output_file_id).text  # the upstream echoes it
    gateway.fake.faults.enqueue(Fault(status=400, error_code="context_length_exceeded"))
    _, failed = run(jsonl(line("for-bob-too", "Too long a question.", user=user)))
    assert failed.error_file_id is not None
    assert "context_length_exceeded" in service.files.content(failed.error_file_id).text

    # Their export holds their line (as the item it ran as), not the service's others.
    admin = gateway.create_key(role=Role.ADMIN)
    _, exported = admin_call(gateway, admin, "GET", f"/admin/privacy/export?user={user}")
    assert (exported["batches"], exported["batch_files"]) == ([], [])
    assert said in json.dumps(exported)
    assert kept not in json.dumps(exported)
    assert "Say hello." not in json.dumps(exported)

    env = cli_env(gateway.settings)
    erasing = CliRunner().invoke(app, ["privacy", "delete", "--user", user, "--yes"], env=env)
    assert erasing.exit_code == 0, erasing.output
    assert json.loads(erasing.stdout)["batch_lines"] == 2
    data_dir = gateway.settings.data_dir
    assert files_naming(data_dir, user) == files_naming(data_dir, "lighthouse-keeper") == []

    def lines_of(file_id: str) -> dict[str, Any]:
        text = service.files.content(file_id).text
        assert user not in text
        assert "lighthouse-keeper" not in text
        found = [json.loads(t) for t in text.splitlines()]  # JSON lines still
        return {item["custom_id"]: item for item in found}

    sent = lines_of(uploaded)
    assert list(sent) == ["for-bob", "for-ada", "no-one"]
    assert sent["for-bob"] == {
        "custom_id": "for-bob",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini"},
    }
    assert sent["for-ada"]["body"]["messages"][0]["content"] == kept
    assert sent["for-ada"]["body"]["user"] == other
    assert sent["no-one"]["body"]["messages"][0]["content"] == "Say hello."
    output = lines_of(ended.output_file_id)
    assert set(output) == {"for-bob", "for-ada", "no-one"}
    assert output["for-bob"]["response"]["body"] == {}
    assert output["for-bob"]["response"]["status_code"] == 200
    assert kept in json.dumps(output["for-ada"]["response"]["body"])
    (refused,) = lines_of(failed.error_file_id).values()
    assert refused["custom_id"] == "for-bob-too"
    assert refused["response"] == {"status_code": 400, "request_id": None, "body": {}}
    output_bytes = service.files.content(ended.output_file_id).content
    assert service.files.retrieve(ended.output_file_id).bytes == len(output_bytes)
    assert service.files.retrieve(uploaded).bytes < len(content)
    # The others' exports never held the erased user's line.
    _, theirs = admin_call(gateway, admin, "GET", f"/admin/privacy/export?user={other}")
    assert kept in json.dumps(theirs)
    assert said not in json.dumps(theirs)
    assert user not in json.dumps(theirs)


GITHUB_TOKEN = "ghp_" + "x7Rk2LmPq9TzW4vB8nC1dF5gH3jK6sA0yE2u"


def test_a_lines_credentials_are_masked_before_it_is_kept_or_run(gateway: RunningGateway) -> None:
    """Each line is held to the request path's secrets mode: a credential anywhere in its
    body is masked before the file is kept or run; one in a ``custom_id``, by which the
    line's answer is found, refuses the file without repeating it."""
    client = gateway.client()
    with pytest.raises(openai.BadRequestError) as refused:
        client.files.create(file=("r.jsonl", jsonl(line(GITHUB_TOKEN, "hi"))), purpose="batch")
    assert "custom_id holds a credential" in refused.value.message
    assert GITHUB_TOKEN not in str(refused.value.body)

    gateway.fake.reset()
    text = f"Why does CI fail with GITHUB_TOKEN={GITHUB_TOKEN}?"
    uploaded = client.files.create(
        file=("r.jsonl", jsonl(line("ci", text, metadata={"token": GITHUB_TOKEN}))),
        purpose="batch",
    )
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert wait_until_ended(client, batch.id).status == "completed"
    sent = [r.body for r in gateway.fake.requests if r.path.endswith("/chat/completions")]
    assert len(sent) == 1
    assert GITHUB_TOKEN not in json.dumps(sent)
    assert "GITHUB_TOKEN=[SECRET]" in sent[0]["messages"][0]["content"]
    assert GITHUB_TOKEN not in client.files.content(uploaded.id).text


def test_a_batch_whose_lines_are_for_another_endpoint_is_refused(gateway: RunningGateway) -> None:
    """As OpenAI's Batch API: every line of a batch is for the batch's endpoint."""
    client = gateway.client()
    embedding = {
        "custom_id": "vector",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "text-embedding-3-small", "input": "Nurse"},
    }
    content = jsonl(line("chat", "Hello"), embedding)
    uploaded = client.files.create(file=("requests.jsonl", content), purpose="batch")
    with pytest.raises(openai.BadRequestError) as refused:
        client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/embeddings", completion_window="24h"
        )
    assert refused.value.param == "endpoint"
    assert "'chat'" in refused.value.message
    assert client.batches.list().data == []
