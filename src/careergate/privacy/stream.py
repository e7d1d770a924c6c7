"""Restoring placeholders in a streamed answer, where one may be split across chunks.

Each text of the stream (a choice's content, a tool call's arguments, an output item's
text) keeps back only what could still be the start of a placeholder (from its last
``[``, at most the longest placeholder's length) and lets everything before it through
at once. Where the texts lie in each endpoint's chunks is the endpoint's stream form's
to say (``EndpointSpec.stream.restore``); this is the ``TextRestorer`` it uses.
"""

from __future__ import annotations

from careergate.endpoints.slots import Key
from careergate.privacy.placeholders import LONGEST_PLACEHOLDER, Placeholders


class StreamRestorer:
    """The held-back pieces of one stream's texts, by key."""

    def __init__(self, placeholders: Placeholders, structured: bool) -> None:
        self._placeholders = placeholders
        self.structured = structured
        self._held: dict[Key, str] = {}

    def feed(self, key: Key, piece: str, in_json: bool) -> str:
        pending = self._held.pop(key, "") + piece
        cut = max(pending.rfind("["), pending.rfind("［"))
        if cut > 0 and pending[cut - 1] == "\\":
            cut -= 1  # a bracket escaped for Markdown: the escape is the placeholder's
        rest = pending[cut:]
        if cut < 0 or "]" in rest or "］" in rest or len(rest) >= LONGEST_PLACEHOLDER:
            # Nothing open to hold but perhaps the escape of a bracket still to come.
            cut = len(pending) - 1 if pending.endswith("\\") else -1
            rest = pending[cut:]
        if cut >= 0:
            self._held[key] = rest
            pending = pending[:cut]
        return self._placeholders.restore(pending, in_json=in_json)

    def flush(self, key: Key, in_json: bool) -> str:
        return self._placeholders.restore(self._held.pop(key, ""), in_json=in_json)

    def held(self) -> list[Key]:
        return list(self._held)

    def whole(self, text: str, in_json: bool) -> str:
        return self._placeholders.restore(text, in_json=in_json)
