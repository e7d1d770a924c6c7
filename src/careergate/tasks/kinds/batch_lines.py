"""``batch.lines``: the lines of a batch the gateway runs itself (its upstream has no
Batch API), each an item answered through the request path as the submitter, as the
line's endpoint answers it.

A line's answer or its error is the item's result, as an output or error file line
will carry it (``batches/outputs.py``); only an error that may pass (a 429, a 5xx) is
raised, for the tasks system to try the line again later. The task's worker threads
bound how many lines run at once, and the submitter's rate limits apply to each.

Each line names its batch (``batch``): its budget hold is drawn from the batch's, which
only the batch's own key can draw from (``budgets/draws.py``), and its audit entry
names the batch as its target. A line may carry ``privacy``, what its upload's privacy
step found and did (``[kinds, action]``), which its audit entry then says, as the
line's personal data was replaced before it came.
"""

from __future__ import annotations

from typing import Any

import orjson

from careergate.core.call import Incoming, Reply
from careergate.core.request_ids import new_request_id
from careergate.endpoints import ENDPOINTS
from careergate.errors import GatewayError, InvalidRequest
from careergate.tasks.kinds.base import ItemContext, Plan, TaskKind, list_of


class BatchLines(TaskKind):
    name = "batch.lines"
    internal = True  # ``batch`` and ``privacy`` are the batch service's word
    summary = "a batch's lines run by the gateway (`lines`: custom_id, url, body)"

    def plan(self, payload: dict[str, Any]) -> Plan:
        lines = list_of(payload, "lines")
        for number, line in enumerate(lines):
            url = line.get("url") if isinstance(line, dict) else None
            if not isinstance(url, str) or url.removeprefix("/v1/") not in ENDPOINTS:
                raise InvalidRequest(f"`lines.{number}` is not a batch line.", param="lines")
        batch = payload.get("batch")
        if batch is not None and not isinstance(batch, str):
            raise InvalidRequest("`batch` must name a batch.", param="batch")
        return Plan({"feature": payload.get("feature"), "batch": batch}, lines)

    async def run_item(self, item: Any, context: ItemContext) -> Any:
        spec = ENDPOINTS[item["url"].removeprefix("/v1/")]
        raw = orjson.dumps(item["body"])

        async def read_body() -> bytes:
            return raw

        request_id = new_request_id()
        incoming = Incoming(
            request_id=request_id,
            endpoint=spec,
            secret=context.secret,
            read_body=read_body,
            user=context.user,
            feature=context.params.get("feature"),
            batch=context.params.get("batch"),
            pii_noted=_noted(item.get("privacy")),
        )
        try:
            reply = await context.run(incoming)
        except GatewayError as error:
            if error.retryable:
                raise
            body = error.body(request_id)
            return {"custom_id": item["custom_id"], "status_code": error.status, "error": body}
        assert isinstance(reply, Reply)
        return {
            "custom_id": item["custom_id"],
            "status_code": 200,
            "request_id": request_id,
            "body": orjson.loads(reply.body),
        }


def _noted(value: Any) -> tuple[tuple[str, ...], str] | None:
    """A line's ``privacy``: ``[kinds, action]`` as its upload's privacy step found them."""
    if not (isinstance(value, list) and len(value) == 2):
        return None
    kinds, action = value
    if not (isinstance(kinds, list) and all(isinstance(k, str) for k in kinds)):
        return None
    return (tuple(kinds), action) if isinstance(action, str) else None
