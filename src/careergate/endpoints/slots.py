"""Where text lives in a request or an answer body.

A slot is a container and a key whose value is a string; reading and writing through
slots leaves every other part of the body (and its order) untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Slot:
    container: Any
    key: Any
    in_json: bool = False
    """The text is a JSON document (tool arguments, structured output)."""

    def get(self) -> str:
        return str(self.container[self.key])

    def set(self, value: str) -> None:
        self.container[self.key] = value
