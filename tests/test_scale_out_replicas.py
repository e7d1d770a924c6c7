"""The scale-out topology, run as the deployment recipes run it: three replicas of
``careergate serve --workers 2`` behind nginx (the shipped ``deploy/nginx`` proxying), on
one PostgreSQL database and one Redis, driven through nginx with the openai SDK.

One topology serves the whole module (starting it is most of the cost); each test uses
keys, budgets and deployments of its own, so the order of the tests does not matter,
except that the crash comes last. What every test holds the whole to:

- budgets are exact across replicas (no overrun), and so are rate limits (60 a minute
  means 60, not 60 per replica);
- a revoked key is refused by every replica within ``CAREERGATE_KEY_CACHE_SECONDS``;
- a breaker one replica opens is honoured by the others (through Redis);
- the usage records add up to what the callers saw;
- a rolling restart (each replica taken out of nginx, drained by SIGTERM, started again)
  fails no request, streams included;
- a replica killed with SIGKILL under load loses only the requests it had not answered,
  its budget reservations are settled by the others, and what it answered is metered.

The shared response cache and the job queue's workers get their cases here too, on the
same topology: a cached answer asked through one replica and served by another, and
background tasks drained by ``careergate worker`` processes started beside the replicas
(``Topology.replica_env`` is the environment they share).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import select

from careergate.auth.permissions import KeySpec
from careergate.auth.principal import Role
from careergate.budgets.ledger import Period, Scope
from careergate.runtime import key_store
from careergate.settings import Settings
from careergate.storage.database import Database
from careergate.storage.tables import TaskItemRow, UsageRow
from careergate.testing import FakeOpenAI, Fault
from careergate.testing.balancer import NginxBalancer, nginx_binary
from careergate.testing.replicas import ServeReplica
from conftest import cli_env, free_port, gateway_settings, in_database, require_redis
from scale_load import MESSAGES, Outcome, SteadyLoad, ask, ask_streamed, async_client, burst
from test_budgets import MAX_TOKENS, ledger_call, worst_case_nano
from test_postgres import fresh_postgres_database

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
PROXY_CONF = ROOT / "deploy" / "nginx" / "careergate-proxy.conf"
KEY_CACHE_SECONDS = 0.5
LEASE_STALE_SECONDS = 5.0
DRAIN_SECONDS = 2.0
BREAKER_SHARING_SECONDS = 2.0 + 1.0  # two sync periods, and a margin for a busy host
NOT_SENT = "is failing right now, so careergate did not send the request"
LONG_STREAM_PROMPT = "Stream a long answer: drain-check"


def require_nginx() -> None:
    """Skips without nginx (fails under CI, where ``make test`` installs it)."""
    if nginx_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is required under CI (make test installs it) but is missing")
        pytest.skip("nginx is not installed (apt-get install nginx)")


@dataclass
class Topology:
    """Three replicas behind nginx, the fake upstreams they call, and their settings."""

    settings: Settings
    replica_env: dict[str, str]
    replicas: list[ServeReplica]
    balancer: NginxBalancer
    fast: FakeOpenAI
    """Serves gpt-4o-mini at once."""
    slow: FakeOpenAI
    """Serves gpt-4.1, streaming a chunk every 50 ms."""

    @property
    def base_url(self) -> str:
        return f"{self.balancer.url}/v1"

    def create_key(self, **options: object) -> tuple[str, str]:
        """A new caller key: (its secret, its id)."""

        async def work(database: Database) -> tuple[str, str]:
            keys = await key_store(self.settings, database)
            created = await keys.create(KeySpec(**options))  # type: ignore[arg-type]
            return created.secret, created.info.id

        return in_database(self.settings, work)

    def rows(self, **where: object) -> list[UsageRow]:
        async def work(database: Database) -> list[UsageRow]:
            async with database.session() as session:
                query = select(UsageRow).filter_by(**where)
                return list((await session.scalars(query)).all())

        return in_database(self.settings, work)

    def rows_when(self, expected: int, timeout: float = 15.0, **where: object) -> list[UsageRow]:
        """The usage records matching ``where`` once there are ``expected`` of them."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.rows(**where)
            if len(rows) >= expected or time.monotonic() > deadline:
                return rows
            time.sleep(0.1)


