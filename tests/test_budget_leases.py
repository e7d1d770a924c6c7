"""A gateway killed with requests in flight strands no budget reservation.

Each reservation is a lease of the process carrying it. A real ``careergate serve`` is
SIGKILLed while slow requests hold their worst case; another gateway on the same
database settles those leases within seconds: the holds released, the worst case
charged, a reconciled usage record written for each; and a new request is answered (or
refused) at once instead of waiting on reservations nobody will settle. On SQLite and
on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import openai
import pytest
from sqlalchemy import func, select

from careergate.budgets.leases import LeasedRequest
from careergate.budgets.ledger import Budget, BudgetLedger, Period, Scope
from careergate.budgets.owners import LeaseOwner
from careergate.budgets.reaper import LeaseReaper
from careergate.budgets.worst_case import SLACK_TOKENS
from careergate.pricing.catalogue import PriceCatalogue, nano_from_pico
from careergate.records.tables import UsageWriter
from careergate.reports.usage import usage_report
from careergate.sandbox.faults import Fault
from careergate.settings import Settings, TimeoutSettings
from careergate.storage.database import Database
from careergate.storage.tables import BudgetLeaseRow, UsageRow
from careergate.testing import FakeOpenAI
from careergate.tokenizer import TokenCounter
from careergate.usage.record import TokenUsage, UsageRecord
from conftest import RunningGateway, gateway_settings, serve_process, start_gateway
from test_budgets import MAX_TOKENS, MESSAGES, ledger_call, worst_case_nano
from test_postgres import fresh_postgres_database
from test_scale_out import process_env

IN_FLIGHT = 3
STALE_SECONDS = 2.0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """``None``: the gateway's own SQLite file; else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    with fresh_postgres_database() as url:
        yield url


def lease_env(settings: Settings, database_url: str | None) -> dict[str, str]:
    """The environment of a ``careergate serve`` of ``settings`` whose leases go stale
    after ``STALE_SECONDS``, on ``database_url`` when given."""
    env = process_env(settings)
    env["CAREERGATE_LEASE_STALE_SECONDS"] = str(STALE_SECONDS)
    if database_url:
        env["CAREERGATE_DATABASE_URL"] = database_url
    return env


def count_leases(settings: Settings) -> int:
    async def read() -> int:
        database = Database(settings.resolved_database_url)
        try:
            async with database.session() as session:
                found = await session.scalar(select(func.count()).select_from(BudgetLeaseRow))
                return int(found or 0)
        finally:
            await database.close()

    return asyncio.run(read())


def ask(client: openai.OpenAI, max_tokens: int = MAX_TOKENS) -> str:
    """``ok``, the refusal's code, or ``lost`` when the connection went."""
    try:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, max_tokens=max_tokens
        )
    except openai.RateLimitError as refused:
        return str(refused.code)
    except openai.APIConnectionError:
        return "lost"
    return "ok"


def wait_until(condition: object, what: str, seconds: float) -> float:
    """Poll ``condition`` (a callable) until it is true; the seconds it took."""
    start = time.monotonic()
    while not condition():  # type: ignore[operator]
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.1)
    return time.monotonic() - start


