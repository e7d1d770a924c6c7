"""careergate: the AI service layer of a career platform.

Three faces over one core: this library, an OpenAI-compatible HTTP gateway
(``careergate serve``) and an operator CLI (``careergate ...``).

The library's entry points::

    async with careergate.open_gateway(key) as gateway:   # a LocalGateway
        await gateway.chat({...})
        await gateway.extract_skills({...})

with ``Settings`` (every setting), ``Runtime`` (the started parts, for what
``LocalGateway`` does not offer) and ``GatewayError`` (what a call raises where the HTTP
API answers an error). They are imported on first use (PEP 562), so that
``import careergate`` stays cheap for the CLI and for code that needs one module.
"""

TYPE_CHECKING = False
"""True for type checkers only. Nothing is imported here at run time, not even
``typing`` or ``importlib`` (each costs more than the rest of this module)."""
if TYPE_CHECKING:
    from typing import Any

    from careergate.errors import GatewayError
    from careergate.library import LocalGateway, open_gateway
    from careergate.runtime import Runtime
    from careergate.settings import Settings

__version__ = "0.1.0"

_ENTRY_POINTS = {
    "GatewayError": "careergate.errors",
    "LocalGateway": "careergate.library",
    "open_gateway": "careergate.library",
    "Runtime": "careergate.runtime",
    "Settings": "careergate.settings",
}

__all__ = ["GatewayError", "LocalGateway", "Runtime", "Settings", "__version__", "open_gateway"]


def __getattr__(name: str) -> "Any":
    module = _ENTRY_POINTS.get(name)
    if module is None:
        raise AttributeError(f"module 'careergate' has no attribute {name!r}")
    value = getattr(__import__(module, fromlist=[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_ENTRY_POINTS})
