"""Which deployment serves a requested model."""

from __future__ import annotations

from dataclasses import dataclass

from careergate.config.deployments import WILDCARD, DeploymentConfig
from careergate.errors import NotFound
from careergate.upstream.providers import Provider, provider_for


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


class Router:
    """Resolves a model name to a target: an exact model entry first, then a wildcard."""

    def __init__(self, deployments: list[DeploymentConfig]) -> None:
        self.deployments = [Deployment(c, provider_for(c)) for c in deployments]
        self._exact: dict[str, Target] = {}
        self._wildcard: Deployment | None = None
        self.sandboxed = any(d.sandbox for d in self.deployments)
        """Some answers come from the sandbox upstream (responses say so)."""
        for deployment in self.deployments:
            for model, upstream_model in deployment.config.models.items():
                if model == WILDCARD:
                    self._wildcard = self._wildcard or deployment
                else:
                    self._exact.setdefault(model, Target(deployment, model, upstream_model))

    def named_models(self) -> dict[str, Deployment]:
        return {model: target.deployment for model, target in self._exact.items()}

    def wildcard_deployments(self) -> list[Deployment]:
        return [d for d in self.deployments if d.config.serves_any_model]

    def resolve(self, model: str) -> Target:
        target = self._exact.get(model)
        if target is not None:
            return target
        if self._wildcard is not None:
            return Target(self._wildcard, model, model)
        raise NotFound(
            f"The model `{model}` does not exist or is not served by this gateway.",
            code="model_not_found",
            param="model",
        )
