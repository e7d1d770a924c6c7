"""Restoring placeholders in a streamed answer, where one may be split across chunks.

Each text of the stream (a choice's content, a tool call's arguments) keeps back only what
could still be the start of a placeholder (from its last ``[``, at most the longest
placeholder's length) and lets everything before it through at once.
"""

from __future__ import annotations

from typing import Any

from careergate.privacy.placeholders import LONGEST_PLACEHOLDER, Placeholders


class StreamRestorer:
    """Rewrites the chunks of one stream in place; ``restore`` says whether it changed one."""

    def __init__(self, placeholders: Placeholders, structured: bool) -> None:
        self._placeholders = placeholders
        self._structured = structured
        self._held: dict[tuple[int, int], str] = {}

    def _feed(self, key: tuple[int, int], text: str, in_json: bool) -> str:
        pending = self._held.pop(key, "") + text
        cut = pending.rfind("[")
        if cut >= 0 and "]" not in pending[cut:] and len(pending) - cut < LONGEST_PLACEHOLDER:
            self._held[key] = pending[cut:]
            pending = pending[:cut]
        return self._placeholders.restore(pending, in_json=in_json)

    def _flush(self, key: tuple[int, int], in_json: bool) -> str:
        return self._placeholders.restore(self._held.pop(key, ""), in_json=in_json)

    def restore(self, chunk: dict[str, Any]) -> bool:
        changed = False
        for choice in chunk.get("choices") or ():
            index = int(choice.get("index") or 0)
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str):
                delta["content"] = self._feed((index, -1), content, self._structured)
                changed = True
            for call in delta.get("tool_calls") or ():
                function = call.get("function") or {}
                arguments = function.get("arguments")
                if isinstance(arguments, str):
                    key = (index, int(call.get("index") or 0))
                    function["arguments"] = self._feed(key, arguments, True)
                    changed = True
            if choice.get("finish_reason") is not None:
                changed |= self._release(index, delta)
        return changed

    def _release(self, index: int, delta: dict[str, Any]) -> bool:
        """At a choice's end, what was kept back goes out with its last chunk."""
        released = False
        for key in [key for key in self._held if key[0] == index]:
            if key[1] < 0:
                delta["content"] = (delta.get("content") or "") + self._flush(key, self._structured)
            else:
                calls = delta.setdefault("tool_calls", [])
                calls.append({"index": key[1], "function": {"arguments": self._flush(key, True)}})
            released = True
        return released
