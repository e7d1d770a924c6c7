"""The Files and Batch APIs' objects as OpenAI shapes them, with the gateway's ids."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from careergate.errors import GatewayError, NotFound
from careergate.storage.tables import BatchFileRow

Json = dict[str, Any]

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
"""Statuses after which a batch changes no more."""
BATCH_TIMES = (
    "in_progress_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
)


class OutputExpired(GatewayError):
    """A batch's output whose placeholders were erased: it can no longer be restored."""

    status = 410
    type = "invalid_request_error"
    default_code = "batch_output_expired"


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def file_object(row: BatchFileRow) -> Json:
    return {
        "id": row.id,
        "object": "file",
        "bytes": row.bytes,
        "created_at": epoch(row.created_at),
        "filename": row.filename,
        "purpose": row.purpose,
        "status": "processed",
        "status_details": None,
        "expires_at": None,
    }


def page(objects: list[Json], has_more: bool) -> Json:
    return {
        "object": "list",
        "data": objects,
        "first_id": objects[0]["id"] if objects else None,
        "last_id": objects[-1]["id"] if objects else None,
        "has_more": has_more,
    }


def missing(kind: str, name: str) -> NotFound:
    """The 404 for a file or batch that does not exist or is not the caller's."""
    return NotFound(f"No {kind} with id '{name}'.", param=f"{kind}_id")


def new_batch_body(
    batch_id: str,
    request: Json,
    input_file_id: str,
    created: datetime,
    expires: datetime,
    total: int,
) -> Json:
    body: Json = {
        "id": batch_id,
        "object": "batch",
        "endpoint": request["endpoint"],
        "errors": None,
        "input_file_id": input_file_id,
        "completion_window": request.get("completion_window", "24h"),
        "status": "validating",
        "output_file_id": None,
        "error_file_id": None,
        "created_at": epoch(created),
        "expires_at": epoch(expires),
        "request_counts": {"total": total, "completed": 0, "failed": 0},
        "metadata": request.get("metadata"),
    }
    body.update(dict.fromkeys(BATCH_TIMES))
    return body


def merged_body(body: Json, upstream: Json) -> Json:
    """Our object brought up to date with the upstream's: its status, times, counts and
    errors (its ids stay the gateway's)."""
    merged = dict(body)
    status = upstream.get("status")
    if isinstance(status, str):
        merged["status"] = status
    for name in BATCH_TIMES:
        if isinstance(upstream.get(name), int):
            merged[name] = upstream[name]
    counts = upstream.get("request_counts")
    if isinstance(counts, dict):
        merged["request_counts"] = {
            name: int(counts.get(name) or 0) for name in ("total", "completed", "failed")
        }
    if "errors" in upstream:
        merged["errors"] = upstream["errors"]
    return merged
