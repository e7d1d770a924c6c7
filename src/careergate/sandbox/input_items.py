"""The sandbox's ``GET /v1/responses/{id}/input_items``: the items a kept response was
made from, a page at a time, as OpenAI lists them.

A response continuing an earlier one (``previous_response_id``) lists the whole
conversation it was made from: the earlier responses' input and output items, then its
own input items. Each item has an id; a message's text content is a list of parts
(``input_text``, or ``output_text`` for the assistant's). Pages follow OpenAI's list
parameters: ``after`` (an item id), ``limit`` (1 to 100, 20 by default) and ``order``
(``desc``, newest first, by default; or ``asc``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Json = dict[str, Any]
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class BadPage(ValueError):
    """A list parameter out of its range: the message says which."""


def input_items(body: Mapping[str, Any], new_id: Callable[[str], str]) -> tuple[Json, ...]:
    """The request's input as items with ids (a string input is one user message)."""
    found = body.get("input")
    if isinstance(found, str):
        found = [{"type": "message", "role": "user", "content": found}]
    items: list[Json] = []
    for item in found if isinstance(found, list) else ():
        if isinstance(item, Mapping):
            items.append(_item(item, new_id))
    return tuple(items)


def _item(item: Mapping[str, Any], new_id: Callable[[str], str]) -> Json:
    kind = str(item.get("type") or "message")
    listed: Json = {**item, "type": kind}
    if kind == "message":
        role = str(item.get("role") or "user")
        content = item.get("content")
        part = "output_text" if role == "assistant" else "input_text"
        if isinstance(content, str):
            content = [{"type": part, "text": content}]
        listed.update(role=role, content=content, status="completed")
    listed.setdefault("status", "completed")
    if not isinstance(listed.get("id"), str):
        listed["id"] = new_id({"message": "msg", "function_call": "fc"}.get(kind, "item"))
    return listed


def page(items: tuple[Json, ...], query: Mapping[str, str]) -> Json:
    """One page of ``items`` (oldest first) as ``query`` asks; ``BadPage`` for a
    parameter out of range."""
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise BadPage("`order` must be asc or desc.")
    text = query.get("limit", str(DEFAULT_LIMIT))
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise BadPage(f"`limit` must be a whole number from 1 to {MAX_LIMIT}.")
    limit = int(text)
    ordered = list(items) if order == "asc" else list(reversed(items))
    start = 0
    after = query.get("after")
    if after:
        ids = [item["id"] for item in ordered]
        start = ids.index(after) + 1 if after in ids else len(ordered)
    data = ordered[start : start + limit]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": start + limit < len(ordered),
    }
