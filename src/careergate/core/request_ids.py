"""Request ids: one per request, in every response's ``x-request-id``, its usage record,
audit entry and log line.

They are made where a request enters (the HTTP layer, or a feature calling the request
path in process), so they live with the request path's values rather than in the HTTP
layer: the features would otherwise import the HTTP layer that serves them.
"""

from __future__ import annotations

import itertools
import os
import secrets


class _RequestIds:
    """Unique request ids without a system call each: a random per-process prefix and a
    counter (``secrets.token_hex`` per request showed up in the hot path's profile)."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._prefix = "req_" + secrets.token_hex(6)
        self._next = itertools.count(1).__next__

    def __call__(self) -> str:
        return f"{self._prefix}{self._next():012x}"


new_request_id = _RequestIds()
