"""The gateway's side of its record process: starts it, hands it batches, restarts it.

``write`` sends one batch and waits for the child's answer; a batch is only counted as
written once the child has committed it. When the child exits, every batch waiting on it
fails (its writer keeps it and tries again) and the next write starts a new child, at
most one a second. ``close`` hangs up and waits for the child to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import sys
import time
from dataclasses import dataclass, field

from careergate.records import wire

log = logging.getLogger("careergate.records.process")

RESTART_SECONDS = 1.0
"""No sooner than this after the last start: a child that cannot start is not
restarted at every flush."""
WRITE_SECONDS = 60.0
"""A batch not answered by then counts as failed, and the child is killed so that it
cannot commit the batch after its retry did."""
CLOSE_SECONDS = 30.0
"""How long ``close`` waits for the child to write what it holds before killing it."""


class RecordWriteFailed(Exception):
    """The record process did not write a batch (the reason is the child's). ``store``:
    not for a record of the batch (the database out of reach, the child gone or not
    answering), so the batch waits and is never set aside for it."""

    def __init__(self, message: str, *, store: bool = True) -> None:
        super().__init__(message)
        self.store = store


@dataclass
class _Child:
    process: asyncio.subprocess.Process
    writer: asyncio.StreamWriter
    waiting: dict[int, asyncio.Future[wire.Failure | None]] = field(default_factory=dict)
    answers: asyncio.Task[None] | None = None
    gone: bool = False
    """Its socket has closed: no batch is sent to it any more."""


class RecordProcess:
    def __init__(self, config: wire.ChildConfig) -> None:
        self.config = config
        self._child: _Child | None = None
        self._starting = asyncio.Lock()
        self._numbers = itertools.count(1)
        self._started_at = -RESTART_SECONDS
        self.starts = 0
        """How many children were started: more than one means one died."""

    async def start(self) -> None:
        """Start the child now, so that a failure to start stops the gateway's start
        and the first batch does not wait for it."""
        await self._running()

    async def write(self, kind: str, payload: bytes) -> None:
        """Have the child write the batch (``payload``, a JSON array of ``kind``
        records) in one transaction; raise ``RecordWriteFailed`` if it did not."""
        child = await self._running()
        number = next(self._numbers)
        answer: asyncio.Future[wire.Failure | None]
        answer = asyncio.get_running_loop().create_future()
        child.waiting[number] = answer
        try:
            child.writer.write(wire.request(number, kind, payload))
            await child.writer.drain()
            failure = await asyncio.wait_for(answer, WRITE_SECONDS)
        except (ConnectionError, OSError) as exc:
            raise RecordWriteFailed(f"the record process is gone ({exc})") from exc
        except TimeoutError:
            child.process.kill()
            raise RecordWriteFailed(
                f"the record process did not answer in {WRITE_SECONDS:.0f} s; killed"
            ) from None
        finally:
            child.waiting.pop(number, None)
        if failure is not None:
            raise RecordWriteFailed(failure.error, store=failure.store)

    async def _running(self) -> _Child:
        async with self._starting:
            if self._child is not None and not self._child.gone:
                return self._child
            if time.monotonic() - self._started_at < RESTART_SECONDS:
                raise RecordWriteFailed("the record process exited; restarting it shortly")
            self._started_at = time.monotonic()
            self._child = await self._start()
            return self._child

    async def _start(self) -> _Child:
        ours, theirs = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "careergate.records.child",
                "--fd",
                str(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                start_new_session=True,  # out of the reach of the terminal's Ctrl-C
            )
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        writer.write(self.config.line())
        child = _Child(process, writer)
        child.answers = asyncio.create_task(self._read_answers(child, reader))
        self.starts += 1
        if self.starts > 1:
            log.warning("record process restarted (pid %d)", process.pid)
        return child

    async def _read_answers(self, child: _Child, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(ConnectionError):
            while (found := await wire.read_answer(reader)) is not None:
                number, failure = found
                if (answer := child.waiting.get(number)) is not None and not answer.done():
                    answer.set_result(failure)
        child.gone = True
        code = await child.process.wait()
        child.writer.close()
        for answer in child.waiting.values():
            if not answer.done():
                gone = f"the record process exited (code {code}) before answering"
                answer.set_result(wire.Failure(gone, store=True))
        if self._child is child:
            log.error(
                "the record process exited (code %s); it is restarted on the next write", code
            )

    async def close(self) -> None:
        """Hang up; the child writes the batch in hand and exits (killed if it has not
        after ``CLOSE_SECONDS``)."""
        child, self._child = self._child, None
        if child is None:
            return
        with contextlib.suppress(ConnectionError, OSError):
            child.writer.write_eof()
        try:
            await asyncio.wait_for(child.process.wait(), CLOSE_SECONDS)
        except TimeoutError:
            log.error("the record process did not exit in %.0f s; killed", CLOSE_SECONDS)
            child.process.kill()
            await child.process.wait()
        if child.answers is not None:
            await child.answers
