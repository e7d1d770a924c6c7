"""A batched writer whose batches the record process writes (``process.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson

from careergate.records.buffer import BufferedWriter, Pending
from careergate.records.journal import Journal
from careergate.records.kinds import RecordKind
from careergate.records.process import RecordProcess, RecordWriteFailed

T = TypeVar("T")


class OffloadedWriter(BufferedWriter[T]):
    """Buffers, retries and sets aside like the in-process writers; all the event loop
    does per batch is join its records' JSON (encoded once, for the journal)."""

    def __init__(
        self,
        kind: RecordKind[T],
        process: RecordProcess,
        flush_seconds: float = 0.5,
        batch_size: int = 500,
        dead_letter: Path | None = None,
        journal: Journal | None = None,
    ) -> None:
        super().__init__(flush_seconds, batch_size, dead_letter, journal)
        self.kind = kind.name
        self._kind = kind
        self.encode = kind.encode
        self._rows = kind.to_row
        self._process = process

    async def write(self, batch: Sequence[T]) -> None:
        await self._process.write(self.kind, orjson.dumps(batch))

    async def write_pending(self, batch: Sequence[Pending[T]]) -> None:
        """The batch as a JSON array of the records' JSON: journalled records were
        encoded once already, and are not again."""
        lines = [line if line is not None else self.encode(record) for record, line in batch]
        await self._process.write(self.kind, b"[" + b",".join(lines) + b"]")

    def failed_for_the_store(self, error: Exception) -> bool:
        """The child says (``RecordWriteFailed.store``): the exception it met stayed
        there."""
        if isinstance(error, RecordWriteFailed):
            return error.store
        return super().failed_for_the_store(error)

    def to_row(self, record: T) -> dict[str, Any]:
        return self._rows(record)

    def dead_letter_rows(self, record: T) -> list[tuple[str, dict[str, Any]]]:
        return self._kind.dead_letter_rows(record)