def test_a_killed_gateways_reservations_are_settled_by_the_next_one(
    database_url: str | None, tmp_path: Path
) -> None:
    worst = worst_case_nano()
    with FakeOpenAI() as fake, ExitStack() as running, ThreadPoolExecutor(IN_FLIGHT) as pool:
        overrides = {"database_url": database_url} if database_url else {}
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            **overrides,
        )
        env = lease_env(settings, database_url)
        first = running.enter_context(serve_process(env))
        gateway = RunningGateway(first.base_url, settings, fake)
        key = gateway.create_key(team="crash")
        budget: Budget = ledger_call(
            settings,
            "create",
            name="three and a half",
            scope=Scope.TEAM,
            subject="crash",
            period=Period.MONTHLY,
            limit_nano_usd=worst * IN_FLIGHT + worst // 2,
        )
        fake.faults.enqueue(*[Fault(delay=300) for _ in range(IN_FLIGHT)])
        slow = gateway.client(key, timeout=120)
        in_flight: list[Future[str]] = [pool.submit(ask, slow) for _ in range(IN_FLIGHT)]
        wait_until(
            lambda: ledger_call(settings, "spent", budget) == (0, worst * IN_FLIGHT),
            "the slow requests hold their worst case",
            30,
        )
        assert count_leases(settings) == IN_FLIGHT
        # Reserved before they are sent: killed before every one reached the upstream,
        # a delay left in its queue would hold the request after the restart.
        wait_until(
            lambda: sum(r.path.endswith("/chat/completions") for r in fake.requests) >= IN_FLIGHT,
            "the slow requests reach the upstream",
            30,
        )

        first.process.kill()  # SIGKILL: nothing is settled on the way out
        first.process.wait(timeout=10)
        assert [f.result(timeout=30) for f in in_flight] == ["lost"] * IN_FLIGHT
        second = running.enter_context(serve_process(env))  # its start-up reaps at once

        wait_until(
            lambda: ledger_call(settings, "spent", budget) == (worst * IN_FLIGHT, 0),
            "the killed requests' worst case is charged and nothing stays reserved",
            STALE_SECONDS + 10,
        )
        assert count_leases(settings) == 0
        after = RunningGateway(second.base_url, settings, fake)
        rows = after.usage_rows(expected=IN_FLIGHT)
        reconciled = [row for row in rows if row.reconciled]
        assert len(reconciled) == IN_FLIGHT
        assert {(r.team, r.cost_nano_usd, r.status_code) for r in reconciled} == {
            ("crash", worst, 502)
        }
        # The tokens it was charged for: the prompt as counted (with the slack) and the
        # output ceiling, so that a report's tokens agree with its cost.
        prompt = TokenCounter().chat_prompt_tokens("gpt-4o-mini", MESSAGES) + SLACK_TOKENS
        assert {(r.prompt_tokens, r.completion_tokens, r.usage_estimated) for r in reconciled} == {
            (prompt, MAX_TOKENS, True)
        }

        client = after.client(key, timeout=30)
        started = time.monotonic()
        assert ask(client, max_tokens=1) == "ok"  # fits in what the real spend leaves
        assert ask(client) == "budget_exceeded"  # and one that does not is told at once
        assert time.monotonic() - started < 5


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    async def migrate(url: str) -> None:
        database = Database(url)
        await database.migrate()
        await database.close()

    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'careergate.db'}"
        asyncio.run(migrate(url))
        yield url
        return
    with fresh_postgres_database() as url:
        asyncio.run(migrate(url))
        yield url


def leased(n: int) -> LeasedRequest:
    return LeasedRequest(
        f"req-lease-{n}", "chat/completions", False, "gpt-4o-mini", *[None] * 4, 40 + n, 4 * n
    )


async def reserved(ledger: BudgetLedger, cost: int, *requests: LeasedRequest) -> Budget:
    """A daily platform budget of $1 with a reservation of ``cost`` for each request,
    leased by ``ledger``'s owner and held for ten minutes."""
    budget = await ledger.create(
        name="b", scope=Scope.PLATFORM, subject="*", period=Period.DAILY, limit_nano_usd=10**9
    )
    deadline = asyncio.get_running_loop().time() + 600
    for request in requests:
        await ledger.reserve([budget], cost, deadline, request)
    return budget


def test_leases_reaped_by_several_processes_at_once_are_settled_once(migrated: str) -> None:
    count, cost = 40, 1_000

    async def scenario() -> tuple[list[int], tuple[int, int], int]:
        database = Database(migrated)
        gone = BudgetLedger(database, owner="gateway:gone:1:dead")
        budget = await reserved(gone, cost, *(leased(n) for n in range(count)))
        await gone.close()
        reapers = [Database(migrated) for _ in range(3)]
        settled = await asyncio.gather(
            *(LeaseReaper(db, f"reaper-{n}", stale_after=0).reap() for n, db in enumerate(reapers))
        )
        for db in reapers:
            await db.close()
        window = await gone.spent(budget)
        async with database.session() as session:
            rows = (await session.scalars(select(UsageRow).where(UsageRow.reconciled))).all()
            records = {r.request_id: (r.prompt_tokens, r.completion_tokens) for r in rows}
        await database.close()
        return settled, window, records

    settled, window, records = asyncio.run(scenario())
    assert sum(settled) == count
    assert window == (count * cost, 0)
    assert records == {f"req-lease-{n}": (40 + n, 4 * n) for n in range(count)}


