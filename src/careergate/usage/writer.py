"""Batched, off-the-hot-path writing of usage records.

``record()`` only appends to a buffer. A background task writes the buffer in one
multi-row insert every ``flush_seconds`` (or sooner once ``batch_size`` records wait).
``close()`` writes what is left, so a clean shutdown loses nothing. A crash loses at
most the records still in the buffer: those of the last ``flush_seconds`` plus those of
requests still in flight. A failed write keeps the batch and retries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from careergate.storage import Database
from careergate.storage.batch import BatchInserter
from careergate.storage.models import UsageRow
from careergate.usage.record import UsageRecord

log = logging.getLogger("careergate.usage")

_MAX_BUFFERED = 200_000
"""Beyond this many unwritten records (a database down for long), the oldest are dropped."""


class UsageWriter:
    def __init__(
        self, database: Database, flush_seconds: float = 0.5, batch_size: int = 500
    ) -> None:
        self._inserter = BatchInserter(database, UsageRow.metadata.tables[UsageRow.__tablename__])
        self.flush_seconds = flush_seconds
        self.batch_size = batch_size
        self._buffer: list[UsageRecord] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.written = 0

    def record(self, record: UsageRecord) -> None:
        self._buffer.append(record)
        if len(self._buffer) >= self.batch_size:
            self._wakeup.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="careergate-usage-writer")

    async def _run(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.flush_seconds)
            self._wakeup.clear()
            await self.flush()

    async def flush(self) -> None:
        """Write what is buffered now, in one transaction; on failure keep it for the next
        try. Records that arrive meanwhile wait for the next flush: chasing them would turn
        one batch into a stream of tiny inserts under load."""
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        started = time.perf_counter()
        try:
            await self._inserter.insert([r.to_row() for r in batch])
        except Exception:
            log.exception("writing %d usage records failed; will retry", len(batch))
            self._buffer[:0] = batch
            if len(self._buffer) > _MAX_BUFFERED:
                dropped = len(self._buffer) - _MAX_BUFFERED
                del self._buffer[:dropped]
                log.error("dropped %d unwritten usage records (buffer full)", dropped)
            return
        self.written += len(batch)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("wrote %d usage records in %.1f ms", len(batch), elapsed_ms)

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.flush()
        if self._buffer:
            log.error("%d usage records could not be written at shutdown", len(self._buffer))
        self._inserter.close()