def _config(fast: FakeOpenAI, slow: FakeOpenAI, suffix: str) -> list[dict[str, Any]]:
    """Deployments named apart per run: breaker openings in Redis are keyed by name."""
    return [
        {
            "name": f"fast-{suffix}",
            "provider": "openai-compatible",
            "base_url": fast.base_url,
            "models": ["gpt-4o-mini"],
        },
        {
            "name": f"slow-{suffix}",
            "provider": "openai-compatible",
            "base_url": slow.base_url,
            "models": ["gpt-4.1"],
        },
        {
            "name": f"unreachable-{suffix}",
            "provider": "openai-compatible",
            "base_url": f"http://127.0.0.1:{free_port()}/v1",  # nothing listens there
            "models": ["gpt-4.1-nano"],
        },
    ]


def replica_environment(settings: Settings, database_url: str, redis_url: str) -> dict[str, str]:
    assert settings.config is not None
    return cli_env(
        settings,
        CAREERGATE_CONFIG=str(settings.config),
        CAREERGATE_DATABASE_URL=database_url,
        CAREERGATE_REDIS_URL=redis_url,
        CAREERGATE_KEY_CACHE_SECONDS=str(KEY_CACHE_SECONDS),
        CAREERGATE_BUDGET_REFRESH_SECONDS="0.1",
        CAREERGATE_USAGE_FLUSH_SECONDS="0.05",
        CAREERGATE_LEASE_HEARTBEAT_SECONDS="0.5",
        CAREERGATE_LEASE_STALE_SECONDS=str(LEASE_STALE_SECONDS),
        CAREERGATE_JOURNAL_ADOPT_SECONDS="1",
        CAREERGATE_DRAIN_SECONDS=str(DRAIN_SECONDS),
        CAREERGATE_RETRY_MAX_ATTEMPTS="1",
        CAREERGATE_FORWARDED_ALLOW_IPS="127.0.0.1",
        CAREERGATE_LOG_FORMAT="json",
        CAREERGATE_LOG_LEVEL="WARNING",
    )


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    require_nginx()
    redis_url = require_redis().removeprefix("async+")
    work = tmp_path_factory.mktemp("scale-out")
    suffix = secrets.token_hex(4)
    with (
        fresh_postgres_database() as database_url,
        FakeOpenAI() as fast,
        FakeOpenAI(stream_interval=0.05) as slow,
    ):
        settings = gateway_settings(work, _config(fast, slow, suffix), database_url=database_url)
        env = replica_environment(settings, database_url, redis_url)
        replicas = []
        for n in range(3):
            replica_env = {**env, "CAREERGATE_DATA_DIR": str(work / f"replica-{n}")}
            replicas.append(ServeReplica(free_port(), replica_env, work / "logs"))
        balancer = NginxBalancer(free_port(), work / "nginx", PROXY_CONF)
        topology = Topology(settings, env, replicas, balancer, fast, slow)
        topology.create_key()  # migrates the database before the replicas race to
        try:
            for replica in replicas:
                replica.start()
            for replica in replicas:
                replica.wait_ready()
            balancer.start([r.port for r in replicas])
            yield topology
        finally:
            balancer.stop()
            for replica in replicas:
                replica.terminate()  # all at once: each drains for DRAIN_SECONDS
            for replica in replicas:
                replica.stop()


