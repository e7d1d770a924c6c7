"""The audit entries of a batch's lines that the gateway meters when the batch ends (on
an upstream's Batch API): one per line, as a request's own entry says it
(``core/call.py:Outcome.audit_entry``), its target the batch. They are written in the
metering's transaction (``metering.py``), so a batch metered once is audited once.

The lines of a batch the gateway runs are requests on the request path, audited as they
run, their entries naming the batch likewise.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from careergate.audit.entry import AuditEntry
from careergate.batches.plan import FilePlan
from careergate.endpoints import ENDPOINTS
from careergate.storage.tables import ApiKeyRow, BatchRow
from careergate.usage.record import UsageRecord

KEYS = ApiKeyRow.metadata.tables[ApiKeyRow.__tablename__]


async def actor_of(connection: AsyncConnection, key_id: str) -> str:
    """The batch's submitter as an audit actor: ``key:<prefix>`` (its id, should the key
    have been deleted since)."""
    prefix = await connection.scalar(select(KEYS.c.prefix).where(KEYS.c.id == key_id))
    return f"key:{prefix or key_id}"


def line_entries(
    batch: BatchRow,
    plan: FilePlan,
    custom_ids: Sequence[str],
    records: Sequence[UsageRecord],
    actor: str,
) -> list[AuditEntry]:
    """One entry per metered line: ``records[i]`` is the line ``custom_ids[i]``'s."""
    fallback = ENDPOINTS.get(batch.endpoint.removeprefix("/v1/"))
    entries = []
    for custom_id, record in zip(custom_ids, records, strict=True):
        line = plan.get(custom_id)
        spec = line.spec if line is not None else fallback
        action = f"ai.{spec.name}" if spec is not None else "ai.batch"
        kinds = line.pii_kinds if line is not None else ()
        pii_action = line.pii_action if line is not None else "off"
        entries.append(
            AuditEntry.of_call(record, actor, action, kinds, pii_action, target=batch.id)
        )
    return entries
