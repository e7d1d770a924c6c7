"""Per-feature model policy: each platform feature declares what it needs and the policy
picks the cheapest model that meets it, for requests that ask for the model ``auto``.

    models:
      features:
        resume-writer:
          tier: high             # basic < standard < high (snapshots.yaml)
          output: json_schema    # a capability the answer needs: json_schema, tools, vision...
          latency_ms: 8000       # skip models whose deployment's recent p50 is slower
          max_tokens: 1200       # cap on the answer's length
          deferrable: true       # latency does not matter: the cheapest that meets the rest
          candidates: [gpt-4o-mini, gpt-4o, gpt-4.1]

Cheapest is the worst-case price of this request on the candidate (its prompt estimate
and ``max_tokens`` at the catalogue's prices); a candidate must also fit the request in
its context window. The choice and its reason go to the ``x-careergate-route`` header
and the usage record.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from careergate.errors import InvalidRequest
from careergate.models.choice import Choice
from careergate.models.snapshots import SnapshotCatalogue, Tier
from careergate.pricing.catalogue import PriceCatalogue
from careergate.usage.record import TokenUsage


class FeaturePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tier: str = "standard"
    output: str | None = None
    latency_ms: float | None = Field(default=None, gt=0)
    max_tokens: int | None = Field(default=None, gt=0)
    deferrable: bool = False
    candidates: list[str] = Field(min_length=1)


LatencyOf = Callable[[str], float | None]
"""A model's recent p50 in milliseconds on its first deployment, if known."""


class PolicyBook:
    def __init__(
        self,
        features: dict[str, FeaturePolicy],
        snapshots: SnapshotCatalogue,
        prices: PriceCatalogue,
        latency_of: LatencyOf = lambda model: None,
    ) -> None:
        self.features = features
        self.snapshots = snapshots
        self.prices = prices
        self.latency_of = latency_of
        for name, policy in features.items():
            Tier.named(policy.tier)  # a typo fails at start, not on a request
            for model in policy.candidates:
                if self.snapshots.info(model) is None or self.prices.price(model) is None:
                    raise ValueError(
                        f"feature {name!r}: candidate {model!r} needs an entry in the model "
                        "catalogue (models: snapshots:) and a price (prices:)"
                    )

    def choose(self, feature: str | None, prompt: int, requested: int | None) -> Choice:
        """The cheapest candidate of the feature's policy that meets it for a request of
        about ``prompt`` input tokens asking for at most ``requested`` output tokens."""
        policy = self.features.get(feature or "")
        if policy is None:
            raise InvalidRequest(
                f"The model `auto` lets the feature's policy choose, but the feature "
                f"`{feature}` has none; name a model or a feature with a policy.",
                code="no_model_policy",
                param="model",
            )
        ceiling = min(requested or policy.max_tokens or 4096, policy.max_tokens or 10**9)
        worst = TokenUsage(prompt_tokens=prompt, completion_tokens=ceiling)
        needed = Tier.named(policy.tier)
        fitting: list[tuple[int, str]] = []
        too_slow: list[str] = []
        for model in policy.candidates:
            info = self.snapshots.info(model)
            price = self.prices.price(model)
            assert info is not None  # checked at start
            assert price is not None
            if info.quality < needed or (policy.output and policy.output not in info.capabilities):
                continue
            if info.context_window and prompt + ceiling > info.context_window:
                continue
            latency = self.latency_of(model)
            if (
                not policy.deferrable
                and policy.latency_ms
                and latency
                and latency > policy.latency_ms
            ):
                too_slow.append(model)
                continue
            fitting.append((price.cost_pico(worst), model))
        if not fitting:
            fitting = [(0, model) for model in too_slow[:1]]  # slow beats none
        if not fitting:
            raise InvalidRequest(
                f"No candidate model of feature `{feature}` meets its policy (tier "
                f"{policy.tier}, output {policy.output or 'text'}) for a request this size.",
                code="no_model_meets_policy",
                param="model",
            )
        model = min(fitting)[1]
        needs = [f"tier>={policy.tier}", *([policy.output] if policy.output else [])]
        if policy.latency_ms and not policy.deferrable:
            needs.append(f"p50<={policy.latency_ms:g}ms")
        note = (
            f"policy {feature}: {', '.join(needs)} -> {model} (cheapest of {len(fitting)} "
            f"meeting it{', deferrable' if policy.deferrable else ''})"
        )
        capped = policy.max_tokens and (not requested or requested > policy.max_tokens)
        return Choice(model, note, output_cap=policy.max_tokens if capped else None)
