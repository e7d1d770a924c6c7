"""Named upstream deployments, from the YAML config file or from the environment.

A deployment is one place that serves models: OpenAI itself, an Azure OpenAI resource,
or any OpenAI-compatible server (vLLM, Ollama, llama.cpp). Example::

    deployments:
      - name: openai
        provider: openai
        api_key_env: OPENAI_API_KEY
        models: ["*"]                 # anything the upstream serves
      - name: azure-eu
        provider: azure
        base_url: https://my-resource.openai.azure.com
        api_key_env: AZURE_OPENAI_API_KEY
        api_version: "2024-10-21"
        models: {gpt-4o: prod-gpt4o}  # public model name -> Azure deployment
      - name: local
        provider: openai-compatible
        base_url: http://127.0.0.1:8000/v1
        models: [llama-3.1-8b]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from careergate.cache.config import CacheConfig
from careergate.models.aliases import AliasConfig
from careergate.models.policy import FeaturePolicy
from careergate.privacy.policy import PrivacyConfig
from careergate.ratelimit.rules import RateLimitRule
from careergate.security.prompt_secrets import SecretsConfig
from careergate.settings import UpstreamEnvironment
from careergate.yaml_text import load_yaml

WILDCARD = "*"


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which entry and why."""


class DeploymentConfig(BaseModel):
    """One upstream deployment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    provider: str = "openai"
    base_url: str | None = None
    api_key: SecretStr | None = None
    api_key_env: str | None = None
    """Read the key from this environment variable (keeps it out of the file)."""
    api_version: str | None = None
    models: dict[str, str] = Field(default_factory=lambda: {WILDCARD: WILDCARD})
    """Public model name -> the upstream's name for it; ``*`` passes any name through."""
    ca_file: Path | None = None
    """PEM bundle of CAs to trust for this upstream, besides the system's and
    ``CAREERGATE_UPSTREAM_CA_FILE``'s (a private CA; verification is never off)."""
    sandbox: bool = False
    """Served by careergate's own fake upstream: answers are not from a real model."""
    endpoints: list[str] | None = None
    """The API endpoints it serves (``chat/completions``, ``embeddings``, ``responses``,
    and ``batches`` for the Files and Batch APIs); by default every one for OpenAI, all
    but ``batches`` for the sandbox, chat completions and embeddings for Azure OpenAI
    and OpenAI-compatible servers, which may lack the others."""

    @field_validator("models", mode="before")
    @classmethod
    def _models_from_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {str(name): str(name) for name in value}
        return value

    @model_validator(mode="after")
    def _key_from_environment(self) -> DeploymentConfig:
        if self.api_key is None and self.api_key_env:
            found = os.environ.get(self.api_key_env)
            if found:
                object.__setattr__(self, "api_key", SecretStr(found))
        return self

    @property
    def serves_any_model(self) -> bool:
        return WILDCARD in self.models


class ModelsConfig(BaseModel):
    """The model catalogue's part of the config file (``careergate.models``)."""

    model_config = ConfigDict(extra="forbid")

    aliases: dict[str, AliasConfig] = Field(default_factory=dict)
    """Alias -> the snapshot it names (and a canary)."""
    snapshots: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Additions to and overrides of ``careergate/models/snapshots.yaml``."""
    features: dict[str, FeaturePolicy] = Field(default_factory=dict)
    """Feature -> its model policy (for requests asking for the model ``auto``)."""


class GatewayConfig(BaseModel):
    """The contents of the YAML config file."""

    model_config = ConfigDict(extra="forbid")

    deployments: list[DeploymentConfig] = Field(default_factory=list)
    prices: dict[str, Any] | None = None
    """Price overrides, shaped like ``careergate/pricing/prices.yaml``."""
    rate_limits: list[RateLimitRule] = Field(default_factory=list)
    """Requests and tokens per minute per key, user, team, feature or model."""
    fallbacks: dict[str, list[str]] = Field(default_factory=dict)
    """Model -> the models to fall back to, in order, when its deployments fail."""
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    """Personal data in requests: the default mode, per-feature modes, the name finder."""
    cache: CacheConfig = Field(default_factory=CacheConfig)
    """The response cache: on by default, per end user; TTLs, scopes, the semantic cache."""
    secrets: SecretsConfig = Field(default_factory=SecretsConfig)
    """Credentials in prompts: masked (the default), refused or sent, whatever the
    privacy mode; per feature and per key id."""


def _deployments_from_environment(env: UpstreamEnvironment) -> list[DeploymentConfig]:
    found: list[DeploymentConfig] = []
    if env.openai_api_key is not None or env.openai_base_url:
        base = env.openai_base_url
        official = base is None or "api.openai.com" in base
        found.append(
            DeploymentConfig(
                name="openai" if official else "openai-compatible",
                provider="openai" if official else "openai-compatible",
                base_url=base,
                api_key=env.openai_api_key,
            )
        )
    if env.azure_openai_endpoint:
        models: dict[str, str] = {}
        for pair in (env.azure_openai_deployments or "").split(","):
            model, _, deployment = pair.strip().partition("=")
            if model:
                models[model] = deployment or model
        found.append(
            DeploymentConfig(
                name="azure",
                provider="azure",
                base_url=env.azure_openai_endpoint,
                api_key=env.azure_openai_api_key,
                api_version=env.azure_openai_api_version or "2024-10-21",
                models=models or {WILDCARD: WILDCARD},
            )
        )
    return found


def _where(error: yaml.YAMLError) -> str:
    """A YAML error in one line: what is wrong and where."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).strip().splitlines()[0]
    if mark is None:
        return str(problem)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"


def load_gateway_config(path: Path | None, env: UpstreamEnvironment) -> GatewayConfig:
    """The config file's deployments, else those the environment describes (maybe none)."""
    if path is not None:
        try:
            raw = load_yaml(path.read_text()) or {}
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: {_where(exc)}") from None
        try:
            config = GatewayConfig.model_validate(raw)
        except ValidationError as exc:
            # Named by field, never with the value given: it may be an inline api_key
            # (and not chained: a debug traceback would print it).
            problems = "; ".join(
                f"{'.'.join(map(str, error['loc'])) or '(top level)'}: {error['msg']}"
                for error in exc.errors(include_input=False, include_url=False)
            )
            raise ConfigError(f"config file {path}: {problems}") from None
        except ValueError as exc:
            raise ConfigError(f"config file {path}: {exc}") from None
        if config.deployments:
            return config
        return config.model_copy(update={"deployments": _deployments_from_environment(env)})
    return GatewayConfig(deployments=_deployments_from_environment(env))
