"""A bounded least-recently-used memo of what was found in texts.

A chat client sends its whole history again with every turn, so the same texts come
back request after request; finding personal data (or credentials) in them again costs
far more than looking the answer up (about a millisecond for a resume of 250 words). The
privacy step and the secrets step each keep one. The memo is
bounded twice: by entries, and by the characters of the texts it keeps alive as keys,
so that a few long documents cannot hold on to much memory.

Only what is a function of the key may be kept: an answer looked up is then exactly the
answer the detection would have given, and never anything of another request that the
key does not already hold.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class Memo[Value]:
    """``key -> value``, the least recently used dropped first once more than
    ``entries`` keys or ``characters`` characters of key text are held. Each key comes
    with its text's length (its weight); not safe to share between threads."""

    def __init__(self, entries: int = 4096, characters: int = 4_000_000) -> None:
        self._entries = entries
        self._characters = characters
        self._held = 0
        self._memo: OrderedDict[Hashable, tuple[Value, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._memo)

    def get(self, key: Hashable) -> Value | None:
        """The value kept for ``key`` (now the most recently used), or ``None``."""
        found = self._memo.get(key)
        if found is None:
            return None
        self._memo.move_to_end(key)
        return found[0]

    def put(self, key: Hashable, value: Value, weight: int) -> None:
        """Keep ``value`` for ``key``, a text of ``weight`` characters; one heavier than
        the whole bound is not kept."""
        if weight > self._characters:
            return
        previous = self._memo.pop(key, None)
        if previous is not None:
            self._held -= previous[1]
        self._memo[key] = (value, weight)
        self._held += weight
        while len(self._memo) > self._entries or self._held > self._characters:
            _, (_, dropped) = self._memo.popitem(last=False)
            self._held -= dropped
