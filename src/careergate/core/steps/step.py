"""The interface every step of the request path has."""

from __future__ import annotations

from typing import Protocol

from careergate.core.call import Call, Reply, StreamReply


class Step(Protocol):
    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        """Apply the step to ``call``: ``None`` passes it on to the next step, a reply
        ends the path; a ``GatewayError`` refuses the request."""
        ...