def test_a_hard_budget_is_not_overrun_through_three_replicas(topology: Topology) -> None:
    secret, _ = topology.create_key(team="budgeted")
    worst = worst_case_nano()
    limit = worst * 40 + worst // 2  # room for 40 requests at their worst case
    budget = ledger_call(
        topology.settings,
        "create",
        name="forty requests",
        scope=Scope.TEAM,
        subject="budgeted",
        period=Period.LIFETIME,
        limit_nano_usd=limit,
    )

    outcomes = asyncio.run(burst(topology.base_url, secret, 120, 40, max_tokens=MAX_TOKENS))

    spent, reserved = _settled(topology, budget)
    assert reserved == 0
    assert spent <= limit  # never overrun, however the requests were spread
    assert limit - spent < worst  # and refused only once not one more worst case fits
    assert {o.error for o in outcomes} == {None, "budget_exceeded"}
    assert _processes(outcomes) >= 3  # the requests were spread over the replicas
    rows = topology.rows_when(120, team="budgeted")
    # The records' costs are what the ledger charged, except that a request of a worker
    # whose lease heartbeat lapsed past LEASE_STALE_SECONDS (a stalled host) is charged
    # its worst case, by design: more than it cost, never less.
    assert sum(row.cost_nano_usd or 0 for row in rows) <= spent
    _assert_metered_as_seen(topology, outcomes, rows)


def test_a_60_rpm_key_admits_60_across_three_replicas(topology: Topology) -> None:
    secret, _ = topology.create_key(rpm_limit=60)

    outcomes = asyncio.run(burst(topology.base_url, secret, 90, 30))

    assert sum(o.ok for o in outcomes) == 60  # not 60 per replica or per worker
    assert sum(o.error == "rate_limit_exceeded" for o in outcomes) == 30
    assert _processes(outcomes) >= 3


def test_a_revoked_key_is_refused_by_every_replica_within_the_key_cache_time(
    topology: Topology,
) -> None:
    admin, _ = topology.create_key(role=Role.ADMIN)
    secret, key_id = topology.create_key(user="leaver")
    asyncio.run(_each_replica(topology, secret))  # every worker has the key cached

    answer = httpx.delete(
        f"{topology.base_url.removesuffix('/v1')}/admin/keys/{key_id}",
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert answer.status_code == 200, answer.text
    time.sleep(KEY_CACHE_SECONDS + 0.2)  # the documented bound, and a scheduling margin

    refused = asyncio.run(_each_replica(topology, secret))
    assert {o.status for o in refused} == {401}


def test_a_breaker_opened_by_one_replica_is_honoured_by_all(topology: Topology) -> None:
    secret, _ = topology.create_key()
    first, *others = topology.replicas
    # gpt-4.1-nano's deployment cannot be reached (nothing listens there), and so its
    # health probes fail too: once open, its breaker stays open.
    with openai.OpenAI(base_url=f"{first.url}/v1", api_key=secret, max_retries=0) as client:
        for _ in range(8):  # one connection, so one worker of the first replica
            try:
                client.chat.completions.create(model="gpt-4.1-nano", messages=MESSAGES)
            except openai.APIStatusError as failed:
                if NOT_SENT in failed.message:
                    break  # its breaker is open
        else:
            pytest.fail("the breaker of the first replica never opened")
    # Each process publishes its openings and reads the others' once a second: every
    # worker of the other replicas skips the deployment within about two seconds. The
    # others are sent nothing meanwhile: a worker that had tried the deployment itself
    # could have opened its own breaker.
    time.sleep(BREAKER_SHARING_SECONDS)
    outcomes = asyncio.run(_each_replica(topology, secret, others, model="gpt-4.1-nano"))
    assert {o.error for o in outcomes} == {"upstream_unavailable"}
    assert all(NOT_SENT in (o.message or "") for o in outcomes), outcomes


def test_a_cached_answer_is_served_by_every_replica_to_its_own_user_only(
    topology: Topology,
) -> None:
    secret, _ = topology.create_key(act_for_users=True)  # a platform service's key
    prompt = f"Summarise this posting in one line: {secrets.token_hex(6)}"

    def ask_as(client: openai.OpenAI, user: str) -> tuple[str, str]:
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": prompt}],
            temperature=0,
            user=user,
        )
        return raw.headers["x-careergate-cache"], raw.headers["x-request-id"][:16]

    with openai.OpenAI(base_url=topology.base_url, api_key=secret, max_retries=0) as client:
        ann = [ask_as(client, "ann") for _ in range(12)]
        bob = [ask_as(client, "bob") for _ in range(3)]

    assert [state for state, _ in ann] == ["miss"] + ["hit"] * 11
    assert len({process for _, process in ann[1:]}) >= 3  # hits from every replica's Redis
    assert [state for state, _ in bob] == ["miss", "hit", "hit"]  # never ann's answer
    sent = [r for r in topology.fast.requests if prompt in str(r.body)]
    assert len(sent) == 2


