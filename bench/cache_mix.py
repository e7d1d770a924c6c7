"""Hit rate on a repeated-prompt mix: what share of a career platform's model requests
the response cache answers, and what that saves, under stated assumptions.

The mix (seeded; 500 users, 20,000 requests), each request one of:

- 35% *posting embeddings* for search and matching (feature ``posting-embeddings``,
  configured ``scope: global``): a posting drawn from 2,000 by popularity (Zipf, s=1.1:
  a few postings are viewed by many);
- 25% *skills of a posting* a user opens (``temperature: 0``, per user): the posting
  drawn as above, so a hit needs the same user to open the same posting again;
- 20% *bullet rewrites* (``temperature: 0``, per user): one of the user's own 8 resume
  bullets, the most recent ones most often (Zipf over them);
- 20% *free chat* (the API's default temperature: sampled, never kept).

Every request goes through ``ResponseCache.plan``/``find``/``keep`` with the in-process
store and the default TTL (the mix is taken as one hour of traffic). Costs are at
gpt-4o-mini's and text-embedding-3-small's catalogue prices, with each request's prompt
tokens counted and 150 output tokens per chat answer.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from careergate.auth.principal import Principal, Role
from careergate.cache.config import CacheConfig, CacheScope, FeatureCacheRule
from careergate.cache.control import ALLOW
from careergate.cache.keys import CacheKeys
from careergate.cache.memory import MemoryStore
from careergate.cache.policy import CachePolicy
from careergate.cache.response_cache import ResponseCache
from careergate.endpoints import CHAT, EMBEDDINGS
from careergate.pricing.catalogue import PriceCatalogue
from careergate.tokenizer import TokenCounter
from careergate.usage.record import TokenUsage

USERS, POSTINGS, REQUESTS, BULLETS = 500, 2000, 20_000, 8
KINDS = (("posting-embeddings", 0.35), ("skills", 0.25), ("bullets", 0.20), ("chat", 0.20))


def _zipf(rng: random.Random, n: int, s: float) -> int:
    weights = _ZIPF.setdefault((n, s), [1 / (i + 1) ** s for i in range(n)])
    return rng.choices(range(n), weights)[0]


_ZIPF: dict[tuple[int, float], list[float]] = {}


def _request(kind: str, rng: random.Random, user: int) -> tuple[Any, dict[str, Any], str]:
    posting = f"Posting {_zipf(rng, POSTINGS, 1.1)}: Registered nurse, ward 4, night shifts, " * 3
    if kind == "posting-embeddings":
        return (
            EMBEDDINGS,
            {"model": "text-embedding-3-small", "input": posting},
            "text-embedding-3-small",
        )
    if kind == "skills":
        content = f"List the ESCO skills this posting asks for:\n{posting}"
        body = {
            "model": "gpt-4o-mini",
            "temperature": 0,
            "messages": [{"role": "user", "content": content}],
        }
    elif kind == "bullets":
        bullet = f"user {user} bullet {_zipf(rng, BULLETS, 1.0)}: led a team on payments"
        body = {
            "model": "gpt-4o-mini",
            "temperature": 0,
            "messages": [{"role": "user", "content": f"Rewrite: {bullet}"}],
        }
    else:
        body = {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": f"chat {rng.random()}"}],
        }
    return CHAT, body, "gpt-4o-mini"


async def run_mix(seed: int = 7) -> dict[str, Counter[str]]:
    config = CacheConfig(features={"posting-embeddings": FeatureCacheRule(scope=CacheScope.GLOBAL)})
    cache = ResponseCache(
        CachePolicy(config, str), CacheKeys(b"m" * 32), MemoryStore(config.max_bytes)
    )
    prices, counter, today = PriceCatalogue.shipped(), TokenCounter(), datetime.now(UTC).date()
    rng = random.Random(seed)
    tally: dict[str, Counter[str]] = {}
    for _ in range(REQUESTS):
        user = rng.randrange(USERS)
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        spec, body, model = _request(kind, rng, user)
        principal = Principal("key", "sk-cg-mix", Role.SERVICE, user=f"u{user}")
        who = (principal, f"u{user}", kind)
        assert spec.cache is not None
        plan = cache.plan(spec.cache, spec.name, body, model, who, ALLOW)
        counts = tally.setdefault(kind, Counter())
        prompt = spec.prompt_tokens(counter, model, body)
        usage = TokenUsage(prompt, 0 if spec is EMBEDDINGS else 150)
        cost = prices.cost_nano(model, usage, on=today) or 0
        counts["requests"] += 1
        counts["cost"] += cost
        if plan is None:
            continue
        if await cache.find(plan) is not None:
            counts["hits"] += 1
            counts["saved"] += cost
        else:
            counts["misses"] += 1
            cache.keep(plan, b"{}", usage, model)
    return tally


def mix_rows() -> list[str]:
    tally = asyncio.run(run_mix())
    total: Counter[str] = Counter()
    rows = [
        "Hit rate on the repeated-prompt mix (`bench/cache_mix.py`: 500 users, 20,000 "
        "requests; its docstring states the assumptions):",
        "",
        "| requests | share | hits | hit rate (of all) | cost without cache $ | saved $ |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, _ in KINDS:
        counts = tally[kind]
        total.update(counts)
        rows.append(_row(kind, counts, REQUESTS))
    rows.append(_row("all", total, REQUESTS))
    return rows


def _row(label: str, counts: Counter[str], requests: int) -> str:
    return (
        f"| {label} | {counts['requests'] / requests:.0%} | {counts['hits']:,} "
        f"| {counts['hits'] / counts['requests']:.1%} | {counts['cost'] / 1e9:.4f} "
        f"| {counts['saved'] / 1e9:.4f} ({counts['saved'] / max(1, counts['cost']):.0%}) |"
    )


if __name__ == "__main__":
    print("\n".join(mix_rows()))
