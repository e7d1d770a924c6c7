"""What careergate knows about each OpenAI endpoint it serves, described once.

An ``EndpointSpec`` says how a request is checked, where its texts lie (for the privacy
step), how its tokens and worst case are counted, how its answer is checked and how it
streams. The request path asks the spec and never branches on the endpoint, so a new
endpoint is a new spec registered in ``registry.py``.
"""

from careergate.endpoints.registry import CHAT, EMBEDDINGS, ENDPOINTS, RESPONSES, endpoint_paths
from careergate.endpoints.slots import Slot
from careergate.endpoints.spec import EndpointSpec, Json

__all__ = [
    "CHAT",
    "EMBEDDINGS",
    "ENDPOINTS",
    "RESPONSES",
    "EndpointSpec",
    "Json",
    "Slot",
    "endpoint_paths",
]
