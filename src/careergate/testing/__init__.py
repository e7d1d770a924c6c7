"""Test support that ships with careergate, for its own tests and the platform's.

``FakeOpenAI`` is a real HTTP server on loopback that speaks OpenAI's API with
deterministic answers and programmable faults; the pytest plugin offers it as the
``fake_openai`` fixture.
"""

from careergate.testing.faults import Fault, FaultPlan
from careergate.testing.ratelimits import UpstreamLimits
from careergate.testing.server import DEFAULT_MODELS, FakeOpenAI, ReceivedRequest

__all__ = [
    "DEFAULT_MODELS",
    "FakeOpenAI",
    "Fault",
    "FaultPlan",
    "ReceivedRequest",
    "UpstreamLimits",
]