def test_a_task_is_drained_by_the_workers_of_several_replicas(topology: Topology) -> None:
    secret, _ = topology.create_key(team="tasks")
    requests = [
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"Item {n}"}]}
        for n in range(24)
    ]
    headers = {"authorization": f"Bearer {secret}"}
    # Items that take a while, as model calls do: one process cannot take them all.
    topology.fast.faults.add_rate(Fault(delay=0.2), 1.0)
    try:
        with httpx.Client(base_url=topology.base_url, headers=headers, timeout=30) as api:
            body = {"kind": "chat.completions", "requests": requests}
            submitted = api.post("/tasks", json=body)
            assert submitted.status_code == 202, submitted.text
            task_id = submitted.json()["id"]
            deadline = time.monotonic() + 60
            while (task := api.get(f"/tasks/{task_id}").json())["status"] != "completed":
                assert time.monotonic() < deadline, task
                time.sleep(0.2)
    finally:
        topology.fast.faults.clear()
    assert task["progress"]["done"] == 24
    rows = topology.rows_when(24, team="tasks")
    assert len({row.request_id for row in rows}) == 24  # each item metered once

    async def owners(database: Database) -> set[str | None]:
        async with database.session() as session:
            query = select(TaskItemRow.owner).where(TaskItemRow.task_id == task_id)
            return set((await session.scalars(query)).all())

    assert len(in_database(topology.settings, owners)) >= 2  # run by several processes


@pytest.mark.timeout(720)  # above the sum of its waits: per restart 60 + 120 + 30 s
def test_a_rolling_restart_fails_no_request(topology: Topology) -> None:
    secret, _ = topology.create_key(team="rolling")
    budget = _roomy_budget(topology, "rolling")
    topology.slow.script(LONG_STREAM_PROMPT, " ".join(["word"] * 50))  # 2.5 s at 50 ms
    # The callers retry as the SDK does by default: nginx's reload closes its idle
    # keep-alive connections to callers, and one a caller was sending on at that instant
    # is lost before nginx read it. Every attempt is counted all the same.
    load = SteadyLoad(topology.base_url, secret, retries=2).start()
    ports = [r.port for r in topology.replicas]
    drained: list[Outcome] = []
    try:
        for replica in topology.replicas:
            # nginx does not poll /readyz: the replica leaves its rotation by a reload.
            topology.balancer.route_to([p for p in ports if p != replica.port])
            drained += asyncio.run(_stop_while_streaming(replica, secret))
            replica.wait_exit()
            replica.start()
            replica.wait_ready()
            topology.balancer.route_to(ports)
            _wait_answers(load, 10)
    finally:
        outcomes = load.stop()

    assert [o for o in outcomes if not o.ok] == []
    assert load.attempts is not None
    assert load.attempts.failed_statuses == []  # no attempt got a 502 or any 5xx
    # At most one caller connection lost per reload (6), each before nginx read it: the
    # usage records below show that no request reached a replica twice.
    assert len(load.attempts.lost) <= 6, load.attempts.lost
    assert sum(o.stream for o in outcomes) >= 3
    assert all(o.ok for o in drained)  # answered while draining; streams finished
    _, reserved = _settled(topology, budget)
    assert reserved == 0  # the stopped replicas settled their leases themselves
    rows = topology.rows_when(len(outcomes) + len(drained), team="rolling")
    _assert_metered_as_seen(topology, [*outcomes, *drained], rows)