def usage(request_id: str, *, reconciled: bool, cost: int) -> UsageRecord:
    return UsageRecord(
        request_id=request_id,
        created_at=datetime.now(UTC),
        endpoint="chat/completions",
        status_code=502 if reconciled else 200,
        latency_ms=1.0,
        cost_nano_usd=cost,
        usage=TokenUsage(prompt_tokens=0 if reconciled else 12),
        reconciled=reconciled,
    )


def test_an_exact_record_replaces_a_reconciled_one_and_is_never_counted_twice(
    migrated: str,
) -> None:
    async def scenario() -> list[tuple[bool, int | None, int]]:
        database = Database(migrated)
        writer = UsageWriter(database, flush_seconds=3600)
        writer.record(usage("req-late", reconciled=True, cost=900))
        await writer.flush()
        writer.record(usage("req-late", reconciled=False, cost=300))  # arrives later
        writer.record(usage("req-late", reconciled=False, cost=300))  # and is replayed
        await writer.flush()
        writer.record(usage("req-late", reconciled=True, cost=900))  # never goes back
        await writer.close()
        async with database.session() as session:
            rows = (await session.scalars(select(UsageRow))).all()
        await database.close()
        return [(row.reconciled, row.cost_nano_usd, row.prompt_tokens) for row in rows]

    assert asyncio.run(scenario()) == [(False, 300, 12)]


@pytest.mark.parametrize("exact_first", [False, True], ids=["reaped-first", "exact-first"])
def test_a_reconciled_record_gives_way_to_the_exact_one_in_either_order(
    migrated: str, exact_first: bool
) -> None:
    """The reaper and a replayed journal race for a request whose process died after
    answering it: whichever writes first, the request ends with its exact record, once,
    and the report counts it once."""

    async def scenario() -> tuple[list[tuple[bool, int | None, int, int]], int]:
        database = Database(migrated)
        gone = BudgetLedger(database, owner="gateway:gone:2:dead")
        await reserved(gone, 900, leased(7))
        writer = UsageWriter(database, flush_seconds=3600)
        exact = usage("req-lease-7", reconciled=False, cost=300)
        if exact_first:
            writer.record(exact)
            await writer.flush()
        await LeaseReaper(database, "reaper", stale_after=0).reap()
        if not exact_first:
            writer.record(exact)
            await writer.flush()
        await writer.close()
        await gone.close()
        async with database.session() as session:
            rows = (await session.scalars(select(UsageRow))).all()
        report = await usage_report(database, "user")
        await database.close()
        found = [
            (r.reconciled, r.cost_nano_usd, r.prompt_tokens, r.completion_tokens) for r in rows
        ]
        return found, report.total.requests

    rows, reported = asyncio.run(scenario())
    assert rows == [(False, 300, 12, 0)]
    assert reported == 1


