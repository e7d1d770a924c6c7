"""The performance objectives judged over every process sharing the database.

Each process counts its own requests in ten-second slots (``windows.py``); every check
it writes the slots it counted since the last one to ``performance_slots`` (one row
per process, stream and slot, overwritten as the slot fills) and reads back every
process's slots of the last hour, summed. The alerts and ``/admin/performance`` are
judged on that sum: the whole fleet, whichever worker or replica answers, rather than
a sample of it. A process that died keeps its slots until they are an hour old, as its
requests stay in the hour. Rows older than the hour are deleted by whichever process
writes next.

The cost: one upsert of a few rows and one read of at most 360 rows per process and
stream every ``check_seconds`` (30 s by default), none on the request path.
"""

from __future__ import annotations

import math
import os
import secrets
import socket
from typing import Any

import orjson
from sqlalchemy import delete, select

from careergate.observability.performance import PerformanceMonitor
from careergate.observability.windows import SLOT_SECONDS, SLOTS
from careergate.storage.batch import dialect_insert
from careergate.storage.database import Database
from careergate.storage.tables import PerformanceSlotRow

SLOTS_TABLE = PerformanceSlotRow.metadata.tables[PerformanceSlotRow.__tablename__]


class FleetPerformance:
    """This process's ``monitor``, shared with and judged beside every other's."""

    def __init__(self, database: Database, monitor: PerformanceMonitor, every: float) -> None:
        self.database = database
        self.monitor = monitor
        self.process = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._recent = math.ceil(every / SLOT_SECONDS) + 1
        """Slots written each time: those since the last check, and the one before."""

    async def publish(self) -> None:
        """Write this process's recent slots (and forget every process's older ones)."""
        now = int(self.monitor.clock() // SLOT_SECONDS)
        rows = [
            {"process": self.process, "stream": name, "epoch": epoch, "counts": counts}
            for name, window in self.monitor.streams().items()
            for epoch in range(now - self._recent, now + 1)
            if (counts := window.slot(epoch)) is not None
        ]
        async with self.database.engine.begin() as connection:
            await connection.execute(delete(SLOTS_TABLE).where(SLOTS_TABLE.c.epoch <= now - SLOTS))
            if rows:
                insert = dialect_insert(self.database.url.get_backend_name(), SLOTS_TABLE)
                await connection.execute(
                    insert.on_conflict_do_update(
                        index_elements=["process", "stream", "epoch"],
                        set_={"counts": insert.excluded.counts},
                    ),
                    [{**row, "counts": orjson.dumps(row["counts"]).decode()} for row in rows],
                )

    async def view(self) -> PerformanceMonitor:
        """The objectives over every process's last hour, summed (raising nothing)."""
        now = int(self.monitor.clock() // SLOT_SECONDS)
        query = select(SLOTS_TABLE).where(SLOTS_TABLE.c.epoch > now - SLOTS)
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        fleet = PerformanceMonitor(self.monitor.settings, None, self.monitor.clock)
        for row in rows:
            fleet.stream(row.stream).absorb(row.epoch, orjson.loads(row.counts))
        return fleet

    async def check(self) -> None:
        """Share this process's counts, then raise the alerts of every objective the
        fleet is burning too fast (once for all processes: ``AlertCenter``'s quiet
        period is kept in the database)."""
        await self.publish()
        alerts = self.monitor.alerts
        if alerts is None:
            return
        for alert in (await self.view()).burning():
            await alerts.raise_alert(alert)

    async def report(self) -> dict[str, Any]:
        """``PerformanceMonitor.report`` of the fleet, this process's latest counts in."""
        await self.publish()
        return (await self.view()).report()
