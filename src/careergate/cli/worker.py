"""``careergate worker``: a process that only runs task items, taken from the same job
queue as the gateways (``CAREERGATE_TASKS_QUEUE_URL``). Run as many as the work needs,
on this machine or others sharing the database and a Redis queue
(docs/operations.md, "Background tasks")."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from careergate.cli.common import load_settings
from careergate.cli.new_state import confirm_new_state
from careergate.observability.logs import configure_logging
from careergate.runtime import Runtime
from careergate.settings import Settings

log = logging.getLogger("careergate.tasks")


async def _work(settings: Settings, count: int) -> None:
    """Run items until SIGTERM or SIGINT; then let the items in hand finish (for a
    while: what is cut short runs again in another process)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    async with await Runtime.start(settings, owner_kind="worker") as runtime:
        await runtime.start_task_workers(count)
        log.info(
            "task worker %s running %d item(s) at once from %s",
            runtime.tasks.ends.owner,
            count,
            settings.resolved_task_queue_url.split("@")[-1],
        )
        await stopping.wait()
        log.info("task worker stopping: letting the items in hand finish")


def worker(
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, max=64, help="Items run at once.")
    ] = 4,
) -> None:
    """Run background task items from the job queue until stopped (SIGTERM, Ctrl-C)."""
    settings = load_settings()
    # A worker serves an existing gateway's queue: it never starts a data directory.
    confirm_new_state(settings, master_key=True)
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(_work(settings, workers))
