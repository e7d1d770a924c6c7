"""Which deployment serves a requested model."""

from __future__ import annotations

from dataclasses import dataclass

from careergate.config.deployments import WILDCARD, ConfigError, DeploymentConfig
from careergate.errors import InvalidRequest, NotFound
from careergate.upstream.providers import SANDBOX_LACKS, Provider, provider_for


@dataclass(frozen=True, slots=True)
class Deployment:
    """A configured upstream with its provider."""

    config: DeploymentConfig
    provider: Provider

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def sandbox(self) -> bool:
        return self.config.sandbox

    def serves(self, endpoint: str) -> bool:
        """Whether the upstream serves the endpoint at ``endpoint`` (``responses``)."""
        if self.config.endpoints is not None:
            return endpoint in self.config.endpoints
        if self.config.sandbox:
            return endpoint not in SANDBOX_LACKS
        known = self.provider.endpoints
        return known is None or endpoint in known


@dataclass(frozen=True, slots=True)
class Target:
    """One model on one deployment: where a request goes."""

    deployment: Deployment
    model: str
    """The model name the caller asked for."""
    upstream_model: str
    """The name the upstream knows it by (an Azure deployment, a local model's name)."""

    @property
    def renamed(self) -> bool:
        return self.model != self.upstream_model


@dataclass(frozen=True, slots=True)
class Route:
    """Where a request for ``model`` may go, in order of preference: the deployments that
    serve the model itself (equals, balanced by health), then those of each fallback
    model in the configured order."""

    model: str
    tiers: tuple[tuple[Target, ...], ...]

    @property
    def primary(self) -> Target:
        return self.tiers[0][0]

    @property
    def single(self) -> str | None:
        """The one deployment of a route with no alternative (``None`` otherwise)."""
        if len(self.tiers) == 1 and len(self.tiers[0]) == 1:
            return self.tiers[0][0].deployment.name
        return None


class Router:
    """Resolves a model name to its route: the deployments naming the model exactly, else
    those passing any name through, then the configured fallback models' deployments."""

    def __init__(
        self, deployments: list[DeploymentConfig], fallbacks: dict[str, list[str]] | None = None
    ) -> None:
        self.deployments = [Deployment(c, provider_for(c)) for c in deployments]
        self._exact: dict[str, tuple[Target, ...]] = {}
        self._wildcards = tuple(d for d in self.deployments if d.config.serves_any_model)
        self.sandboxed = any(d.sandbox for d in self.deployments)
        """Some answers come from the sandbox upstream (responses say so)."""
        for deployment in self.deployments:
            for model, upstream_model in deployment.config.models.items():
                if model != WILDCARD:
                    target = Target(deployment, model, upstream_model)
                    self._exact[model] = (*self._exact.get(model, ()), target)
        self._fallbacks = fallbacks or {}
        self._routes: dict[str, Route] = {}
        self._routes_for: dict[tuple[str, str], Route] = {}
        """``route_for``'s answers: every request asks, and deployments do not change."""
        for model, alternatives in self._fallbacks.items():
            for alternative in alternatives:
                if not self._targets(alternative):
                    raise ConfigError(
                        f"fallback {alternative!r} of model {model!r} is served by no deployment"
                    )

    def _targets(self, model: str) -> tuple[Target, ...]:
        exact = self._exact.get(model)
        if exact is not None:
            return exact
        return tuple(Target(d, model, model) for d in self._wildcards)

    def route(self, model: str) -> Route:
        """The model's route; ``NotFound`` if no deployment serves it."""
        route = self._routes.get(model)
        if route is not None:
            return route
        own = self._targets(model)
        if not own:
            raise NotFound(
                f"The model `{model}` does not exist or is not served by this gateway.",
                code="model_not_found",
                param="model",
            )
        tiers = [own, *(self._targets(m) for m in self._fallbacks.get(model, []) if m != model)]
        route = Route(model, tuple(tiers))
        if len(self._routes) < 10_000:  # names passed through a wildcard are unbounded
            self._routes[model] = route
        return route

    def route_for(self, model: str, endpoint: str) -> Route:
        """The model's route through the deployments that serve ``endpoint``; a 400
        naming them when none does (an endpoint such as the Responses API that some
        upstreams lack is refused rather than translated: its stored conversations and
        named events have no faithful counterpart in chat completions)."""
        key = (model, endpoint)
        found = self._routes_for.get(key)
        if found is not None:
            return found
        route = self.route(model)
        tiers = tuple(
            kept
            for tier in route.tiers
            if (kept := tuple(t for t in tier if t.deployment.serves(endpoint)))
        )
        if tiers:
            found = (
                route
                if len(tiers) == len(route.tiers) and _same(tiers, route)
                else Route(model, tiers)
            )
            if len(self._routes_for) < 10_000:  # as ``route``'s own
                self._routes_for[key] = found
            return found
        names = ", ".join(sorted({t.deployment.name for tier in route.tiers for t in tier}))
        raise InvalidRequest(
            f"`/v1/{endpoint}` is not available for the model `{model}`: its deployments "
            f"({names}) do not serve it. Use /v1/chat/completions, or have the operator "
            f"list '{endpoint}' under the deployment's endpoints if its upstream serves it.",
            code="unsupported_endpoint",
            param="model",
        )

    def resolve(self, model: str) -> Target:
        """The first choice for ``model``."""
        return self.route(model).primary

    def named_models(self) -> dict[str, Deployment]:
        return {model: targets[0].deployment for model, targets in self._exact.items()}

    def wildcard_deployments(self) -> list[Deployment]:
        return list(self._wildcards)


def _same(tiers: tuple[tuple[Target, ...], ...], route: Route) -> bool:
    return all(len(a) == len(b) for a, b in zip(tiers, route.tiers, strict=True))
