"""The record journal: each record on disk before its request is answered.

A usage record or audit entry waits in its writer's buffer for up to half a second
before a batch commits it; a gateway killed meanwhile (SIGKILL, the OOM killer) would
take the records of requests it had already answered with it. So every record is also
appended to a journal file, with a single ``os.write`` on an ``O_APPEND`` descriptor,
before the answer's bytes are sent: once ``write`` returns, the record is in the
kernel's page cache and survives the death of the process (not a power loss or a
kernel crash: nothing is fsynced, which would cost a disk flush per request).

Each process owns its journal files through an exclusive ``flock`` on
``<owner>.lock`` that it holds for as long as it lives (the kernel lets go of it when
the process dies, however it dies). A writer's journal is cut into segments
(``<owner>.<kind>.<n>.jsonl``, one JSON record a line): each flush of the buffer starts
a new segment, and a segment is deleted once every record in it is committed (or set
aside in the dead-letter file). Segments of an owner whose lock can be taken belong to
a dead process: ``adopt`` hands their records to a living writer (``replay.py``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from careergate.security.file_modes import PRIVATE_DIR

log = logging.getLogger("careergate.records.journal")

MAX_PENDING = 8
"""Segments left waiting for their records' commit (a database down): beyond this many,
no new segment is started, so that a long outage does not leave a file a flush."""
STALE_LOCK_SECONDS = 60.0
"""A lock file that can be taken and has no segments is removed once this old: its
owner died before writing anything (a young one may not hold its lock yet)."""
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC


def _try_lock(path: Path) -> int | None:
    """An open descriptor on ``path`` holding its exclusive lock; ``None`` if another
    process holds it (or the file is gone)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


class JournalOwner:
    """This process's claim on its journal files, and its journals by kind."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        self.directory = directory
        self.name = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.lock_path = directory / f"{self.name}.lock"
        fd = _try_lock(self.lock_path)
        if fd is None:  # a random name: nobody else holds it
            raise RuntimeError(f"could not lock the journal file {self.lock_path}")
        self._lock_fd = fd
        self.journals: dict[str, Journal] = {}

    def journal(self, kind: str) -> Journal:
        found = self.journals.get(kind)
        if found is None:
            found = self.journals[kind] = Journal(self.directory, self.name, kind)
        return found

    def close(self) -> None:
        """Let go of the lock; the lock file too when every record was committed (else
        the next process to look adopts what is left)."""
        if all(journal.empty for journal in self.journals.values()):
            self.lock_path.unlink(missing_ok=True)
        os.close(self._lock_fd)


class Journal:
    """One writer's journal: ``append`` a record, ``rotate`` at each flush, ``settled``
    once the flush's batch is committed."""

    def __init__(self, directory: Path, owner: str, kind: str) -> None:
        self.directory = directory
        self.prefix = f"{owner}.{kind}."
        self._fd: int | None = None
        self._number = 0
        self._closed: list[int] = []
        """Segments no longer written to, whose records may not all be committed yet."""
        self.failures = 0

    def _path(self, number: int) -> Path:
        return self.directory / f"{self.prefix}{number:08d}.jsonl"

    def append(self, record: bytes) -> None:
        """Append one record (its JSON, ended by a newline here) in one ``writev``. A
        journal that cannot be written (a full disk) is logged, not raised: the request
        is answered and its record still waits in the buffer, as without a journal."""
        try:
            if self._fd is None:
                self._number += 1
                self._fd = os.open(self._path(self._number), _FLAGS, 0o600)
            written = os.writev(self._fd, (record, b"\n"))
            if written <= len(record):  # a regular file takes all at once but for ENOSPC
                os.write(self._fd, record[written:] + b"\n")
        except OSError as exc:
            self.failures += 1
            if self.failures == 1 or self.failures % 10_000 == 0:
                log.error("could not journal a record (%d so far): %s", self.failures, exc)

    def rotate(self) -> int:
        """Start a new segment at the next append; the number up to which segments hold
        only records already handed to a flush (the flush's mark for ``settled``)."""
        if self._fd is not None and len(self._closed) < MAX_PENDING:
            os.close(self._fd)
            self._fd = None
            self._closed.append(self._number)
        return self._closed[-1] if self._closed else 0

    def settled(self, mark: int) -> None:
        """Every record in segments up to ``mark`` is committed: delete them."""
        keep = []
        for number in self._closed:
            if number <= mark:
                self._path(number).unlink(missing_ok=True)
            else:
                keep.append(number)
        self._closed = keep

    def close(self, committed: bool) -> None:
        """Stop writing; with ``committed``, every record was written: delete it all."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._closed.append(self._number)
        if committed:
            self.settled(self._number)

    @property
    def empty(self) -> bool:
        return self._fd is None and not self._closed


@dataclass(frozen=True)
class Orphan:
    """The segments of a dead owner, locked by the adopter until ``release``."""

    owner: str
    lock_path: Path
    lock_fd: int
    segments: dict[str, list[Path]]
    """By kind, in the order they were written."""

    def release(self) -> None:
        """The records are adopted: delete the segments, then the lock file."""
        for paths in self.segments.values():
            for path in paths:
                path.unlink(missing_ok=True)
        self.lock_path.unlink(missing_ok=True)
        os.close(self.lock_fd)

    def abandon(self) -> None:
        """Adoption failed: leave the files for the next try."""
        os.close(self.lock_fd)


SEGMENTS = "*.*.*.jsonl"
"""The segments' file names in a journal directory: ``<owner>.<kind>.<n>.jsonl``."""


def segment_of(path: Path) -> tuple[str, str]:
    """The owner and the kind of the segment at ``path``."""
    owner, kind, _number, _ = path.name.split(".", 3)
    return owner, kind


def orphans(directory: Path, own: str) -> Iterator[Orphan]:
    """The dead owners' journals in ``directory`` (not ``own``), each locked while it is
    handed out; empty lock files of long-dead owners are removed on the way."""
    if not directory.is_dir():
        return
    by_owner: dict[str, dict[str, list[Path]]] = {}
    for path in sorted(directory.glob(SEGMENTS)):
        owner, kind = segment_of(path)
        if owner != own:
            by_owner.setdefault(owner, {}).setdefault(kind, []).append(path)
    for owner, segments in by_owner.items():
        lock_path = directory / f"{owner}.lock"
        fd = _try_lock(lock_path)
        if fd is not None:
            yield Orphan(owner, lock_path, fd, segments)
    _sweep_locks(directory, own, set(by_owner))


def _sweep_locks(directory: Path, own: str, with_segments: set[str]) -> None:
    now = time.time()
    for lock_path in directory.glob("*.lock"):
        owner = lock_path.name.removesuffix(".lock")
        if owner == own or owner in with_segments:
            continue
        with contextlib.suppress(FileNotFoundError):
            if now - lock_path.stat().st_mtime < STALE_LOCK_SECONDS:
                continue
        fd = _try_lock(lock_path)
        if fd is not None:
            lock_path.unlink(missing_ok=True)
            os.close(fd)
