"""Background tasks through the public interfaces: ``/v1/tasks`` on a running gateway
(httpx), ``careergate tasks`` and ``careergate worker``; the upstream is the fake
OpenAI on loopback.

Each item must take effect once: items finished before a SIGKILL of the gateway are
not run again after its restart, the ones it held are; two worker processes drain one
queue; items are metered under the submitter's key and budget, a call the SIGKILL cut
short at its worst case. (A user's tasks under erasure and retention, and the privacy
step on items: ``test_tasks_governance.py``.)

Kept quick: one gateway per module in this process, processes only where a process is
the point (a SIGKILL, ``careergate worker``), waits on conditions rather than sleeps,
and intervals (queue polls, retries, sweeps, heartbeats) of tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from careergate.auth.principal import Role
from careergate.budgets.ledger import BudgetLedger, Period, Scope
from careergate.errors import InvalidRequest
from careergate.runtime import vault
from careergate.sandbox.faults import Fault
from careergate.settings import Settings, TaskSettings
from careergate.storage.database import Database
from careergate.storage.tables import (
    BudgetLeaseRow,
    BudgetWindowRow,
    LeaseOwnerRow,
    TaskItemRow,
    TaskRow,
    UsageRow,
)
from careergate.tasks.runner import WEBHOOK_KEY
from careergate.tasks.webhooks import AddressPolicy, verify
from careergate.testing import FakeOpenAI
from conftest import (
    CLI,
    RunningGateway,
    cli_env,
    gateway_settings,
    in_database,
    run_cli,
    serve_process,
    start_gateway,
    wait_for,
)
from loopback import LoopbackServer, Reply
from test_postgres import fresh_postgres_database

pytestmark = pytest.mark.timeout(120)

FAST_TASKS = TaskSettings(
    poll_seconds=0.05,
    sweep_seconds=0.2,
    retry_delay=0.05,
    webhook_allow=["127.0.0.1/32"],
    webhook_backoff=0.05,
)


def chat(n: int, model: str = "gpt-4o-mini") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": f"question {n}"}]}


@pytest.fixture(scope="module")
def tasks_gateway(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        tmp_path_factory.mktemp("tasks"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        tasks=FAST_TASKS,
        record_process=False,  # records have tests of their own: one process less to start
        extra_config={"secrets": {"features": {"vault-review": "refuse"}}},
    )
    yield from start_gateway(settings, module_fake)


@pytest.fixture
def gateway(tasks_gateway: RunningGateway) -> Iterator[RunningGateway]:
    tasks_gateway.fake.reset()
    yield tasks_gateway
    tasks_gateway.fake.reset()


@pytest.fixture
def apis() -> Iterator[list[Api]]:
    """Clients of the task API to close after the test."""
    opened: list[Api] = []
    yield opened
    for api in opened:
        api.close()


class Api:
    """``/v1/tasks`` as a platform service calls it."""

    def __init__(self, base_url: str, key: str, opened: list[Api]) -> None:
        self.client = httpx.Client(
            base_url=base_url, headers={"authorization": f"Bearer {key}"}, timeout=30
        )
        opened.append(self)

    def submit(self, body: dict[str, Any], expect: int = 202) -> dict[str, Any]:
        answer = self.client.post("/tasks", json=body)
        assert answer.status_code == expect, answer.text
        return dict(answer.json())

    def status(self, task_id: str) -> dict[str, Any]:
        return dict(self.client.get(f"/tasks/{task_id}").json())

    def results(self, task_id: str, **params: Any) -> dict[str, Any]:
        return dict(self.client.get(f"/tasks/{task_id}/results", params=params).json())

    def close(self) -> None:
        self.client.close()

    def wait(self, task_id: str, timeout: float = 20) -> dict[str, Any]:
        wait_for(lambda: self.status(task_id)["status"] in ("completed", "cancelled"), timeout)
        return self.status(task_id)


def task_params(settings: Settings, task_id: str) -> dict[str, Any]:
    async def work(database: Database) -> dict[str, Any]:
        async with database.session() as session:
            row = await session.get(TaskRow, task_id)
            assert row is not None
            return dict(row.params)

    return in_database(settings, work)


def items_of(settings: Settings, task_id: str) -> list[TaskItemRow]:
    async def work(database: Database) -> list[TaskItemRow]:
        async with database.session() as session:
            query = select(TaskItemRow).where(TaskItemRow.task_id == task_id)
            return list((await session.scalars(query.order_by(TaskItemRow.idx))).all())

    return in_database(settings, work)


def test_a_tasks_credentials_are_masked_before_its_items_are_kept(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    """Items wait in the database until they run: their credentials are masked when the
    task is submitted (and the task refused where the feature refuses them), as a
    request's are before it is sent."""
    key = gateway.create_key()
    api = Api(gateway.base_url, key, apis)
    aws, github = "AKIA" + "Q3EGRT7HXN2LPW4Z", "ghp_" + "x7Rk2LmPq9TzW4vB8nC1dF5gH3jK6sA0yE2u"
    text = f"Deploy with {aws} and {github}; my own key is {key}."
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    task = api.wait(api.submit({"kind": "chat.completions", "requests": [request]})["id"])
    assert task["status"] == "completed"
    kept = json.dumps(
        [(item.payload, item.result) for item in items_of(gateway.settings, task["id"])]
    )
    sent = json.dumps([r.body for r in gateway.fake.requests])
    for secret in (aws, github, key):
        assert secret not in kept
        assert secret not in sent
    assert "[SECRET]" in kept

    refused = {"kind": "chat.completions", "feature": "vault-review", "requests": [request]}
    error = api.submit(refused, expect=400)["error"]
    assert error["code"] == "secret_refused"
    assert aws not in json.dumps(error)
    # What the items share is kept too (postings, a task set); a task set runs under its
    # own feature, whose mode holds.
    task_set = {"name": "ops", "feature": "vault-review",
                "tasks": [{"id": "t", "messages": request["messages"]}]}  # fmt: skip
    evaluation = {"kind": "eval", "task_set": task_set, "models": ["gpt-4o-mini"]}
    assert api.submit(evaluation, expect=400)["error"]["code"] == "secret_refused"
    from test_job_matching import POSTINGS, PROFILE

    postings = [{**POSTINGS[0], "description": f"Deploy with {github}."}, *POSTINGS[1:]]
    match = {"kind": "jobs.match", "jobs": postings, "resumes": [{"id": "m", "resume": PROFILE}]}
    matched = api.wait(api.submit(match)["id"])
    assert github not in json.dumps(task_params(gateway.settings, matched["id"]))


