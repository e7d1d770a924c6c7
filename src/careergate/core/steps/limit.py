"""Rate limits: requests and tokens per minute per key, user, team, feature and model.

Every window is tested here, and the request windows counted; the token windows are
charged by ``ChargeTokens`` once the cache has not answered (a hit uses no tokens)."""

from __future__ import annotations

from careergate.core.call import Call, Reply, StreamReply
from careergate.ratelimit.limiter import RateLimiter
from careergate.tokenizer import TokenCounter


class LimitRate:
    def __init__(self, limiter: RateLimiter, counter: TokenCounter) -> None:
        self.limiter = limiter
        self.counter = counter

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        principal = call.principal
        if not self.limiter.applies_to(principal):
            return None  # the common unlimited case costs one check
        spec, body, model = call.endpoint, call.body, call.model
        limits = self.limiter.limits_for(principal, call.user, call.feature, model)
        if any(limit.tpm for limit in limits):
            await self.counter.ready([model])

        def estimate() -> int:
            """Its prompt plus its output ceiling for each choice asked for, as OpenAI's
            own limits count."""
            ceiling = (spec.output_ceiling(body) or 0) * spec.choices(body)
            return spec.prompt_tokens(self.counter, model, body) + ceiling

        call.tokens_due = await self.limiter.admit(limits, estimate, defer_tokens=True)
        return None
