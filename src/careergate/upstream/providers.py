"""Providers: how to reach one kind of upstream (URL layout and authentication).

A provider holds connection details only; the request and response bodies are
OpenAI's wire format for every provider here. New kinds register in ``PROVIDERS``.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from careergate.config.deployments import ConfigError, DeploymentConfig

BASIC_ENDPOINTS = frozenset({"chat/completions", "embeddings"})
"""What every OpenAI-like upstream serves; the Responses API is OpenAI's own."""
SANDBOX_LACKS = frozenset({"batches"})
"""What the sandbox upstream does not serve: the Files and Batch APIs (the gateway runs
a batch's lines itself there)."""


class Provider(Protocol):
    """Where to send an operation for a model, and how to present a key."""

    requires_key: bool
    endpoints: frozenset[str] | None
    """The endpoints it serves unless the deployment says otherwise (``None``: all)."""

    def url(self, path: str, upstream_model: str) -> str:
        """The URL of the endpoint at ``path`` (``chat/completions``) for the model."""
        ...

    def headers(self, api_key: str | None) -> dict[str, str]:
        """Request headers carrying ``api_key`` (computed once per key, not per request)."""
        ...

    def models_url(self) -> str | None:
        """The upstream's model list, when it has one."""
        ...


class OpenAIProvider:
    """OpenAI's API, or a server with the same layout at ``base_url``."""

    default_base_url: ClassVar[str | None] = "https://api.openai.com/v1"
    requires_key: bool = True
    endpoints: frozenset[str] | None = None

    def __init__(self, config: DeploymentConfig) -> None:
        base = config.base_url or self.default_base_url
        if base is None:
            raise ConfigError(f"deployment {config.name!r}: base_url is required")
        self._base = base.rstrip("/")

    def url(self, path: str, upstream_model: str) -> str:
        return f"{self._base}/{path}"

    def headers(self, api_key: str | None) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if api_key is not None:
            headers["authorization"] = f"Bearer {api_key}"
        return headers

    def models_url(self) -> str | None:
        return f"{self._base}/models"


class OpenAICompatibleProvider(OpenAIProvider):
    """vLLM, Ollama, llama.cpp and the like: OpenAI's layout, often without a key."""

    default_base_url = None
    requires_key = False
    endpoints = BASIC_ENDPOINTS


class AzureOpenAIProvider:
    """Azure OpenAI: one URL per deployment, ``api-key`` header, ``api-version`` query.
    Its Responses API has another URL layout and API version than the rest, so it is
    not served through a deployment of this kind."""

    requires_key: bool = True
    endpoints: frozenset[str] | None = BASIC_ENDPOINTS

    def __init__(self, config: DeploymentConfig) -> None:
        if not config.base_url:
            raise ConfigError(
                f"deployment {config.name!r}: base_url (the Azure endpoint) is required"
            )
        self._base = config.base_url.rstrip("/")
        self._version = config.api_version or "2024-10-21"

    def url(self, path: str, upstream_model: str) -> str:
        return (
            f"{self._base}/openai/deployments/{upstream_model}/{path}?api-version={self._version}"
        )

    def headers(self, api_key: str | None) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if api_key is not None:
            headers["api-key"] = api_key
        return headers

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
