"""Providers: how to reach one kind of upstream (URL layout and authentication).

A provider holds connection details only; the request and response bodies are
OpenAI's wire format for every provider here. New kinds register in ``PROVIDERS``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Protocol

from careergate.config.deployments import ConfigError, DeploymentConfig


class Endpoint(StrEnum):
    """An OpenAI API operation the gateway forwards; the value is its URL path."""

    CHAT = "chat/completions"
    EMBEDDINGS = "embeddings"


class Provider(Protocol):
    """Where to send an operation for a model, and with which credentials."""

    def url(self, endpoint: Endpoint, upstream_model: str) -> str: ...

    def headers(self) -> dict[str, str]: ...

    def models_url(self) -> str | None:
        """The upstream's model list, when it has one."""
        ...


class OpenAIProvider:
    """OpenAI's API, or a server with the same layout at ``base_url``."""

    default_base_url: ClassVar[str | None] = "https://api.openai.com/v1"
    requires_key: ClassVar[bool] = True

    def __init__(self, config: DeploymentConfig) -> None:
        base = config.base_url or self.default_base_url
        if base is None:
            raise ConfigError(f"deployment {config.name!r}: base_url is required")
        if self.requires_key and config.api_key is None:
            raise ConfigError(f"deployment {config.name!r}: no API key (api_key or api_key_env)")
        self._base = base.rstrip("/")
        self._headers = {"content-type": "application/json"}
        if config.api_key is not None:
            self._headers["authorization"] = f"Bearer {config.api_key.get_secret_value()}"

    def url(self, endpoint: Endpoint, upstream_model: str) -> str:
        return f"{self._base}/{endpoint.value}"

    def headers(self) -> dict[str, str]:
        return self._headers

    def models_url(self) -> str | None:
        return f"{self._base}/models"


class OpenAICompatibleProvider(OpenAIProvider):
    """vLLM, Ollama, llama.cpp and the like: OpenAI's layout, often without a key."""

    default_base_url = None
    requires_key = False


class AzureOpenAIProvider:
    """Azure OpenAI: one URL per deployment, ``api-key`` header, ``api-version`` query."""

    def __init__(self, config: DeploymentConfig) -> None:
        if not config.base_url:
            raise ConfigError(
                f"deployment {config.name!r}: base_url (the Azure endpoint) is required"
            )
        if config.api_key is None:
            raise ConfigError(f"deployment {config.name!r}: no API key (api_key or api_key_env)")
        self._base = config.base_url.rstrip("/")
        self._version = config.api_version or "2024-10-21"
        self._headers = {
            "content-type": "application/json",
            "api-key": config.api_key.get_secret_value(),
        }

    def url(self, endpoint: Endpoint, upstream_model: str) -> str:
        return (
            f"{self._base}/openai/deployments/{upstream_model}/{endpoint.value}"
            f"?api-version={self._version}"
        )

    def headers(self) -> dict[str, str]:
        return self._headers

    def models_url(self) -> str | None:
        return None


PROVIDERS: dict[str, type[OpenAIProvider] | type[AzureOpenAIProvider]] = {
    "openai": OpenAIProvider,
    "openai-compatible": OpenAICompatibleProvider,
    "azure": AzureOpenAIProvider,
}


def provider_for(config: DeploymentConfig) -> Provider:
    try:
        kind = PROVIDERS[config.provider]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigError(
            f"deployment {config.name!r}: unknown provider {config.provider!r} (known: {known})"
        ) from None
    return kind(config)
