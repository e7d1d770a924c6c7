"""Every gateway process follows the erasures other processes record: one it could not
carry out (its cache's store out of reach or refusing) is tried again until it is, even
once its row is older than the window read each second; and an erasure run against a
Redis that refuses writes (a read-only replica) still erases everything else."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from careergate.auth.permissions import KeySpec
from careergate.cache.erasures import ERASURES, ErasureFollower, announce_in
from careergate.runtime import key_store
from careergate.storage.database import Database
from conftest import cli_env, gateway_settings, in_database, run_cli


def test_an_erasure_that_failed_here_is_tried_again_after_its_row_left_the_window(
    tmp_path: Path,
) -> None:
    settings = gateway_settings(tmp_path, [])
    forgotten: list[str] = []
    store_down = True

    async def forget(tag: str, erased_at: float) -> int:
        if store_down:
            raise ConnectionError("the cache's store is out of reach")
        forgotten.append(tag)
        return 1

    async def scenario(database: Database) -> list[int]:
        nonlocal store_down
        async with database.session() as session, session.begin():
            await announce_in(session, "tag-of-ana", datetime.now(UTC) - timedelta(seconds=30))
        follower = ErasureFollower(database, forget)
        counts = [await follower.follow()]  # the store is down: nothing erased, kept
        async with database.engine.begin() as connection:
            await connection.execute(delete(ERASURES))  # as if the row aged out
        store_down = False
        counts.append(await follower.follow())
        counts.append(await follower.follow())  # done: not erased twice
        return counts

    assert in_database(settings, scenario) == [0, 1, 0]
    assert forgotten == ["tag-of-ana"]


def test_a_follower_that_could_not_read_for_minutes_reads_back_to_its_last_read(
    tmp_path: Path,
) -> None:
    settings = gateway_settings(tmp_path, [])
    forgotten: list[str] = []

    async def forget(tag: str, erased_at: float) -> int:
        forgotten.append(tag)
        return 1

    async def scenario(database: Database) -> None:
        now = datetime.now(UTC)
        moments = iter([now - timedelta(minutes=10), now])
        follower = ErasureFollower(database, forget, clock=lambda: next(moments))
        await follower.follow()  # its last read that succeeded, ten minutes ago
        async with database.session() as session, session.begin():
            # made while it could not read: older than the window by now
            await announce_in(session, "tag-of-ben", now - timedelta(minutes=5))
        await follower.follow()

    in_database(settings, scenario)
    assert forgotten == ["tag-of-ben"]


@pytest.fixture
def refusing_redis() -> Iterator[str]:
    """A Redis on loopback that refuses every command as a read-only replica does."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                while connection.recv(65536):
                    connection.sendall(
                        b"-READONLY You can't write against a read only replica.\r\n"
                    )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{port}/0"
    server.close()


def test_an_erasure_against_a_redis_that_refuses_writes_erases_everything_else(
    tmp_path: Path, refusing_redis: str
) -> None:
    settings = gateway_settings(tmp_path, [])

    async def create(database: Database) -> None:
        keys = await key_store(settings, database)
        await keys.create(KeySpec(user="ana"))

    in_database(settings, create)
    env = cli_env(settings, CAREERGATE_REDIS_URL=refusing_redis)
    done = run_cli(env, "privacy", "delete", "--user", "ana", "--yes")
    assert json.loads(done.stdout)["keys_revoked"] == 1
    assert json.loads(done.stdout)["cache_entries"] == 0
    assert "could not erase a user's answers" in done.stderr
    assert "Traceback" not in done.stderr

    async def erasures(database: Database) -> int:
        async with database.engine.connect() as connection:
            return len((await connection.execute(ERASURES.select())).all())

    assert in_database(settings, erasures) == 1  # the gateways will erase the entries
