"""Shared fixtures: a real gateway (uvicorn on loopback) in front of the fake OpenAI."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import openai
import pytest
import typer
import uvicorn
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from careergate.auth.permissions import KeySpec
from careergate.auth.principal import Role
from careergate.cli.guard import run_guarded
from careergate.cli.main import app
from careergate.http.app import create_app
from careergate.http.protocol import GatewayHttpProtocol
from careergate.runtime import key_store, open_database
from careergate.security.master_key import MasterKey
from careergate.settings import BreakerSettings, RetrySettings, Settings, TimeoutSettings
from careergate.storage.database import Database
from careergate.storage.tables import UsageRow
from careergate.testing import FakeOpenAI

T = TypeVar("T")
CLI = str(Path(sys.executable).parent / "careergate")
LONGEST_FILES = (
    "test_scale_out_replicas.py",
    "test_crash_metering.py",
    "test_budget_leases.py",
    "test_cli.py",
    "test_failover.py",
    "test_name_model.py",
    "test_budget_shapes.py",
    "test_audit_log.py",
)
"""The files that take longest, longest first (docs/benchmarks.md, "The test suite on
two cores"):
``make test`` gives each file to one worker (``--dist loadfile``), and one of these
started last would leave the other workers idle at the end."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first; the rest in their own order (the sort is stable)."""
    rank = {name: place for place, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def cli_env(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    """This environment without upstream or careergate settings; then ``settings``'s master
    key and data directory, then ``extra``: what the CLI of that gateway would see."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "AZURE_OPENAI_", "CAREERGATE_"))
    }
    if settings is not None:
        assert settings.master_key is not None
        env["CAREERGATE_MASTER_KEY"] = settings.master_key.get_secret_value()
        env["CAREERGATE_DATA_DIR"] = str(settings.data_dir)
    env.update(extra)
    return env


class _ThisThreadsWarnings(logging.Handler):
    """What a process of its own prints of its log: the warnings and errors (logging's
    last resort, as the CLI configures no logging), here those of this thread alone (a
    gateway running in this process logs from its own)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        thread = threading.get_ident()
        self.addFilter(lambda record: record.thread == thread)

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")  # the command's, while it runs
        sys.stderr.flush()


def _logging_state() -> dict[logging.Logger, tuple[list[logging.Handler], int, bool, bool]]:
    """Every logger's handlers, level, propagation and switch, to put back."""
    loggers = [logging.getLogger()] + [
        found
        for found in logging.Logger.manager.loggerDict.values()
        if isinstance(found, logging.Logger)
    ]
    return {
        logger: (logger.handlers[:], logger.level, logger.propagate, logger.disabled)
        for logger in loggers
    }


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``careergate ARGS`` as an operator runs it, in this process with ``env`` as its
    whole environment and its own standard streams (what ``careergate`` runs, without
    the second of imports a new process spends); by default it must succeed. Tests of
    what only a process of its own shows (signals, bytes that are not UTF-8, the entry
    point) run ``CLI``."""
    before = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    root = logging.getLogger()
    loggers = _logging_state()
    try:
        with CliRunner().isolation(input=stdin) as (stdout, stderr, _):
            warnings = _ThisThreadsWarnings()
            root.addHandler(warnings)
            try:
                code = run_guarded(typer.main.get_command(app), list(args))
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else 1
            finally:
                root.removeHandler(warnings)
            done = subprocess.CompletedProcess(
                [CLI, *args], code, stdout.getvalue().decode(), stderr.getvalue().decode()
            )
    finally:  # what the command set too (``serve`` hands its settings on in variables,
        # and sends the log to its stderr, which is gone once it returns)
        os.environ.clear()
        os.environ.update(before)
        for logger, (handlers, level, propagate, disabled) in loggers.items():
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate, logger.disabled = propagate, disabled
    if check:
        assert done.returncode == 0, done.stderr
    return done


def free_port() -> int:
    """A port free now, below the range the kernel hands out to connections (another
    test's client could otherwise take it before the server binds it)."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        port = random.randrange(10_000, low)  # a port, not a secret
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


@dataclass
class ServedProcess:
    """A ``careergate serve`` OS process; its output goes to files (a pipe nobody reads
    would fill up with log lines and stall it)."""

    base_url: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    @property
    def printed(self) -> str:
        return self.stdout.read_text()

    def stop(self) -> str:
        """SIGTERM, wait for the exit; what it logged."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        return self.stderr.read_text()


@contextmanager
def serve_process(
    env: dict[str, str], *options: str, tls: ssl.SSLContext | None = None
) -> Iterator[ServedProcess]:
    """``careergate serve OPTIONS`` as its own OS process, ready, until the block ends;
    ``tls``: it serves TLS, and this client context trusts its certificate. Started
    again on another port if another process took its port first."""
    for _ in range(3):
        served = _serve(env, options, tls)
        if served is not None:
            break
    else:
        raise AssertionError("serve did not start: its port was taken three times")
    try:
        yield served
    finally:
        served.stop()


def _serve(
    env: dict[str, str], options: tuple[str, ...], tls: ssl.SSLContext | None
) -> ServedProcess | None:
    """``serve_process``'s process, ready; ``None`` if its port was taken."""
    port = free_port()
    scheme = "http" if tls is None else "https"
    logs = Path(env["CAREERGATE_DATA_DIR"]).parent / f"serve-{port}"
    logs.mkdir(parents=True)
    with (logs / "stdout").open("wb") as out, (logs / "stderr").open("wb") as err:
        process = subprocess.Popen(
            [CLI, "serve", "--port", str(port), *options], env=env, stdout=out, stderr=err
        )
    served = ServedProcess(
        f"{scheme}://127.0.0.1:{port}/v1", process, logs / "stdout", logs / "stderr"
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            ready = f"{scheme}://127.0.0.1:{port}/healthz"  # http or https, never a file
            with urllib.request.urlopen(ready, context=tls):  # noqa: S310
                return served
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                logged = served.stop()
                if "already in use" in logged:
                    return None
                raise AssertionError(f"serve did not start: {logged}") from None
            time.sleep(0.05)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def in_database[T](settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on the gateway's database from the test's own thread."""

    async def main() -> T:
        database = await open_database(settings)
        try:
            return await work(database)
        finally:
            await database.close()

    return asyncio.run(main())


class ServerThread:
    """Runs an ASGI app under uvicorn (with uvloop) in a background thread."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            loop="uvloop",
            http=GatewayHttpProtocol,  # as `careergate serve` runs it
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> int:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("gateway did not start")
            time.sleep(0.01)
        return int(self.server.servers[0].sockets[0].getsockname()[1])

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@dataclass
class RunningGateway:
    """A running gateway, with helpers that go through careergate's public interfaces."""

    base_url: str
    settings: Settings
    fake: FakeOpenAI
    _clients: list[openai.OpenAI] = field(default_factory=list)

    def close_clients(self) -> None:
        while self._clients:
            self._clients.pop().close()

    def create_key(self, **options: Any) -> str:
        async def work(database: Database) -> str:
            keys = await key_store(self.settings, database)
            return (await keys.create(KeySpec(**options))).secret

        return in_database(self.settings, work)

    def client(self, key: str | None = None, **options: Any) -> openai.OpenAI:
        options.setdefault("max_retries", 0)
        client = openai.OpenAI(base_url=self.base_url, api_key=key or self.create_key(), **options)
        self._clients.append(client)
        return client

    def async_client(self, key: str | None = None, **options: Any) -> openai.AsyncOpenAI:
        options.setdefault("max_retries", 0)
        return openai.AsyncOpenAI(
            base_url=self.base_url, api_key=key or self.create_key(), **options
        )

    def usage_record(self, request_id: str, timeout: float = 15.0) -> UsageRow:
        """The usage record of one request, once it has been written."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for row in self.usage_rows():
                if row.request_id == request_id:
                    return row
            time.sleep(0.05)
        raise AssertionError(f"no usage record for {request_id}")

    def usage_rows(self, expected: int | None = None, timeout: float = 5.0) -> list[UsageRow]:
        """The usage records written so far (waiting until ``expected`` are there)."""

        async def read() -> list[UsageRow]:
            database = await open_database(self.settings)
            try:
                async with database.session() as session:
                    return list(
                        (await session.scalars(select(UsageRow).order_by(UsageRow.id))).all()
                    )
            finally:
                await database.close()

        deadline = time.monotonic() + timeout
        while True:
            rows = asyncio.run(read())
            if expected is None or len(rows) >= expected or time.monotonic() > deadline:
                return rows
            time.sleep(0.05)


def gateway_settings(
    tmp_path: Path,
    deployments: list[dict[str, Any]],
    prices: dict[str, Any] | None = None,
    extra_config: dict[str, Any] | None = None,
    **overrides: Any,
) -> Settings:
    """Settings of a test gateway: ``deployments``, ``prices`` and ``extra_config`` go into
    its YAML config file, ``overrides`` replace settings."""
    config = tmp_path / "careergate.yaml"
    # The privacy step has tests of its own; elsewhere it would only add the name model's
    # load to every gateway started.
    contents = {
        "deployments": deployments,
        "prices": prices,
        "privacy": {"mode": "off"},
        **(extra_config or {}),
    }
    config.write_text(yaml.safe_dump(contents))
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "config": config,
        "master_key": MasterKey.generate().to_base64(),
        "key_cache_seconds": 0.2,
        "budget_refresh_seconds": 0.1,
        "usage_flush_seconds": 0.05,
        "log_format": "json",
        "timeouts": TimeoutSettings(connect=2, read=30, total=30),
        "retry": RetrySettings(
            max_attempts=4, backoff_base=0.01, backoff_cap=0.05, retry_after_cap=5
        ),
    }
    values.update(overrides)
    return Settings(**values)


def start_gateway(settings: Settings, fake: FakeOpenAI) -> Iterator[RunningGateway]:
    server = ServerThread(create_app(settings))
    port = server.start()
    try:
        running = RunningGateway(f"http://127.0.0.1:{port}/v1", settings, fake)
        yield running
        running.close_clients()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def module_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def module_gateway(
    module_fake: FakeOpenAI,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[RunningGateway]:
    """The module's gateway. In a module marked ``breaker_never_opens`` its circuit
    breaker never opens: tests there fail the upstream on purpose, and a breaker they
    opened would leave a later test's model call unavailable for as long as it stays
    open (a matter of timing and of the tests' order)."""
    never_opens = request.node.get_closest_marker("breaker_never_opens") is not None
    breaker = BreakerSettings(consecutive_failures=1000, min_requests=1000)
    settings = gateway_settings(
        tmp_path_factory.mktemp("gateway"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        **({"breaker": breaker} if never_opens else {}),
    )
    yield from start_gateway(settings, module_fake)


@pytest.fixture
def gateway(module_gateway: RunningGateway) -> Iterator[RunningGateway]:
    """The module's gateway with a fake upstream that starts each test clean."""
    module_gateway.fake.reset()
    yield module_gateway
    module_gateway.close_clients()
    module_gateway.fake.reset()


@pytest.fixture
def admin_key(gateway: RunningGateway) -> str:
    return gateway.create_key(role=Role.ADMIN)


def require_redis() -> str:
    """The test Redis's URL; skips the test without one (fails it under CI)."""
    with socket.socket() as sock:
        sock.settimeout(1)
        reachable = sock.connect_ex(("127.0.0.1", 6379)) == 0
    if not reachable:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is required under CI but 127.0.0.1:6379 is unreachable")
        pytest.skip("no Redis server on 127.0.0.1:6379")
    return "async+redis://127.0.0.1:6379/0"


def postgres_url() -> str:
    return os.environ.get(
        "CAREERGATE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )


async def usage_totals_of(database: Database) -> tuple[int, int, int]:
    """(records, prompt tokens, completion tokens) in a database's usage records."""
    async with database.session() as session:
        count, prompt, completion = (
            await session.execute(
                select(
                    func.count(),
                    func.sum(UsageRow.prompt_tokens),
                    func.sum(UsageRow.completion_tokens),
                )
            )
        ).one()
    return int(count), int(prompt or 0), int(completion or 0)
