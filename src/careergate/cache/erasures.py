"""A user's erasure from the response cache, told to every process.

Entries kept in a process's memory can be erased only by that process, and an erasure
arrives at one of them (an admin request reaches one worker of one replica) or at none
(``careergate privacy delete`` is a process of its own). So the erasure writes a row to
the shared database (``cache_erasures``: the cache's keyed hash of the user, never the
name) in its own transaction, and every gateway process with a cache reads the rows of
the last ``LOOKBACK`` every ``every`` seconds and erases the users it has not erased yet
from its own memory and semantic index, and from Redis when it uses Redis. Every gateway
erases the Redis entries again (it finds none the second time), since the erasing
process may reach no Redis: ``careergate privacy delete`` run from a shell without
``CAREERGATE_REDIS_URL`` has no way to know the gateways use one. A process catches up,
as it starts and before it serves, with the rows of the last ``KEPT``: the erasures made
while no gateway ran, whose entries are still in Redis. It reads by time, not from the
last id it saw: PostgreSQL hands out ids when rows are inserted, not when they are
committed, so a row can appear behind a later one. Hosts must agree on the time to well
within ``LOOKBACK`` (NTP does). Rows older than ``KEPT`` are deleted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from careergate.background import repeat_every, stop
from careergate.storage.database import Database
from careergate.storage.tables import CacheErasureRow

log = logging.getLogger("careergate.cache")

ERASURES = CacheErasureRow.metadata.tables[CacheErasureRow.__tablename__]
LOOKBACK = timedelta(minutes=1)
KEPT = timedelta(days=2)


async def announce_in(session: AsyncSession, tag: str, now: datetime) -> None:
    """Tell every process, in the caller's transaction, that the user tagged ``tag``
    is erased."""
    await session.execute(insert(ERASURES).values(tag=tag, erased_at=now))
    await session.execute(delete(ERASURES).where(ERASURES.c.erased_at < now - KEPT))


class ErasureFollower:
    """Erases from this process's cache the users other processes erased."""

    def __init__(
        self,
        database: Database,
        forget: Callable[[str, float], Awaitable[int]],
        every: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """``forget``: erases a tagged user's entries from the stores this process's
        cache uses (its memory, or Redis), given the erasure's Unix time; ``clock``: the
        time now, as the rows' times are written."""
        self.database = database
        self.forget = forget
        self.every = every
        self.clock = clock
        self._done: set[int] = set()
        self._failed: dict[int, tuple[str, float]] = {}
        """Erasures whose entries could not be erased yet (their store out of reach), by
        row id: tried again every round, however old."""
        self._read_at: datetime | None = None
        """When the last read that succeeded began."""
        self._following: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Erase the users erased in the last ``KEPT`` (a failure is logged: the rows
        are read again each second), then follow the erasures every ``every`` seconds."""
        try:
            await self.follow(KEPT)
        except Exception:
            log.exception("could not read the cache's erasures")
        loop = repeat_every(
            self.every, self.follow, failure="could not read the cache's erasures", log=log
        )
        self._following = asyncio.get_running_loop().create_task(loop)

    async def follow(self, window: timedelta = LOOKBACK) -> int:
        """Erase the users erased in the last ``window`` (or since ``LOOKBACK`` before the
        last read that succeeded, after the database was out of reach) and not erased
        here yet, and those whose erasure failed here before; how many entries went. A
        failure to erase one (its store out of reach) is logged and kept for the next
        round, so that no erasure is dropped when it leaves the window."""
        began = self.clock()
        since = began - window
        if self._read_at is not None:
            since = min(since, self._read_at - LOOKBACK)
        query = select(ERASURES.c.id, ERASURES.c.tag, ERASURES.c.erased_at).where(
            ERASURES.c.erased_at >= since
        )
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        self._read_at = began
        due = dict(self._failed)
        due.update((r.id, (r.tag, _unix(r.erased_at))) for r in rows if r.id not in self._done)
        self._done = {row.id for row in rows}
        erased = 0
        for row_id, (tag, erased_at) in due.items():
            try:
                erased += await self.forget(tag, erased_at)
            except Exception as error:
                if row_id not in self._failed:
                    log.warning(
                        "a user's cached answers could not be erased yet (%s); "
                        "tried again each round",
                        type(error).__name__,
                    )
                self._failed[row_id] = (tag, erased_at)
            else:
                self._failed.pop(row_id, None)
        return erased

    async def close(self) -> None:
        await stop(self._following)


def _unix(at: datetime) -> float:
    """The Unix time of a row's time (SQLite gives it back without its zone: UTC)."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()
