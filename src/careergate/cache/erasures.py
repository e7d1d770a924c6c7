"""A user's erasure from the response cache, told to every process.

Entries kept in a process's memory can be erased only by that process, and an erasure
arrives at one of them (an admin request reaches one worker of one replica) or at none
(``careergate privacy delete`` is a process of its own). So an erasure is written to
the shared database (``cache_erasures``: the cache's keyed hash of the user, never the
name), and every gateway process with a cache reads the rows written since its last
look every ``every`` seconds and erases those users' entries from its own memory and
semantic index. Redis entries are erased once, by the process that writes the row.
Rows older than ``KEPT`` are deleted: by then every entry of the time has expired (no
time to live is that long) or its process has seen the row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select

from careergate.background import repeat_every, stop
from careergate.storage.database import Database
from careergate.storage.tables import CacheErasureRow

log = logging.getLogger("careergate.cache")

ERASURES = CacheErasureRow.metadata.tables[CacheErasureRow.__tablename__]
KEPT = timedelta(days=2)


async def announce(database: Database, tag: str) -> None:
    """Tell every process that the user tagged ``tag`` is erased."""
    now = datetime.now(UTC)
    async with database.engine.begin() as connection:
        await connection.execute(insert(ERASURES).values(tag=tag, erased_at=now))
        await connection.execute(delete(ERASURES).where(ERASURES.c.erased_at < now - KEPT))


class ErasureFollower:
    """Erases from this process's cache the users other processes erased."""

    def __init__(
        self, database: Database, forget: Callable[[str], Awaitable[int]], every: float = 1.0
    ) -> None:
        """``forget``: erases a tagged user's entries from this process's cache."""
        self.database = database
        self.forget = forget
        self.every = every
        self._seen = 0
        self._following: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Follow the erasures written from now on (entries older than this process
        were never in its memory)."""
        async with self.database.engine.connect() as connection:
            self._seen = int(await connection.scalar(select(func.max(ERASURES.c.id))) or 0)
        loop = repeat_every(
            self.every, self.follow, failure="could not read the cache's erasures", log=log
        )
        self._following = asyncio.get_running_loop().create_task(loop)

    async def follow(self) -> int:
        """Erase the users erased since the last look; how many entries went."""
        query = select(ERASURES.c.id, ERASURES.c.tag).where(ERASURES.c.id > self._seen)
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(query.order_by(ERASURES.c.id))).all()
        erased = 0
        for row in rows:
            erased += await self.forget(row.tag)
            self._seen = row.id
        return erased

    async def close(self) -> None:
        await stop(self._following)
