"""What the gateway and its record process say to each other over their socket.

The first line is the child's configuration. Then each request is a JSON header line
(``id``, ``kind``, ``size``) followed by ``size`` bytes of payload (the batch as a JSON
array), and each answer a JSON line (``id``, ``error``: ``null`` once the batch is
committed; ``store``: whether it failed because the database was out of reach, not for a
record it holds). JSON, not pickle: nothing read from the socket can run code.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class ChildConfig:
    """What the record process needs: the database (its URL may hold a password, so it
    travels over the socket, never on a command line or in the environment) and how to
    log; how often to trim its heap (``heap.py``)."""

    database_url: str
    log_format: str
    log_level: str
    heap_trim_seconds: float = 0.0

    def line(self) -> bytes:
        return orjson.dumps(self.__dict__) + b"\n"

    @classmethod
    async def read(cls, reader: asyncio.StreamReader) -> ChildConfig:
        return cls(**orjson.loads(await reader.readline()))


def request(number: int, kind: str, payload: bytes) -> bytes:
    return orjson.dumps({"id": number, "kind": kind, "size": len(payload)}) + b"\n" + payload


async def read_request(reader: asyncio.StreamReader) -> tuple[int, str, bytes] | None:
    """The next request (id, kind, payload); ``None`` once the gateway has hung up."""
    header = await reader.readline()
    if not header:
        return None
    fields: dict[str, Any] = orjson.loads(header)
    return fields["id"], fields["kind"], await reader.readexactly(fields["size"])


@dataclass(frozen=True, slots=True)
class Failure:
    """Why the child did not write a batch; ``store``: the database was out of reach
    (the batch waits), not refusing one of its records."""

    error: str
    store: bool


def answer(number: int, failure: Failure | None) -> bytes:
    if failure is None:
        return orjson.dumps({"id": number, "error": None}) + b"\n"
    return orjson.dumps({"id": number, "error": failure.error, "store": failure.store}) + b"\n"


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, Failure | None] | None:
    """The next answer (id, why it failed or ``None``); ``None`` once the child has gone."""
    line = await reader.readline()
    if not line:
        return None
    fields: dict[str, Any] = orjson.loads(line)
    error = fields["error"]
    return fields["id"], None if error is None else Failure(error, bool(fields.get("store")))
