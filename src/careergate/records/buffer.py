"""Batched, off-the-hot-path writing of records (usage records, audit entries).

``record()`` appends to the writer's journal (``journal.py``: one ``os.write``, so that
the record outlives the process) and to a buffer. A background task writes the buffer
in one transaction every ``flush_seconds`` (or sooner once ``batch_size`` records
wait), and deletes the journal's segments whose records are all committed. ``close()``
writes what is left, so a clean shutdown loses nothing; after a crash, the journal's
records are written by the next process to look (``replay.py``). Without a journal, a
crash loses the records still in the buffer: those of the last ``flush_seconds``.

A failed write keeps the batch and retries it. After ``ISOLATE_AFTER`` failures in a row
the batch is written a record at a time: when some records go in and the database itself
refuses others, those are the trouble (a row the database rejects) and go to the
dead-letter file (``dead_letters.py``) instead of holding back every batch after them.
A write that fails because the database cannot be reached (a connection refused or
lost, a pooled connection gone stale, a server still recovering:
``storage/outage.py``) refuses no record: the isolation stops there and the batch
waits, as it does when none goes in, to be retried until the database takes it (stale
pooled connections are dropped by the pool's check before use). Records beyond the
buffer's bound also go to the dead-letter file rather than being dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import orjson

from careergate.records.dead_letters import set_aside
from careergate.records.journal import Journal
from careergate.storage.outage import write_failed_for_the_store

log = logging.getLogger("careergate.records")

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


Pending = tuple[T, bytes | None]
"""A buffered record and its JSON, when the journal has encoded it already."""


class RecordSink(Protocol[T_contra]):
    """Where the request path hands a record over: it only buffers, never waits."""

    def record(self, record: T_contra, /) -> None: ...


_MAX_BUFFERED = 200_000
"""Beyond this many unwritten records (a database down for long), the oldest go to the
dead-letter file."""
ISOLATE_AFTER = 3


class BufferedWriter[T](ABC):
    """Buffers records and writes them in batches. Subclasses say how a batch is written
    (``write``, one transaction: into a table, ``tables.py``, or by the record process,
    ``offloaded.py``), what a record looks like in the dead-letter file (``to_row``) and
    what to let go of at the end (``release``)."""

    kind: str
    """Names the records in logs and dead-letter files (``usage``, ``audit``)."""

    def __init__(
        self,
        flush_seconds: float = 0.5,
        batch_size: int = 500,
        dead_letter: Path | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.flush_seconds = flush_seconds
        self.batch_size = batch_size
        self._buffer: list[Pending[T]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.written = 0
        self.dead_lettered = 0
        self._dead_letter = dead_letter
        self._failures = 0
        self.journal = journal

    @abstractmethod
    async def write(self, batch: Sequence[T]) -> None:
        """Write the batch in one transaction (all or nothing)."""

    async def write_pending(self, batch: Sequence[Pending[T]]) -> None:
        """Write the batch in one transaction, given each record's JSON when it was
        encoded for the journal (a writer that sends JSON need not encode it again)."""
        await self.write([record for record, _ in batch])

    @abstractmethod
    def to_row(self, record: T) -> dict[str, Any]:
        """The record as the dead-letter file holds it."""

    def dead_letter_rows(self, record: T) -> list[tuple[str, dict[str, Any]]]:
        """The record as the dead-letter files hold it: (kind of file, row) for each
        record it holds (a request's ``CallRecord`` holds two)."""
        return [(self.kind, self.to_row(record))]

    def release(self) -> None:  # noqa: B027 (a hook: most writers hold nothing to let go of)
        """Let go of what writing needed (connections), once everything is written."""

    encode: Callable[[Any], bytes] = staticmethod(orjson.dumps)
    """The record's JSON, as the journal keeps it and the record process reads it."""

    def record(self, record: T, /) -> None:
        """Journal the record (it is on disk when this returns) and buffer it; the
        request may be answered once every record it makes has passed here."""
        line = None
        if self.journal is not None:
            line = self.encode(record)
            self.journal.append(line)
        self._buffer.append((record, line))
        if len(self._buffer) >= self.batch_size:
            self._wakeup.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"careergate-{self.kind}-writer")

    async def _run(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.flush_seconds)
            self._wakeup.clear()
            await self.flush()

    async def flush(self) -> None:
        """Write what is buffered now, in one transaction; on failure keep it for the next
        try. Records that arrive meanwhile wait for the next flush: chasing them would turn
        one batch into a stream of tiny inserts under load.

        At most ``batch_size`` records go in one batch, the oldest first, and the next
        flush follows at once: a writer that fell behind (a slow database, an outage)
        would otherwise take everything buffered as one batch, each larger than the last,
        up to one transaction of every record held. The journal's segments are let go of
        when a batch empties the buffer, every record in them then being committed."""
        if not self._buffer:
            return
        whole = len(self._buffer) <= self.batch_size
        batch, self._buffer = self._buffer[: self.batch_size], self._buffer[self.batch_size :]
        mark = self.journal.rotate() if self.journal is not None and whole else None
        started = time.perf_counter()
        try:
            await self.write_pending(batch)
        except Exception:
            self._failures += 1
            log.exception("writing %d %s records failed; will retry", len(batch), self.kind)
            if self._failures >= ISOLATE_AFTER:
                batch = await self._isolate(batch)
                if not batch and mark is not None:  # written or set aside, one at a time
                    self._settled(mark)
            self._buffer[:0] = batch
            if len(self._buffer) > _MAX_BUFFERED:
                overflow = len(self._buffer) - _MAX_BUFFERED
                self._set_aside(self._buffer[:overflow], "the buffer is full")
                del self._buffer[:overflow]
            return
        self._failures = 0
        self.written += len(batch)
        if mark is not None:
            self._settled(mark)
        if len(self._buffer) >= self.batch_size:
            self._wakeup.set()  # the next batch is waiting already
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("wrote %d %s records in %.1f ms", len(batch), self.kind, elapsed_ms)

    def _settled(self, mark: int) -> None:
        """The journal's segments up to ``mark`` hold only records now committed or set
        aside (a batch is everything buffered when it was cut, older failures included)."""
        if self.journal is not None:
            self.journal.settled(mark)

    def failed_for_the_store(self, error: Exception) -> bool:
        """Whether a write failed because its store was out of reach (the records wait),
        not because the database refused a record."""
        return write_failed_for_the_store(error)

    async def _isolate(self, batch: list[Pending[T]]) -> list[Pending[T]]:
        """Write the batch a record at a time; what still waits for the database.

        Only a record the database refuses while others go in is set aside. A write that
        fails for the store (``failed_for_the_store``) ends the isolation: the database
        is down or recovering, so every record not written waits, those that failed
        before it included (a connection lost may look like a refusal at first)."""
        self._failures = 0
        refused: list[Pending[T]] = []
        for index, record in enumerate(batch):
            try:
                await self.write_pending([record])
                self.written += 1
            except Exception as error:
                if self.failed_for_the_store(error):
                    waiting = refused + batch[index:]
                    log.warning(
                        "the database is out of reach; %d %s records wait for it (%s)",
                        len(waiting),
                        self.kind,
                        type(error).__name__,
                    )
                    return waiting
                refused.append(record)
        if len(refused) == len(batch):
            return refused  # nothing went in: the database is down, not the records
        self._set_aside(refused, "the database refused them")
        return []

    def _set_aside(self, records: list[Pending[T]], why: str) -> None:
        if not records:
            return
        if self._dead_letter is None:
            log.error(
                "dropped %d %s records: %s (no dead-letter file)", len(records), self.kind, why
            )
            return
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for record, _ in records:
            for kind, row in self.dead_letter_rows(record):
                by_kind.setdefault(kind, []).append(row)
        paths = [set_aside(self._dead_letter, kind, rows) for kind, rows in by_kind.items()]
        self.dead_lettered += len(records)
        where = ", ".join(str(path) for path in paths)
        log.error("set aside %d %s records in %s: %s", len(records), self.kind, where, why)

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None
        while self._buffer:  # a batch at a time, for as long as they go in
            waiting = len(self._buffer)
            await self.flush()
            if len(self._buffer) >= waiting:
                break
        if self._buffer:
            log.error(
                "%d %s records could not be written at shutdown%s",
                len(self._buffer),
                self.kind,
                "; they stay in the journal for the next start" if self.journal else "",
            )
        if self.journal is not None:
            self.journal.close(committed=not self._buffer)
        self.release()
