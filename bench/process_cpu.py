"""CPU time of this process and of the processes it started (the name model's), at
nanosecond resolution: the privacy step's cost per document is a few milliseconds, finer
than ``/proc``'s clock ticks (10 ms), and half of it is spent in the model's process."""

from __future__ import annotations

import os
import time
from pathlib import Path

from proxy_bench import children


class CpuClock:
    """Seconds of CPU used so far by this process and by the children it has when the
    clock is made (make it once they have started)."""

    def __init__(self) -> None:
        self.children = children(os.getpid())

    def __call__(self) -> float:
        return time.process_time() + sum(map(_on_cpu_ns, self.children)) / 1e9


def _on_cpu_ns(pid: int) -> int:
    """Nanoseconds process ``pid`` has run, all its threads counted (numpy may start
    some), from the scheduler's ``/proc/PID/task/TID/schedstat``."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError):
            continue  # the thread or the process ended
    return total