def test_a_busy_process_is_still_alive_to_the_reapers(migrated: str) -> None:
    """A process whose event loop is held up (a burst of CPU-bound work) still renews its
    heartbeat, so its running requests' leases are not settled at their worst case."""

    async def scenario() -> tuple[int, tuple[int, int]]:
        database = Database(migrated)
        owner = LeaseOwner(database, "gateway", heartbeat_seconds=0.1)
        await owner.start()
        busy = BudgetLedger(database, owner=owner.id)
        budget = await reserved(busy, 1_000, leased(1))

        async def reap_meanwhile() -> int:
            await asyncio.sleep(1.0)
            elsewhere = Database(migrated)
            try:
                return await LeaseReaper(elsewhere, "reaper", stale_after=0.5).reap()
            finally:
                await elsewhere.close()

        with ThreadPoolExecutor(1) as other_process:
            reaping = other_process.submit(asyncio.run, reap_meanwhile())
            time.sleep(1.5)  # this event loop held up, as by a burst of CPU-bound work
            settled = reaping.result()
        window = await busy.spent(budget)
        await busy.close()
        await owner.close()
        await database.close()
        return settled, window

    settled, window = asyncio.run(scenario())
    assert settled == 0
    assert window == (0, 1_000)


EXITS_WITHOUT_CLOSING = """
import asyncio, sys
from careergate.budgets.owners import LeaseOwner
from careergate.storage.database import Database

async def main() -> None:
    owner = LeaseOwner(Database(sys.argv[1]), "command", heartbeat_seconds=30)
    await owner.start()
    await asyncio.sleep(0.5)  # its work; then it ends without closing the owner

asyncio.run(main())
"""


def test_a_process_that_never_closes_its_lease_owner_still_exits_at_once(
    migrated: str,
) -> None:
    """The heartbeat thread is a daemon that nothing waits for at exit: a command that
    ends without closing its owner (it goes stale, and is reaped) does not wait out a
    heartbeat interval first."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", EXITS_WITHOUT_CLOSING, migrated], capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 15  # the interval is 30 s
    assert b"Traceback" not in done.stderr


def test_a_stalled_database_makes_no_living_owner_look_dead(tmp_path: Path) -> None:
    """A long write holds SQLite's lock (an erasure's VACUUM, a big purge): every
    heartbeat waits behind it, the reaper's own too, so none is taken for dead."""
    path = tmp_path / "careergate.db"
    url = f"sqlite+aiosqlite:///{path}"

    def hold_the_write_lock(seconds: float) -> None:
        connection = sqlite3.connect(path, timeout=30)
        connection.execute("BEGIN IMMEDIATE")
        time.sleep(seconds)
        connection.commit()
        connection.close()

    async def scenario() -> tuple[int, tuple[int, int]]:
        database, elsewhere = Database(url), Database(url)
        await database.migrate()
        owner, reaping = LeaseOwner(database, "gateway", 0.2), LeaseOwner(elsewhere, "gateway", 0.2)
        await owner.start()
        await reaping.start()
        ledger = BudgetLedger(database, owner=owner.id)
        budget = await reserved(ledger, 1_000, leased(1))
        reaper = LeaseReaper(elsewhere, reaping.id, stale_after=1.0, every=0.2)
        await reaper.start()
        await asyncio.to_thread(hold_the_write_lock, 2.5)
        await asyncio.sleep(1.0)  # the reaper looks again, the heartbeats resumed
        settled = await reaper.reap()
        window = await ledger.spent(budget)
        await reaper.close()
        await ledger.close()
        for each in (owner, reaping):
            await each.close()
        for db in (database, elsewhere):
            await db.close()
        return settled, window

    settled, window = asyncio.run(scenario())
    assert settled == 0
    assert window == (0, 1_000)


def test_a_grown_lease_is_reaped_for_all_it_says_and_grows_only_while_held(
    migrated: str,
) -> None:
    """``extend_lease`` makes a reaper charge more, and report the tokens it is for; a
    lease settled already does not grow (its owner is told so)."""

    async def scenario() -> tuple[bool, bool, tuple[int, int], tuple[int, int], int]:
        database = Database(migrated)
        gone = BudgetLedger(database, owner="gateway:gone:3:dead")
        budget = await gone.create(
            name="soft", scope=Scope.PLATFORM, subject="*", period=Period.DAILY,
            limit_nano_usd=10**9, hard=False,
        )  # fmt: skip
        deadline = asyncio.get_running_loop().time() + 600
        reservation = await gone.reserve([budget], 1_000, deadline, leased(3))
        grown = await gone.extend_lease(reservation, 700, 30, 4)
        await LeaseReaper(database, "reaper", stale_after=0).reap()
        after = await gone.extend_lease(reservation, 700, 30, 4)
        window = await gone.spent(budget)
        async with database.session() as session:
            row = (await session.scalars(select(UsageRow))).one()
        await gone.close()
        await database.close()
        tokens = (row.prompt_tokens, row.completion_tokens)
        return grown, after, window, tokens, row.cost_nano_usd or 0

    grown, after, window, tokens, cost = asyncio.run(scenario())
    assert (grown, after) == (True, False)
    assert window == (1_700, 0)
    assert (tokens, cost) == ((43 + 30, 12 + 4), 1_700)