def test_a_task_runs_every_item_once_under_the_submitters_key(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    api = Api(gateway.base_url, gateway.create_key(user="ann", team="growth"), apis)
    body = {
        "kind": "chat.completions",
        "feature": "digest",
        "requests": [chat(n) for n in range(5)],
    }
    queued = api.submit(body)
    assert queued["object"] == "task"
    assert queued["status"] == "queued"
    assert queued["progress"] == {"total": 5, "done": 0, "failed": 0, "eta_seconds": None}
    task = api.wait(queued["id"])
    assert task["status"] == "completed"
    assert task["progress"]["done"] == 5
    assert task["started_at"]
    assert task["finished_at"]
    page = api.results(queued["id"], limit=3)
    assert [item["index"] for item in page["data"]] == [0, 1, 2]
    assert page["has_more"]
    rest = api.results(queued["id"], after=2)
    answers = [item["result"]["choices"][0]["message"]["content"] for item in rest["data"]]
    assert answers[0].endswith("question 3")
    assert not rest["has_more"]
    assert all(item["attempts"] == 1 for item in page["data"] + rest["data"])
    # Other tests' tasks wrote records too: wait for this task's own.
    wait_for(lambda: len([r for r in gateway.usage_rows() if r.feature == "digest"]) == 5)
    records = [r for r in gateway.usage_rows() if r.feature == "digest"]
    assert {(r.user_id, r.team, r.status_code) for r in records} == {("ann", "growth", 200)}
    assert len(gateway.fake.requests) == 5


def test_feature_tasks_rank_generate_and_evaluate_through_the_request_path(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    """Each kind but the chat one, from its submission over HTTP to its results: a
    profile ranked against postings per item, a resume tailored, a task set run on two
    models and compared."""
    from test_job_matching import POSTINGS, PROFILE
    from test_resume_generation import JOB

    api = Api(gateway.base_url, gateway.create_key(user="ann"), apis)
    profiles = [{"id": "mira", "resume": PROFILE}, {"id": "noor", "resume": PROFILE}]
    ranked = api.wait(
        api.submit({"kind": "jobs.match", "jobs": POSTINGS, "resumes": profiles})["id"]
    )
    page = api.results(ranked["id"])["data"]
    assert [item["result"]["id"] for item in page] == ["mira", "noor"]
    assert all(item["result"]["matches"][0]["id"] == "data" for item in page)

    tailored = api.submit({"kind": "resumes.generate", "items": [{"resume": PROFILE, "job": JOB}]})
    assert api.wait(tailored["id"])["progress"]["done"] == 1
    resume = api.results(tailored["id"])["data"][0]["result"]
    assert resume["resume"]["basics"]["label"]

    task_set = {
        "name": "skills",
        "tasks": [{"id": "t", "messages": [{"role": "user", "content": "List skills"}]}],
    }
    models = ["gpt-4o-mini", "gpt-4o"]
    evaluated = api.submit({"kind": "eval", "task_set": task_set, "models": models, "repeat": 2})
    done = api.wait(evaluated["id"])
    assert done["progress"] == {"total": 4, "done": 4, "failed": 0, "eta_seconds": None}
    summary = api.results(evaluated["id"])["summary"]
    assert {m["model"] for m in summary["models"]} == set(models)
    assert summary["recommended"] in models


def test_an_item_its_own_process_left_running_is_run_again(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    """An item claimed by a process that is alive but no longer running it (its outcome
    could not be written: the database failed at that moment) is swept back and run."""
    key = gateway.create_key()
    api = Api(gateway.base_url, key, apis)
    task_id = api.wait(api.submit({"kind": "chat.completions", "requests": [chat(0)]})["id"])["id"]
    in_database(gateway.settings, lambda database: _left_running(gateway, database, task_id, key))
    task = api.wait(task_id)
    assert (task["status"], task["progress"]["done"]) == ("completed", 1)
    assert [item.attempts for item in items_of(gateway.settings, task_id)] == [2]


async def _left_running(
    gateway: RunningGateway, database: Database, task_id: str, key: str
) -> None:
    """The task's one item as a claim whose outcome was never written, under the
    gateway's own (live) lease owner, its task still running with its credential."""
    from careergate.state import vault
    from careergate.tasks.store import CREDENTIAL

    await vault(gateway.settings, database).put_named(CREDENTIAL, task_id, key.encode())
    async with database.session() as session, session.begin():
        owners = await session.scalars(select(LeaseOwnerRow.owner))
        owner = next(name for name in owners if name.startswith("gateway:"))
        await session.execute(
            update(TaskItemRow)
            .where(TaskItemRow.task_id == task_id)
            .values(status="running", owner=owner, result=None, finished_at=None)
        )
        await session.execute(
            update(TaskRow)
            .where(TaskRow.id == task_id)
            .values(status="running", done=0, finished_at=None)
        )


def test_items_failing_for_a_passing_reason_are_retried_others_fail(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    api = Api(gateway.base_url, gateway.create_key(), apis)
    # Four 503s outlast the gateway's own attempts: the item itself is tried again.
    gateway.fake.faults.enqueue(*[Fault(status=503)] * 4)
    retried = api.wait(api.submit({"kind": "chat.completions", "requests": [chat(0)]})["id"])
    assert retried["status"] == "completed"
    [item] = api.results(retried["id"])["data"]
    assert item["status"] == "done"
    assert item["attempts"] == 2
    body = {"kind": "chat.completions", "requests": [chat(0), chat(1, model="no-such-model")]}
    task = api.wait(api.submit(body)["id"])
    assert task["progress"]["failed"] == 1
    done, unknown = api.results(task["id"])["data"]
    assert done["status"] == "done"
    assert unknown["status"] == "failed"
    assert unknown["attempts"] == 1
    assert unknown["error"]["code"] == "not_found"


def test_a_cancelled_task_runs_no_more_items(gateway: RunningGateway, apis: list[Api]) -> None:
    api = Api(gateway.base_url, gateway.create_key(), apis)
    gateway.fake.faults.add_rate(Fault(delay=0.2), 1.0)
    submitted = api.submit({"kind": "chat.completions", "requests": [chat(n) for n in range(8)]})
    wait_for(lambda: api.status(submitted["id"])["progress"]["done"] >= 1, timeout=10)
    cancelled = api.client.post(f"/tasks/{submitted['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"

    def now() -> list[str]:
        return [item["status"] for item in api.results(submitted["id"])["data"]]

    wait_for(lambda: "running" not in now())  # what was running has finished
    time.sleep(0.1)  # and nothing starts after
    statuses = now()
    assert "cancelled" in statuses
    assert "pending" not in statuses
    assert "running" not in statuses
    assert len(gateway.fake.requests) == statuses.count("done") < 8


def test_a_batchs_lines_are_no_task_a_caller_may_submit(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    """A batch's lines name their batch (whose budget hold they draw from, and whose id
    their audit entries carry) and what its upload's privacy step found (which their
    audit entries then say): only the batch service may submit them, or any caller
    could have its requests audited as pseudonymised when nothing was."""
    api = Api(gateway.base_url, gateway.create_key(), apis)
    line = {
        "custom_id": "l1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": chat(0),
        "privacy": [["EMAIL"], "pseudonymised"],
    }
    body = {"kind": "batch.lines", "lines": [line], "batch": "batch_of_someone"}
    refused = api.submit(body, expect=400)["error"]
    assert refused["param"] == "kind"
    assert "batch.lines" not in refused["message"]
    assert "batch.lines" not in api.submit({"kind": "everything"}, expect=400)["error"]["message"]
    time.sleep(0.1)
    assert gateway.fake.requests == []


def test_bad_task_requests_get_clear_errors(gateway: RunningGateway, apis: list[Api]) -> None:
    key = gateway.create_key()
    api = Api(gateway.base_url, key, apis)
    unknown = api.submit({"kind": "everything"}, expect=400)["error"]
    assert unknown["param"] == "kind"
    assert "resumes.generate" in unknown["message"]
    bad_resume = {"kind": "resumes.generate", "items": [{"resume": {"basics": 5}, "job": {}}]}
    error = api.submit(bad_resume, expect=400)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("`items.0`")
    not_json = api.client.post("/tasks", content=b"{nope")
    assert not_json.status_code == 400
    assert "not valid JSON" in not_json.json()["error"]["message"]
    mine = api.submit({"kind": "chat.completions", "requests": [chat(0)]})
    other = Api(gateway.base_url, gateway.create_key(), apis)
    assert other.client.get(f"/tasks/{mine['id']}").status_code == 404
    admin = Api(gateway.base_url, gateway.create_key(role=Role.ADMIN), apis)
    assert admin.status(mine["id"])["id"] == mine["id"]
    reader = Api(gateway.base_url, gateway.create_key(role=Role.READER), apis)
    assert reader.submit({"kind": "chat.completions", "requests": [chat(0)]}, expect=403)
    for_bob = {"kind": "chat.completions", "user": "bob", "requests": [chat(0)]}
    assert api.submit(for_bob, expect=403)["error"]["param"] == "user"


class Receiver:
    """A webhook receiver on loopback that refuses its first delivery with a 503."""

    def __init__(self) -> None:
        self.loopback = LoopbackServer(
            lambda request: Reply(503 if len(self.loopback.received) == 1 else 204)
        )
        self.url = f"{self.loopback.url}/hooks/tasks"

    @property
    def deliveries(self) -> list[tuple[dict[str, str], bytes]]:
        return [(request.headers, request.body) for request in self.loopback.received]

    def close(self) -> None:
        self.loopback.close()


def test_an_ended_task_sends_a_signed_webhook_retried_until_taken(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    api = Api(gateway.base_url, gateway.create_key(), apis)
    receiver = Receiver()
    try:
        body = {"kind": "chat.completions", "requests": [chat(0)], "webhook": receiver.url}
        task = api.wait(api.submit(body)["id"])
        wait_for(lambda: len(receiver.deliveries) == 2, timeout=10)
        wait_for(lambda: api.status(task["id"])["webhook"] == {"status": "delivered"})
    finally:
        receiver.close()
    key = in_database(
        gateway.settings,
        lambda database: vault(gateway.settings, database).internal_secret(WEBHOOK_KEY),
    )
    headers, sent = receiver.deliveries[-1]
    assert headers["x-careergate-event"] == "task.completed"
    assert verify(key, headers["x-careergate-signature"], sent)
    assert not verify(key, headers["x-careergate-signature"], sent.replace(b"1", b"2"))
    assert not verify(b"another key" * 3, headers["x-careergate-signature"], sent)
    assert b'"status":"completed"' in sent


def test_webhooks_to_private_or_unresolvable_addresses_are_refused(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    api = Api(gateway.base_url, gateway.create_key(), apis)
    for url in ("http://10.1.2.3/hook", "http://169.254.169.254/latest", "ftp://example.com/"):
        body = {"kind": "chat.completions", "requests": [chat(0)], "webhook": url}
        assert api.submit(body, expect=400)["error"]["param"] == "webhook"
    policy = AddressPolicy()  # nothing allowed: loopback, mapped or not, is refused
    for url in ("http://127.0.0.1:8/x", "http://[::ffff:127.0.0.1]/x", "http://localhost/x"):
        with pytest.raises(InvalidRequest, match="may not reach"):
            policy.check_url(url)
    with pytest.raises(InvalidRequest, match="does not resolve"):
        policy.check_url("http://no-such-host.invalid/x")
    assert AddressPolicy(["10.0.0.0/8"]).check_url("http://10.1.2.3/x") == "http://10.1.2.3/x"


def test_the_cli_submits_follows_and_reads_a_task(
    gateway: RunningGateway, apis: list[Api], tmp_path: Path
) -> None:
    key = gateway.create_key()
    body = tmp_path / "task.json"
    body.write_text(
        '{"requests": [{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}]}'
    )
    env = cli_env(gateway.settings, CAREERGATE_KEY=key, CAREERGATE_BASE_URL=gateway.base_url)
    # Both at once: each command's start is most of its time.
    missing = subprocess.Popen(
        [CLI, "tasks", "results", "task_nope"], env=env, stderr=subprocess.PIPE, text=True
    )
    done = run_cli(
        env, "tasks", "submit", str(body), "--kind", "chat.completions", "--wait", "--json"
    )
    task = json.loads(done.stdout)
    assert task["status"] == "completed"
    assert task["progress"]["done"] == 1
    _, errors = missing.communicate(timeout=60)
    assert missing.returncode == 1
    assert "No task 'task_nope'" in errors
    assert "Traceback" not in errors


# -- separate processes -----------------------------------------------------------------


@contextlib.contextmanager
def process_settings(
    tmp_path: Path, **overrides: Any
) -> Iterator[tuple[Settings, dict[str, str], FakeOpenAI]]:
    """Settings and environment of gateways and workers in their own processes (the
    settings: of one in this process), in front of a fake OpenAI that answers each
    request after 0.15 s."""
    overrides.setdefault("tasks", TaskSettings(poll_seconds=0.05, sweep_seconds=0.2))
    with FakeOpenAI() as fake:
        fake.faults.add_rate(Fault(delay=0.15), 1.0)
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            lease_stale_seconds=1,
            lease_heartbeat_seconds=0.2,  # well inside the staleness: a live one never looks dead
            **overrides,
        )
        env = cli_env(
            settings,
            CAREERGATE_CONFIG=str(settings.config),
            CAREERGATE_LEASE_STALE_SECONDS="1",
            CAREERGATE_LEASE_HEARTBEAT_SECONDS="0.2",
            CAREERGATE_TASKS_POLL_SECONDS="0.05",
            CAREERGATE_TASKS_SWEEP_SECONDS="0.2",
            CAREERGATE_LOG_FORMAT="json",
            CAREERGATE_RECORD_PROCESS=str(settings.record_process).lower(),
            CAREERGATE_DATABASE_URL=settings.resolved_database_url,
        )
        yield settings, env, fake


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The settings naming the database: the embedded SQLite file, or a new PostgreSQL one."""
    if request.param == "sqlite":
        yield {}
        return
    with fresh_postgres_database() as url:
        yield {"database_url": url}


def test_a_task_survives_a_sigkill_of_its_gateway(
    tmp_path: Path, apis: list[Api], database: dict[str, str]
) -> None:
    """Items finished before the kill are not run again, the ones it held are. Under a
    budget, every model call that reached the upstream is metered once: a call the kill
    cut short for its worst case (a reconciled record: the upstream may have answered
    and billed it), its item's run again for what it cost; nothing stays reserved. On
    the embedded SQLite file and on PostgreSQL."""
    with process_settings(tmp_path, **database) as (settings, env, fake):
        key = in_database(settings, lambda d: _new_key(settings, d))
        budget = in_database(settings, _ann_budget)
        # Four calls answered at once, then each one waits: the kill comes when both
        # workers have a call upstream (the sixth has arrived).
        fake.faults.clear()
        fake.faults.enqueue(*[Fault()] * 4)
        fake.faults.add_rate(Fault(delay=1.5), 1.0)
        with serve_process(env) as served:
            api = Api(served.base_url, key, apis)
            task_id = api.submit(
                {"kind": "chat.completions", "requests": [chat(n) for n in range(12)]}
            )["id"]
            wait_for(lambda: len(fake.requests) == 6, timeout=30)
            served.process.kill()
            served.process.wait()
        fake.faults.clear()
        before = {item.idx: item for item in items_of(settings, task_id)}
        finished = {i for i, item in before.items() if item.status == "done"}
        held = {i for i, item in before.items() if item.status == "running"}
        assert (len(finished), len(held)) == (4, 2)
        # The cut-short calls' reservations are the task's: held by their items' attempts.
        assert in_database(settings, _lease_holders) == {f"item:{task_id}:{i}:1" for i in held}
        for restarted in start_gateway(settings, fake):  # in this process: a faster start
            task = Api(restarted.base_url, key, apis).wait(task_id, timeout=60)
            # Once the items are taken back, the reaper settles what their attempts held.
            wait_for(lambda: in_database(settings, lambda d: _metered(d, budget))[1][2] == 0)
        assert task["status"] == "completed"
        assert task["progress"]["done"] == 12
        after = {item.idx: item for item in items_of(settings, task_id)}
        for index in finished:  # not run again: the same result, written once
            assert after[index].attempts == 1
            assert after[index].result == before[index].result
            assert after[index].finished_at == before[index].finished_at
        assert all(after[index].attempts == 2 for index in held)
        assert len(fake.requests) == 12 + 2
        records, (spent, reserved, leases) = in_database(settings, lambda d: _metered(d, budget))
    assert len(records) == 12 + 2
    reconciled = [r for r in records if r.reconciled]
    assert [(r.status_code, r.user_id) for r in reconciled] == [(502, "ann")] * 2
    assert (reserved, leases) == (0, 0)
    assert spent >= sum(r.cost_nano_usd or 0 for r in records) > 0


async def _ann_budget(database: Database) -> str:
    """A monthly budget of ann's, far above what the test spends: its id."""
    ledger = BudgetLedger(database)
    budget = await ledger.create(
        name="ann", scope=Scope.USER, subject="ann", period=Period.MONTHLY, limit_nano_usd=10**10
    )
    return budget.id


async def _lease_holders(database: Database) -> set[str]:
    """The owners of the budget leases held, where each is also a live lease owner."""
    async with database.session() as session:
        leases = set((await session.scalars(select(BudgetLeaseRow.owner))).all())
        owners = set((await session.scalars(select(LeaseOwnerRow.owner))).all())
    return leases & owners


async def _metered(database: Database, budget: str) -> tuple[list[UsageRow], tuple[int, ...]]:
    """The usage records; the budget's spend, what it holds reserved, the leases left."""
    async with database.session() as session:
        records = list((await session.scalars(select(UsageRow))).all())
        window = (
            await session.execute(
                select(
                    func.sum(BudgetWindowRow.spent_nano_usd),
                    func.sum(BudgetWindowRow.reserved_nano_usd),
                ).where(BudgetWindowRow.budget_id == budget)
            )
        ).one()
        leases = await session.scalar(select(func.count()).select_from(BudgetLeaseRow))
    return records, (int(window[0]), int(window[1]), int(leases or 0))


def running_workers(settings: Settings) -> list[str]:
    """The worker processes alive (by their lease-owner heartbeats)."""

    async def work(database: Database) -> list[str]:
        async with database.session() as session:
            owners = await session.scalars(select(LeaseOwnerRow.owner))
            return [owner for owner in owners if owner.startswith("worker:")]

    return in_database(settings, work)


async def _new_key(settings: Settings, database: Database) -> str:
    from careergate.auth.permissions import KeySpec
    from careergate.runtime import key_store

    return (await (await key_store(settings, database)).create(KeySpec(user="ann"))).secret


def test_two_worker_processes_drain_one_queue(tmp_path: Path, apis: list[Api]) -> None:
    disabled = TaskSettings(gateway_workers=0)
    # Each process writes its records itself: two interpreters fewer to start.
    with process_settings(tmp_path, tasks=disabled, record_process=False) as (
        settings,
        env,
        fake,
    ):
        key = in_database(settings, lambda d: _new_key(settings, d))  # the database first
        workers = [
            subprocess.Popen([CLI, "worker", "--workers", "2"], env=env, stderr=subprocess.DEVNULL)
            for _ in range(2)
        ]
        try:
            for gateway in start_gateway(settings, fake):  # while the workers start
                wait_for(lambda: len(running_workers(settings)) == 2, timeout=60)
                api = Api(gateway.base_url, key, apis)
                submitted = api.submit(
                    {"kind": "chat.completions", "requests": [chat(n) for n in range(10)]}
                )
                task = api.wait(submitted["id"], timeout=60)
            assert task["progress"]["done"] == 10
            owners = {item.owner for item in items_of(settings, submitted["id"])}
            assert len(owners) == 2
            assert all(o and o.startswith("worker:") for o in owners)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                assert worker.wait(timeout=30) == 0
