"""The sandbox upstream: a fake OpenAI API on loopback, part of the product.

``careergate serve`` answers from it when no upstream is configured (responses are
labelled ``x-careergate-sandbox: true``), and ``careergate fake-upstream`` serves it for
benchmarks and manual tests. ``careergate.testing`` re-exports it for tests (ours and the
platform's); this package imports nothing of the test kit nor of test-only dependencies.

Modules, one job each: ``server`` runs and programs it, ``app`` routes and refuses
requests, ``completions`` and ``replies`` make the answers, ``streaming`` their streamed
form, ``faults`` and ``injection`` the programmable misbehaviour, ``ratelimits`` its own
rate limits, ``control`` the ``/_fake/`` API, ``state`` what it knows, ``wire`` OpenAI's
error bodies.
"""

from careergate.sandbox.faults import Fault, FaultPlan
from careergate.sandbox.ratelimits import UpstreamLimits
from careergate.sandbox.server import FakeOpenAI
from careergate.sandbox.state import DEFAULT_MODELS, ReceivedRequest

__all__ = [
    "DEFAULT_MODELS",
    "FakeOpenAI",
    "Fault",
    "FaultPlan",
    "ReceivedRequest",
    "UpstreamLimits",
]
