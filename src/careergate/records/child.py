"""The record process: ``python -m careergate.records.child --fd N``.

Reads its configuration, then batches, from the socket its gateway passed it as file
descriptor N; writes each batch in one transaction and answers. It ignores SIGINT and
SIGTERM (a terminal's Ctrl-C or a service manager reaches the whole process group): it
ends when the gateway hangs up, after the batch in hand, so the gateway can shut down
through it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
from typing import Any

import orjson
from sqlalchemy.engine import make_url

from careergate.heap import HeapTrimmer
from careergate.observability.logs import configure_logging, protect_secrets
from careergate.records import wire
from careergate.records.buffer import BufferedWriter
from careergate.records.kinds import KINDS
from careergate.storage.database import Database
from careergate.storage.outage import write_failed_for_the_store

_MAX_ERROR_CHARS = 500


def describe(error: Exception) -> str:
    """The failure as the gateway logs it: its type and first line, cut short."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:_MAX_ERROR_CHARS]


async def serve(fd: int) -> None:
    reader, writer = await asyncio.open_unix_connection(sock=socket.socket(fileno=fd))
    config = await wire.ChildConfig.read(reader)
    configure_logging(config.log_format, config.log_level)  # type: ignore[arg-type]
    if (password := make_url(config.database_url).password) is not None:
        protect_secrets(str(password))
    database = Database(config.database_url)
    writers: dict[str, BufferedWriter[Any]] = {
        name: kind.writer(database) for name, kind in KINDS.items()
    }
    heap = HeapTrimmer(config.heap_trim_seconds)
    heap.start()
    try:
        while (request := await wire.read_request(reader)) is not None:
            number, kind, payload = request
            failure: wire.Failure | None = None
            try:
                batch = [KINDS[kind].decode(fields) for fields in orjson.loads(payload)]
                await writers[kind].write(batch)
            except Exception as exc:  # the gateway keeps the batch and logs why
                failure = wire.Failure(describe(exc), write_failed_for_the_store(exc))
            writer.write(wire.answer(number, failure))
            await writer.drain()
    finally:
        await heap.close()
        for each in writers.values():
            each.release()
        await database.close()
        writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="the socket to the gateway")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        asyncio.run(serve(args.fd))
    except (ConnectionResetError, BrokenPipeError):
        # The gateway went while a batch was answered: what was written stays written
        # (its journal replays the rest, and a record is never written twice), and no
        # one is left to read a traceback.
        return


if __name__ == "__main__":
    main()