def worst_and_most(model: str) -> tuple[TokenUsage, int, TokenUsage, int]:
    """A request of this module on ``model``: the worst case its lease holds (tokens with
    the slack, cost), and an attempt of it given up, at its most (its prompt as counted,
    its output ceiling) and priced at ``model``'s price."""
    price = PriceCatalogue.shipped().price(model)
    assert price is not None
    prompt = TokenCounter().chat_prompt_tokens(model, MESSAGES)
    most = TokenUsage(prompt, MAX_TOKENS)
    most_cost = nano_from_pico(price.cost_pico(most))
    worst = TokenUsage(prompt + SLACK_TOKENS, MAX_TOKENS)
    return worst, most_cost + nano_from_pico(SLACK_TOKENS * price.input), most, most_cost


RESENT = {
    # One deployment: its first attempt's head does not come within the read timeout, so
    # it is given up and sent again (the last of two attempts) to the same deployment.
    "to-the-same-deployment": (
        "gpt-4o-mini",
        [{"name": "only", "provider": "openai-compatible", "models": ["gpt-4o-mini"]}],
        {},
        {"CAREERGATE_TIMEOUT_READ": "2", "CAREERGATE_RETRY_MAX_ATTEMPTS": "2"},
    ),
    # gpt-4o's deployment is waited out (its attempt time passes), and the request goes
    # to its fallback, gpt-4o-mini's.
    "to-a-fallback": (
        "gpt-4o",
        [
            {"name": "primary", "provider": "openai-compatible", "models": ["gpt-4o"]},
            {"name": "backup", "provider": "openai-compatible", "models": ["gpt-4o-mini"]},
        ],
        {"fallbacks": {"gpt-4o": ["gpt-4o-mini"]}},
        {"CAREERGATE_TIMEOUT_ATTEMPT": "1", "CAREERGATE_TIMEOUT_READ": "60"},
    ),
}


