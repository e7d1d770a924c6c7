"""Bound: refuse a request that asks for more than its model or the gateway allows (its
output ceiling, its number of choices, its inputs), so that its worst case is known."""

from __future__ import annotations

from careergate.core.call import Call, Reply, StreamReply
from careergate.models.snapshots import SnapshotCatalogue


class BoundRequest:
    def __init__(self, snapshots: SnapshotCatalogue, max_choices: int) -> None:
        self.snapshots = snapshots
        self.max_choices = max_choices

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        assert call.choice is not None, "the model is chosen before the request is bounded"
        facts = self.snapshots.facts(call.choice.model)
        call.endpoint.check_bounds(call.body, facts, self.max_choices)
        return None
