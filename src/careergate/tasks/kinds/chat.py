"""``chat.completions``: a list of chat completion requests, each an item, answered as
``POST /v1/chat/completions`` answers it (the gateway's own batches run on this)."""

from __future__ import annotations

from typing import Any

from careergate.errors import InvalidRequest
from careergate.features.model_access import run_chat
from careergate.tasks.kinds.base import ItemContext, Plan, TaskKind, list_of, object_at


class ChatCompletions(TaskKind):
    name = "chat.completions"
    summary = "chat completions, one per item (`requests`: their bodies)"

    def plan(self, payload: dict[str, Any]) -> Plan:
        requests = list_of(payload, "requests")
        for number, body in enumerate(requests):
            where = f"requests.{number}"
            object_at(body, where)
            if body.get("stream"):
                raise InvalidRequest(f"`{where}.stream`: a task's answers are kept, not streamed.")
            if not isinstance(body.get("model"), str) or not body.get("messages"):
                raise InvalidRequest(f"`{where}` needs a `model` and `messages`.", param=where)
        feature = payload.get("feature")
        if feature is not None and not isinstance(feature, str):
            raise InvalidRequest("`feature` must be a string.", param="feature")
        return Plan({"feature": feature}, requests)

    async def run_item(self, item: Any, context: ItemContext) -> Any:
        feature = context.params.get("feature")
        return await run_chat(context.run, item, context.secret, feature, context.user)