@pytest.mark.timeout(480)  # above the sum of its waits (answers, settling, the restart)
def test_a_replica_killed_under_load_loses_only_what_it_had_not_answered(
    topology: Topology,
) -> None:
    secret, _ = topology.create_key(team="crash")
    budget = _roomy_budget(topology, "crash")
    callers = 12
    # Each answer takes 0.3 s upstream, so that every replica always has some in flight
    # (at about a dozen in all), however fast or slow the machine is.
    topology.fast.faults.add_rate(Fault(delay=0.3), 1.0)
    load = SteadyLoad(topology.base_url, secret, callers, rate=60, stream_every=0).start()
    try:
        victim = topology.replicas[-1]
        _wait_answers(load, 50)
        victim.kill()
        gone = time.monotonic()  # every process of the replica has ended
        _wait_answers(load, 150)
    finally:
        outcomes = load.stop()
        topology.fast.faults.clear()

    failed = [o for o in outcomes if not o.ok]
    assert failed  # it had requests in flight
    assert len(failed) <= callers  # at most the requests it had in flight
    # Requests sent after it was gone went to the others (nginx needs a turn of its
    # event loop to see the replica's connections closed).
    assert all(o.started < gone + 0.5 for o in failed), failed
    assert {o.status for o in failed} <= {502}  # nginx: the replica's connection was lost
    # Its leases are settled by the live replicas, at their worst case, within the
    # lease's stale time, without the dead replica coming back.
    spent, reserved = _settled(topology, budget, timeout=LEASE_STALE_SECONDS + 10)
    assert reserved == 0
    reconciled = topology.rows(team="crash", reconciled=True)
    answered = [o for o in outcomes if o.ok]
    # A lease is left by a request in flight, or by one answered whose settlement the
    # kill overtook: that one's exact record, in the journal, replaces the reconciled
    # one when the replica comes back (checked below).
    seen = {o.request_id for o in answered}
    lost = [row for row in reconciled if row.request_id not in seen]
    assert len(lost) <= len(failed)
    assert {row.error_code for row in reconciled} <= {"owner_lost"}

    victim.start()  # restarted on its data directory, it writes what its journal holds
    victim.wait_ready()
    rows = _rows_answering(topology, seen, len(answered) + len(lost), team="crash")
    # A request it settled but could not answer before dying is metered all the same.
    _assert_metered_as_seen(topology, outcomes, rows, unseen=len(failed))
    assert sum(row.cost_nano_usd or 0 for row in rows) <= spent  # lost: worst case charged


# -- helpers ----------------------------------------------------------------------------


def _processes(outcomes: list[Outcome]) -> int:
    """How many gateway workers answered: request ids start with their own prefix."""
    return len({o.request_id[:16] for o in outcomes if o.request_id})


def _rows_answering(
    topology: Topology, seen: set[str | None], expected: int, timeout: float = 15.0, **where: object
) -> list[UsageRow]:
    """The usage records matching ``where`` once there are ``expected`` of them and each
    request of ``seen`` has its answered record (or at timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = topology.rows(**where)
        answered = {row.request_id for row in rows if row.status_code == 200}
        if (len(rows) >= expected and seen <= answered) or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def _settled(topology: Topology, budget: object, timeout: float = 10.0) -> tuple[int, int]:
    """The budget's (spent, reserved) once nothing is reserved any more (or at timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        spent, reserved = ledger_call(topology.settings, "spent", budget)
        if reserved == 0 or time.monotonic() > deadline:
            return int(spent), int(reserved)
        time.sleep(0.1)