@pytest.mark.parametrize("resent", list(RESENT))
def test_a_killed_request_sent_again_after_an_attempt_given_up_is_charged_both(
    database_url: str | None, tmp_path: Path, resent: str
) -> None:
    """Under a soft budget, an attempt left unanswered is given up and the request sent
    again: the upstream may bill both answers. The gateway is SIGKILLed while the second
    is in flight; the next gateway settles the request's lease for both worst cases (the
    first attempt at its most, at its own model's price), in the budget and in the
    reconciled usage record, so that the crash leaves no answer unmetered."""
    model, deployments, config, timeouts = RESENT[resent]
    worst, worst_cost, most, most_cost = worst_and_most(model)
    with FakeOpenAI() as fake, ExitStack() as running, ThreadPoolExecutor(1) as pool:
        overrides = {"database_url": database_url} if database_url else {}
        settings = gateway_settings(
            tmp_path,
            [{**deployment, "base_url": fake.base_url} for deployment in deployments],
            extra_config=config,
            **overrides,
        )
        env = {**lease_env(settings, database_url), **timeouts}
        first = running.enter_context(serve_process(env))
        gateway = RunningGateway(first.base_url, settings, fake)
        key = gateway.create_key(team="resent")
        budget: Budget = ledger_call(
            settings,
            "create",
            name="soft",
            scope=Scope.TEAM,
            subject="resent",
            period=Period.MONTHLY,
            limit_nano_usd=10**9,
            hard=False,
        )
        fake.faults.enqueue(Fault(delay=300), Fault(delay=300))  # neither ever answered
        client = gateway.client(key, timeout=120)
        in_flight = pool.submit(
            lambda: client.chat.completions.create(
                model=model, messages=MESSAGES, max_tokens=MAX_TOKENS
            )
        )
        wait_until(
            lambda: sum(r.path.endswith("/chat/completions") for r in fake.requests) >= 2,
            "the request is given up once and sent again",
            30,
        )

        first.process.kill()  # SIGKILL while the second attempt is in flight
        first.process.wait(timeout=10)
        with pytest.raises(openai.APIConnectionError):
            in_flight.result(timeout=30)
        gateway.close_clients()
        running.enter_context(serve_process(env))  # it reaps the killed one's lease

        both = worst_cost + most_cost
        wait_until(
            lambda: ledger_call(settings, "spent", budget)[0] > 0,
            "the killed request's lease is settled",
            STALE_SECONDS + 10,
        )
        assert ledger_call(settings, "spent", budget) == (both, 0)
        assert count_leases(settings) == 0
        assert len(fake.requests) == 2
        (record,) = gateway.usage_rows(expected=1)
    assert (record.reconciled, record.team, record.status_code) == (True, "resent", 502)
    assert record.cost_nano_usd == both
    assert (record.prompt_tokens, record.completion_tokens, record.usage_estimated) == (
        worst.prompt_tokens + most.prompt_tokens,
        worst.completion_tokens + most.completion_tokens,
        True,
    )


def test_a_lease_that_cannot_grow_while_the_database_stalls_ends_the_request_at_its_deadline(
    tmp_path: Path,
) -> None:
    """An attempt given up on the failover path grows its request's lease before the
    fallback is sent. With another writer holding SQLite's lock, that growth waits (up to
    the busy timeout, 10 s); the request still ends at its own deadline (3 s), while
    the lock is held, with a 504 saying why, and nothing is sent to the fallback."""
    deadline, held_at_most = 3, 9  # the lock is let go early once the answer came
    with FakeOpenAI() as fake, ThreadPoolExecutor(2) as pool:
        settings = gateway_settings(
            tmp_path,
            [
                {"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url,
                 "models": ["gpt-4o"]},
                {"name": "backup", "provider": "openai-compatible", "base_url": fake.base_url,
                 "models": ["gpt-4o-mini"]},
            ],
            extra_config={"fallbacks": {"gpt-4o": ["gpt-4o-mini"]}},
            timeouts=TimeoutSettings(connect=2, read=60, total=deadline, attempt=1),
        )  # fmt: skip
        with contextlib.closing(start_gateway(settings, fake)) as started:
            gateway = next(started)
            key = gateway.create_key(team="stalled")
            ledger_call(
                settings, "create", name="soft", scope=Scope.TEAM, subject="stalled",
                period=Period.MONTHLY, limit_nano_usd=10**9, hard=False,
            )  # fmt: skip
            fake.faults.enqueue(Fault(delay=300))  # the primary never answers
            answered = threading.Event()
            asked = pool.submit(
                lambda: gateway.client(key, max_retries=0).chat.completions.create(
                    model="gpt-4o", messages=MESSAGES, max_tokens=MAX_TOKENS
                )
            )
            asked.add_done_callback(lambda _: answered.set())
            wait_until(lambda: len(fake.requests) == 1, "the primary attempt is sent", 15)

            lock = sqlite3.connect(settings.data_dir / "careergate.db", timeout=30)
            lock.execute("BEGIN IMMEDIATE")
            try:
                came_while_held = answered.wait(held_at_most)
            finally:
                lock.commit()
                lock.close()
            with pytest.raises(openai.APIStatusError) as refused:
                asked.result(timeout=30)
            assert came_while_held
            assert refused.value.status_code == 504
            assert refused.value.code == "deadline_exceeded"
            assert len(fake.requests) == 1  # the fallback never sent
            assert gateway.usage_rows(expected=1)[0].status_code == 504
