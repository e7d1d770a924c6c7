"""The response cache's lookup step on a hit, in process: what it costs on top of the
privacy step before it (``cache_bench.py`` reports it).

A real ``LookUpCache`` over the in-process store; each request is pseudonymised by the
real privacy step (the name model loaded) first, outside the timing, as on the path.
Three timings per hit: the plan (the endpoint's normalised request, canonical JSON,
keyed hash), the find (the store and the entry's decoding), and the answer (the kept
answer's placeholders restored for this request, the reply's bytes).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import orjson

from careergate.auth.principal import Principal, Role
from careergate.cache.config import CacheConfig
from careergate.cache.control import ALLOW
from careergate.cache.keys import CacheKeys
from careergate.cache.memory import MemoryStore
from careergate.cache.policy import CachePolicy
from careergate.cache.response_cache import ResponseCache
from careergate.core.call import Call, Outcome
from careergate.core.steps.cache import LookUpCache
from careergate.endpoints import CHAT
from careergate.models.choice import Choice
from careergate.models.snapshots import SnapshotCatalogue
from careergate.privacy.detector import PiiDetector
from careergate.privacy.names import NameFinder
from careergate.privacy.policy import PrivacyPolicy
from careergate.privacy.shield import PrivacyShield
from careergate.settings import PrivacyMode
from careergate.usage.record import TokenUsage

PRINCIPAL = Principal("key1", "sk-cg-bench", Role.SERVICE, user="bench")


def _answer(body: dict[str, Any]) -> bytes:
    """An upstream answer that repeats the (pseudonymised) question, as models often do."""
    text = "Here is a better version. " + str(body["messages"][-1]["content"])[:600]
    return orjson.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 400, "completion_tokens": 120, "total_tokens": 520},
        }
    )


class NoKeptAnswers:
    """Chat answers are never kept upstream: the cache step never asks."""

    async def recall(self, response_id: str) -> None:
        return None


async def hit_costs(body: dict[str, Any], repeat: int) -> tuple[float, float, float]:
    """Median µs per hit of the plan, the find and the answer."""
    names = NameFinder()
    await names.load()
    shield = PrivacyShield(PrivacyPolicy(PrivacyMode.PSEUDONYMISE), PiiDetector(names))
    cache = ResponseCache(
        CachePolicy(CacheConfig(), str), CacheKeys(b"k" * 32), MemoryStore(64 * 1024 * 1024)
    )
    snapshots = SnapshotCatalogue.shipped()
    step = LookUpCache(cache, snapshots, NoKeptAnswers())
    model = snapshots.canonical("gpt-4o-mini")

    async def protected() -> Call:
        call = Call(
            CHAT,
            PRINCIPAL,
            orjson.loads(orjson.dumps(body)),
            None,
            0.0,
            "bench",
            None,
            Outcome("req", CHAT),
        )
        protection = await shield.protect(CHAT, call.body, None, None, None, "bench")
        call.protection = protection if protection and protection.replaced else None
        call.choice = Choice("gpt-4o-mini")
        return call

    first = await protected()
    plan = cache.plan(
        CHAT.cache, "chat", first.body, model, (PRINCIPAL, "bench", None), ALLOW, time.time()
    )  # type: ignore[arg-type]
    assert plan is not None
    cache.keep(plan, _answer(first.body), TokenUsage(400, 120), "gpt-4o-mini-2024-07-18")
    plans, finds, answers = [], [], []
    for _ in range(repeat):
        call = await protected()
        start = time.perf_counter()
        made = cache.plan(
            CHAT.cache, "chat", call.body, model, (PRINCIPAL, "bench", None), ALLOW, time.time()
        )  # type: ignore[arg-type]
        planned = time.perf_counter()
        assert made is not None
        found = await cache.find(made)
        looked = time.perf_counter()
        assert found is not None
        reply = step._answer(call, CHAT.cache, found)  # type: ignore[arg-type]
        done = time.perf_counter()
        assert reply is not None
        plans.append(planned - start)
        finds.append(looked - planned)
        answers.append(done - looked)
    names.close()
    return tuple(statistics.median(x) * 1e6 for x in (plans, finds, answers))  # type: ignore[return-value]


if __name__ == "__main__":
    from proxy_bench import BODY

    print(asyncio.run(hit_costs({**orjson.loads(BODY), "temperature": 0}, 500)))
