"""Following long work the gateway runs (a task, a batch) until it ends, with a progress
bar on standard error."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from careergate.cli.common import err_console

FIRST_LOOK = 0.05


@dataclass(frozen=True, slots=True)
class Standing:
    """How far the work is: items in all (``None``: not known yet), ended, failed."""

    total: int | None
    finished: int
    failed: int
    status: str
    ended: bool


def follow[T](label: str, look: Callable[[], tuple[T, Standing]], every: float) -> T:
    """Call ``look`` with a progress bar until the work has ended; what it gave last.
    The first looks come quickly (after 50 ms, doubling up to ``every``): short work is
    seen ended at once, long work costs the gateway a request every ``every`` seconds."""
    pause = min(FIRST_LOOK, every)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed, {task.fields[status]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        shown = bar.add_task(label, total=None, failed=0, status="")
        while True:
            state, standing = look()
            bar.update(
                shown,
                total=standing.total,
                completed=standing.finished,
                failed=standing.failed,
                status=standing.status,
            )
            if standing.ended:
                return state
            time.sleep(pause)
            pause = min(pause * 2, every)
