"""Charge the tokens-per-minute windows of a request that goes upstream (``LimitRate``
admitted it; a cache hit never gets here and uses none)."""

from __future__ import annotations

from careergate.core.call import Call, Reply, StreamReply


class ChargeTokens:
    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        due = call.tokens_due
        if due is not None:
            call.tokens_due = None
            await due.charge()
        return None
