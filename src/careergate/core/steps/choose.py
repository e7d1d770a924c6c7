"""Choose the model: alias (and canary) or the feature's policy, if the key may use it."""

from __future__ import annotations

import orjson

from careergate.auth.authorization import authorize_model
from careergate.core.call import Call, Reply, StreamReply
from careergate.models.chooser import ModelChooser


class ChooseModel:
    def __init__(self, chooser: ModelChooser) -> None:
        self.chooser = chooser

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        body, spec = call.body, call.endpoint

        def prompt_estimate() -> int:
            return len(orjson.dumps(body.get(spec.text_param) or "")) // 4

        choice = self.chooser.choose(
            call.model, call.feature, prompt_estimate, spec.output_ceiling(body)
        )
        authorize_model(call.principal, call.model, choice.model)
        if choice.output_cap is not None:
            spec.cap_output(body, choice.output_cap)
            call.changed()
        call.choice = choice
        return None
