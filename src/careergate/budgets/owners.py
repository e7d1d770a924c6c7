"""Lease owners: the processes that hold budget leases, and their heartbeats.

An owner is any process that takes leases (today a gateway worker); its id names the
host, the process and a random part, so that a restarted process with a reused pid is
another owner. While it runs it renews its ``lease_owners`` row every
``heartbeat_seconds``; once the row is older than the reaper's ``stale_after`` (or
gone), its leases are settled by whichever process reaps first (``reaper.py``).

Heartbeats are the owner's wall-clock time, compared with the reaper's: the hosts
sharing a database must agree on the time to well within ``stale_after`` (NTP does).

The heartbeat runs on a thread of its own, with its own event loop and its own database
connection: a process busy with requests (its event loop late by seconds, its pool
taken by request-path transactions) must still be seen alive, or the others would
settle its running requests at their worst case and overcharge their budgets.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from careergate.storage.batch import dialect_insert
from careergate.storage.database import Database
from careergate.storage.tables import LeaseOwnerRow

log = logging.getLogger("careergate.budgets")

OWNERS = LeaseOwnerRow.metadata.tables[LeaseOwnerRow.__tablename__]
JOIN_SECONDS = 5.0
"""How long ``close`` waits for a heartbeat in progress (a stalled database)."""


def new_owner_id(kind: str) -> str:
    """``kind:host:pid:random``, at most 64 characters."""
    host = socket.gethostname()[:24]
    return f"{kind[:16]}:{host}:{os.getpid()}:{secrets.token_hex(4)}"


class LeaseOwner:
    """This process as a lease owner: ``start()`` writes its first heartbeat (before any
    lease can name it) and keeps beating until ``close()``, which removes its row so
    that any lease it still holds is settled at once by the others."""

    def __init__(self, database: Database, kind: str, heartbeat_seconds: float = 1.0) -> None:
        self.database = database
        self.id = new_owner_id(kind)
        self.heartbeat_seconds = heartbeat_seconds
        self._started = datetime.now(UTC)
        self._stopping = threading.Event()
        self._beating: threading.Thread | None = None

    async def beat(self, database: Database | None = None) -> None:
        """Renew the heartbeat (or write it again, should another process have taken
        this owner for dead and removed it), through ``database`` (default: the
        process's own)."""
        database = database or self.database
        now = datetime.now(UTC)
        statement = dialect_insert(database.url.get_backend_name(), OWNERS)
        statement = statement.values(owner=self.id, started_at=self._started, heartbeat_at=now)
        renewed = statement.on_conflict_do_update(
            index_elements=["owner"], set_={"heartbeat_at": now}
        )
        async with database.engine.begin() as connection:
            await connection.execute(renewed)

    async def start(self) -> None:
        """Write the first heartbeat, then keep beating on the heartbeat thread."""
        await self.beat()
        self._stopping.clear()
        self._beating = threading.Thread(target=self._beat_until_closed, name="lease-heartbeat")
        self._beating.daemon = True  # a process that exits without close() just goes stale
        self._beating.start()

    def _beat_until_closed(self) -> None:
        """The heartbeat thread: an event loop and a connection of its own. It waits for
        the next beat on the stop event itself, not on an executor's thread, which the
        interpreter would wait for at exit (a heartbeat interval, for a process ending
        without ``close()``)."""
        loop = asyncio.new_event_loop()
        own = Database(self.database.url)
        try:
            while not self._stopping.wait(self.heartbeat_seconds):
                try:
                    loop.run_until_complete(self.beat(own))
                except Exception:
                    log.exception("could not renew this process's lease heartbeat")
        finally:
            loop.run_until_complete(own.close())
            loop.close()

    async def close(self) -> None:
        """Stop beating and remove the owner row. A beat held up by a stalled database is
        waited for at most ``JOIN_SECONDS``: the thread is a daemon, and the row it may
        still write goes stale like any dead owner's (its leases are settled by then)."""
        self._stopping.set()
        if self._beating is not None:
            await asyncio.to_thread(self._beating.join, JOIN_SECONDS)
            if self._beating.is_alive():
                log.warning("the lease heartbeat did not stop in %.0f s; left behind", JOIN_SECONDS)
        try:
            async with self.database.engine.begin() as connection:
                await connection.execute(delete(OWNERS).where(OWNERS.c.owner == self.id))
        except Exception:  # its heartbeat goes stale instead: the same, a little later
            log.exception("could not remove this process's lease owner row")


async def stand_in_until(database: Database, owner: str, until: datetime) -> None:
    """Write an owner that is no process: a batch, whose leases must outlive whichever
    process submitted or follows it. Its heartbeat is dated ``until`` (the batch's
    expiry), so the reaper leaves its leases alone until then; ``forget_in`` ends it."""
    async with database.engine.begin() as connection:
        await stand_in(connection, owner, until)


async def stand_in(connection: AsyncConnection, owner: str, until: datetime) -> None:
    """``stand_in_until`` inside the caller's transaction."""
    statement = dialect_insert(connection.dialect.name, OWNERS)
    statement = statement.values(owner=owner, started_at=datetime.now(UTC), heartbeat_at=until)
    renewed = statement.on_conflict_do_update(
        index_elements=["owner"], set_={"heartbeat_at": until}
    )
    await connection.execute(renewed)


async def forget_in(connection: AsyncConnection, owner: str) -> None:
    """Remove a stand-in owner inside the caller's transaction."""
    await connection.execute(delete(OWNERS).where(OWNERS.c.owner == owner))
