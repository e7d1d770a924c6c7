"""The response cache shared in Redis: one replica's answer is another's hit, and an
erasure from the command line reaches the shared entries."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from pathlib import Path
from typing import Any

import redis

import careergate
from careergate.auth.permissions import KeySpec
from careergate.cache.redis_store import PREFIX
from careergate.runtime import cache_keys, key_store
from careergate.storage.database import Database
from careergate.testing import FakeOpenAI
from conftest import cli_env, gateway_settings, in_database, require_redis, run_cli

BODY = {
    "model": "gpt-4o-mini",
    "temperature": 0,
    "messages": [{"role": "user", "content": "Which skills does a data engineer need?"}],
}


def test_replicas_share_answers_and_an_erasure_reaches_them(
    tmp_path: Path, module_fake: FakeOpenAI
) -> None:
    redis_url = require_redis().removeprefix("async+")
    module_fake.reset()
    settings = gateway_settings(
        tmp_path,
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        redis_url=redis_url,
        record_process=False,
    )

    async def create(database: Database) -> str:
        keys = await key_store(settings, database)
        return (await keys.create(KeySpec(act_for_users=True))).secret

    key = in_database(settings, create)

    env = cli_env(settings, CAREERGATE_REDIS_URL=redis_url)
    dana, eli = (f"{name}-{secrets.token_hex(3)}" for name in ("dana", "eli"))

    def kept_for(user: str) -> None:
        """Until the user's entry is in Redis: a replica sends it after the answer left."""
        deadline = time.monotonic() + 10
        with redis.Redis.from_url(redis_url) as shared:
            while not shared.exists(f"{PREFIX}user:{cache_keys(settings).user(user)}"):
                assert time.monotonic() < deadline, f"no cache entry kept for {user}"
                time.sleep(0.02)

    async def replicas() -> tuple[list[dict[str, Any]], int]:
        async with (
            careergate.open_gateway(key, settings) as first,
            careergate.open_gateway(key, settings) as second,
        ):
            answers = []
            for replica, user in ((first, dana), (second, dana), (second, eli)):
                answers.append(await replica.chat(dict(BODY), user=user))
                await asyncio.to_thread(kept_for, user)
            upstream_calls = len(module_fake.requests)
            erased = await asyncio.to_thread(
                run_cli, env, "privacy", "delete", "--user", dana, "--yes"
            )
            assert json.loads(erased.stdout)["cache_entries"] == 1
            await first.chat(dict(BODY), user=dana)
            return answers, upstream_calls

    answers, upstream_calls = asyncio.run(replicas())
    assert upstream_calls == 2  # dana's second answer came from the other replica's entry
    assert answers[0] == answers[1]
    assert len(module_fake.requests) == 3  # erased: asked upstream again