def _roomy_budget(topology: Topology, team: str) -> object:
    """A budget the team will not reach, so that its requests hold leases."""
    return ledger_call(
        topology.settings,
        "create",
        name=f"{team} budget",
        scope=Scope.TEAM,
        subject=team,
        period=Period.LIFETIME,
        limit_nano_usd=10**15,
    )


def _assert_metered_as_seen(
    topology: Topology, outcomes: list[Outcome], rows: list[UsageRow], unseen: int = 0
) -> None:
    """Every answer a caller saw has its usage record, with the tokens the caller saw;
    at most ``unseen`` answered records more (answers a crash kept from their callers)."""
    recorded = {row.request_id: row for row in rows}
    for outcome in outcomes:
        if outcome.ok:
            assert outcome.request_id is not None
            row = recorded.get(outcome.request_id)
            assert row is not None, f"answered but not metered: {outcome}"
            assert row.status_code == 200
            seen = (outcome.prompt_tokens, outcome.completion_tokens)
            assert (row.prompt_tokens, row.completion_tokens) == seen
    seen = {o.request_id for o in outcomes if o.ok}
    ok_rows = [row for row in rows if row.status_code == 200]
    assert len(ok_rows) - len(seen) <= unseen
    assert sum(
        r.prompt_tokens + r.completion_tokens for r in ok_rows if r.request_id in seen
    ) == sum(o.prompt_tokens + o.completion_tokens for o in outcomes if o.ok)


async def _each_replica(
    topology: Topology,
    secret: str,
    replicas: list[ServeReplica] | None = None,
    model: str = "gpt-4o-mini",
) -> list[Outcome]:
    """Six requests straight to each replica, each on a new connection so that both of
    its workers get some."""
    outcomes = []
    for replica in replicas or topology.replicas:
        for _ in range(6):
            client = async_client(f"{replica.url}/v1", secret, connections=1)
            try:
                outcomes.append(await ask(client, model=model))
            finally:
                await client.close()
    return outcomes


async def _stop_while_streaming(replica: ServeReplica, secret: str) -> list[Outcome]:
    """SIGTERM to ``replica`` while a long stream runs on it: its /readyz must fail at
    once while it still answers (a request sent then, and the stream)."""
    client = async_client(f"{replica.url}/v1", secret, connections=1)
    messages = [{"role": "user", "content": LONG_STREAM_PROMPT}]
    try:
        stream = asyncio.create_task(ask_streamed(client, "gpt-4.1", messages))
        await asyncio.sleep(0.3)
        replica.terminate()
        deadline = time.monotonic() + DRAIN_SECONDS
        while await asyncio.to_thread(replica.ready):
            assert time.monotonic() < deadline, "/readyz did not fail on SIGTERM"
            await asyncio.sleep(0.02)
        # Still answering while it drains, and closing each connection after its answer.
        draining = async_client(f"{replica.url}/v1", secret, connections=1)
        try:
            started = time.monotonic()
            raw = await draining.chat.completions.with_raw_response.create(
                model="gpt-4o-mini", messages=MESSAGES
            )
        finally:
            await draining.close()
        assert raw.headers["connection"] == "close"
        usage = raw.parse().usage
        assert usage is not None
        answered = Outcome(
            started,
            time.monotonic(),
            False,
            status=raw.status_code,
            request_id=raw.headers["x-request-id"],
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )
        return [answered, await stream]
    finally:
        await client.close()


def _wait_answers(load: SteadyLoad, count: int = 1, timeout: float = 30.0) -> bool:
    """Until the load has had ``count`` more answers."""
    target = sum(o.ok for o in list(load.outcomes)) + count
    deadline = time.monotonic() + timeout
    while sum(o.ok for o in list(load.outcomes)) < target:
        assert time.monotonic() < deadline, "the load got no answers"
        time.sleep(0.05)
    return True
