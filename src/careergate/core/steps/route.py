"""Route: the chosen model to its deployments, then its fallbacks."""

from __future__ import annotations

from careergate.core.call import Call, Reply, StreamReply
from careergate.models.chooser import ModelChooser
from careergate.upstream.router import Router


class RouteCall:
    def __init__(self, router: Router, chooser: ModelChooser) -> None:
        self.router = router
        self.chooser = chooser

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        assert call.choice is not None, "the model is chosen before the call is routed"
        model = call.choice.model
        call.route = route = self.router.route_for(model, call.endpoint.path)
        outcome = call.outcome
        outcome.target = route.primary
        outcome.route_note = call.choice.note
        outcome.deprecation = self.chooser.deprecation(model)
        return None
