"""Test support that ships with careergate, for its own tests and the platform's.

``FakeOpenAI`` is a real HTTP server on loopback that speaks OpenAI's API with
deterministic answers and programmable faults; the pytest plugin offers it as the
``fake_openai`` fixture. It is the product's sandbox upstream (``careergate.sandbox``),
re-exported here so that tests import their tools from one place.
"""

from careergate.sandbox import (
    DEFAULT_MODELS,
    FakeOpenAI,
    Fault,
    FaultPlan,
    ReceivedRequest,
    UpstreamLimits,
)

__all__ = [
    "DEFAULT_MODELS",
    "FakeOpenAI",
    "Fault",
    "FaultPlan",
    "ReceivedRequest",
    "UpstreamLimits",
]
