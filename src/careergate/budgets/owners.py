"""Lease owners: the processes that hold budget leases, and their heartbeats.

An owner is any process that takes leases (today a gateway worker); its id names the
host, the process and a random part, so that a restarted process with a reused pid is
another owner. While it runs it renews its ``lease_owners`` row every
``heartbeat_seconds``; once the row is older than the reaper's ``stale_after`` (or
gone), its leases are settled by whichever process reaps first (``reaper.py``).

Heartbeats are the owner's wall-clock time, compared with the reaper's: the hosts
sharing a database must agree on the time to well within ``stale_after`` (NTP does).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from careergate.background import repeat_every, stop
from careergate.storage.batch import dialect_insert
from careergate.storage.database import Database
from careergate.storage.tables import LeaseOwnerRow

log = logging.getLogger("careergate.budgets")

OWNERS = LeaseOwnerRow.metadata.tables[LeaseOwnerRow.__tablename__]


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
        self._beating: asyncio.Task[None] | None = None

    async def beat(self) -> None:
        """Renew the heartbeat (or write it again, should another process have taken
        this owner for dead and removed it)."""
        now = datetime.now(UTC)
        statement = dialect_insert(self.database.url.get_backend_name(), OWNERS)
        statement = statement.values(owner=self.id, started_at=self._started, heartbeat_at=now)
        renewed = statement.on_conflict_do_update(
            index_elements=["owner"], set_={"heartbeat_at": now}
        )
        async with self.database.engine.begin() as connection:
            await connection.execute(renewed)

    async def start(self) -> None:
        await self.beat()
        loop = repeat_every(
            self.heartbeat_seconds,
            self.beat,
            failure="could not renew this process's lease heartbeat",
            log=log,
        )
        self._beating = asyncio.get_running_loop().create_task(loop)

    async def close(self) -> None:
        await stop(self._beating)
        try:
            async with self.database.engine.begin() as connection:
                await connection.execute(delete(OWNERS).where(OWNERS.c.owner == self.id))
        except Exception:  # its heartbeat goes stale instead: the same, a little later
            log.exception("could not remove this process's lease owner row")


async def stand_in_until(database: Database, owner: str, until: datetime) -> None:
    """Write an owner that is no process: a batch, whose leases must outlive whichever
    process submitted or follows it. Its heartbeat is dated ``until`` (the batch's
    expiry), so the reaper leaves its leases alone until then; ``forget_in`` ends it."""
    statement = dialect_insert(database.url.get_backend_name(), OWNERS)
    statement = statement.values(owner=owner, started_at=datetime.now(UTC), heartbeat_at=until)
    renewed = statement.on_conflict_do_update(
        index_elements=["owner"], set_={"heartbeat_at": until}
    )
    async with database.engine.begin() as connection:
        await connection.execute(renewed)


async def forget_in(connection: AsyncConnection, owner: str) -> None:
    """Remove a stand-in owner inside the caller's transaction."""
    await connection.execute(delete(OWNERS).where(OWNERS.c.owner == owner))
