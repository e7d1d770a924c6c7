"""Telling a stalled database from dead processes.

Processes are taken for dead when their heartbeat is older than ``stale_after``. A stall
of the database itself (a long write holding SQLite's lock, such as an erasure's
``VACUUM`` or a big purge) holds every heartbeat back with it, so once it ends every
process would look dead at once. A process that judges others therefore first asks
whether it saw a stall lately: its own heartbeat more than half ``stale_after`` old, or
a pass of its own that took that long. After one, the others get ``stale_after`` to
beat again before any is taken for dead. (A process that owns no heartbeat cannot
tell.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from careergate.storage.database import Database
from careergate.storage.tables import LeaseOwnerRow
from careergate.storage.times import as_utc

OWNERS = LeaseOwnerRow.metadata.tables[LeaseOwnerRow.__tablename__]


class StallWatch:
    """Stalls of ``database`` as the lease owner ``owner`` sees them."""

    def __init__(self, database: Database, owner: str, stale_after: timedelta) -> None:
        self.database = database
        self.owner = owner
        self.stale_after = stale_after
        self._stalled_at: datetime | None = None

    async def stalled(self, now: datetime) -> bool:
        """Whether a stall ended less than ``stale_after`` before ``now`` (or goes on)."""
        query = select(OWNERS.c.heartbeat_at).where(OWNERS.c.owner == self.owner)
        async with self.database.engine.connect() as connection:
            own = await connection.scalar(query)
        if own is not None and now - as_utc(own) > self.stale_after / 2:
            self._stalled_at = now
        return self._stalled_at is not None and now - self._stalled_at < self.stale_after

    def timed(self, started: datetime, ended: datetime) -> None:
        """A pass of this process's own ran from ``started`` to ``ended``: a long one
        waited on a stall."""
        if ended - started > self.stale_after / 2:
            self._stalled_at = ended
