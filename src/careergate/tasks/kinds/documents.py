"""``resumes.generate`` and ``content.optimise``: one profile and posting per item, for
many users at once, answered as their ``/v1/features/...`` routes answer."""

from __future__ import annotations

from typing import Any

from careergate.errors import GatewayError, InvalidRequest
from careergate.features.documents import requested
from careergate.tasks.kinds.base import (
    ItemContext,
    Plan,
    TaskKind,
    list_of,
    object_at,
    user_of,
)


def _pairs(payload: dict[str, Any]) -> Plan:
    """``items``: ``[{"resume": ..., "job": ..., "user": optional}]``, each checked."""
    items = list_of(payload, "items")
    for number, item in enumerate(items):
        where = f"items.{number}"
        object_at(item, where)
        if "resume" not in item or "job" not in item:
            raise InvalidRequest(f"`{where}` needs a `resume` and a `job`.", param=where)
        try:
            requested(item["resume"], "resume")
            requested(item["job"], "job")
        except GatewayError as error:
            raise InvalidRequest(f"`{where}`: {error.message}", param=where) from None
    return Plan({}, items)


class GenerateResumes(TaskKind):
    name = "resumes.generate"
    summary = "a JSON Resume tailored to a posting, per item (`items`: resume, job, user)"

    def plan(self, payload: dict[str, Any]) -> Plan:
        return _pairs(payload)

    async def run_item(self, item: Any, context: ItemContext) -> Any:
        user = user_of(item, context.user)
        return await context.features.generate_resume(item, context.secret, user)


class OptimiseContent(TaskKind):
    name = "content.optimise"
    summary = "edits fitting a resume to a posting, per item (`items`: resume, job, user)"

    def plan(self, payload: dict[str, Any]) -> Plan:
        return _pairs(payload)

    async def run_item(self, item: Any, context: ItemContext) -> Any:
        user = user_of(item, context.user)
        return await context.features.optimise_content(item, context.secret, user)
