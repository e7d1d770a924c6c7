"""The endpoints careergate serves. Each spec is instantiated here, at import, so a spec
with a missing piece fails when the gateway starts, not on a request."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from careergate.endpoints.chat import ChatCompletions
from careergate.endpoints.embeddings import Embeddings
from careergate.endpoints.responses import Responses
from careergate.endpoints.spec import EndpointSpec

CHAT: EndpointSpec = ChatCompletions()
EMBEDDINGS: EndpointSpec = Embeddings()
RESPONSES: EndpointSpec = Responses()

ENDPOINTS: Mapping[str, EndpointSpec] = MappingProxyType(
    {spec.path: spec for spec in (CHAT, EMBEDDINGS, RESPONSES)}
)
"""Every endpoint by its path under ``/v1``."""


def endpoint_paths() -> frozenset[str]:
    """The names a key's endpoint permissions may use."""
    return frozenset(ENDPOINTS)
