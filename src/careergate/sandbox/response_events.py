"""The streamed form of a sandbox response: the Responses API's server-sent events.

The events carry the same response as the plain answer, in the order OpenAI sends them
and with every field the SDKs read: ``response.created`` and ``response.in_progress``;
per output item ``response.output_item.added``, then for a message
``response.content_part.added``, ``response.output_text.delta`` pieces,
``response.output_text.done`` and ``response.content_part.done``, or for a function
call ``response.function_call_arguments.delta`` and ``.done``; then
``response.output_item.done``; last ``response.completed`` (or
``response.incomplete``) with the whole response and its usage.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from careergate.endpoints.responses_cache import response_events as events_of
from careergate.sandbox.streaming import stream_pieces


def response_events(response: dict[str, Any], chunk_chars: int | None) -> list[dict[str, Any]]:
    """Every event of the stream of ``response`` (a completed response object), numbered."""
    return events_of(
        response,
        split_text=partial(stream_pieces, size=chunk_chars),
        split_arguments=partial(stream_pieces, size=chunk_chars or 16),
    )
