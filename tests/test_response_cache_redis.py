"""The response cache shared in Redis: one replica's answer is another's hit, and an
erasure from the command line reaches the shared entries, whether or not its shell
names the gateways' Redis."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from pathlib import Path
from typing import Any

import openai
import redis

import careergate
from careergate.auth.permissions import KeySpec
from careergate.cache.detached import cache_keys
from careergate.cache.redis_store import PREFIX, RedisStore
from careergate.runtime import key_store
from careergate.storage.database import Database
from careergate.testing import FakeOpenAI
from conftest import (
    cli_env,
    gateway_settings,
    in_database,
    require_redis,
    run_cli,
    start_gateway,
)
from tcp_proxy import CuttableProxy
from test_response_cache import erased_while_answering

BODY = {
    "model": "gpt-4o-mini",
    "temperature": 0,
    "messages": [{"role": "user", "content": "Which skills does a data engineer need?"}],
}


def redis_db() -> str:
    """The test Redis's database of these tests."""
    return require_redis().removeprefix("async+").rsplit("/", 1)[0] + "/12"


def kept_for(redis_url: str, tag: str, kept: bool = True, timeout: float = 10) -> None:
    """Until the user tagged ``tag`` has an entry in Redis (a gateway sends it after the
    answer left), or has none (``kept`` false)."""
    deadline = time.monotonic() + timeout
    with redis.Redis.from_url(redis_url) as shared:
        while bool(shared.exists(f"{PREFIX}user:{tag}")) != kept:
            assert time.monotonic() < deadline, f"cache entry of {tag} kept: {not kept}"
            time.sleep(0.02)


def test_replicas_share_answers_and_an_erasure_reaches_them(
    tmp_path: Path, module_fake: FakeOpenAI
) -> None:
    redis_url = redis_db()
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

    async def replicas() -> tuple[list[dict[str, Any]], int]:
        async with (
            careergate.open_gateway(key, settings) as first,
            careergate.open_gateway(key, settings) as second,
        ):
            answers = []
            for replica, user in ((first, dana), (second, dana), (second, eli)):
                answers.append(await replica.chat(dict(BODY), user=user))
                await asyncio.to_thread(kept_for, redis_url, cache_keys(settings).user(user))
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


def test_an_erasure_from_a_shell_that_names_no_redis_reaches_the_shared_entries(
    tmp_path: Path, module_fake: FakeOpenAI
) -> None:
    """The operator's shell has the database and the master key, not the gateways'
    Redis: the gateways erase the user's shared entries when they see the erasure."""
    redis_url = redis_db()
    config = {"cache": {"features": {"postings": {"scope": "global"}}}}
    deployment = {"name": "p", "provider": "openai-compatible", "base_url": module_fake.base_url}
    settings = gateway_settings(tmp_path, [deployment], extra_config=config, redis_url=redis_url)
    ana, ben = (f"{name}-{secrets.token_hex(3)}" for name in ("ana", "ben"))
    for gateway in start_gateway(settings, module_fake):
        service = gateway.client(gateway.create_key(act_for_users=True))
        assert served_to(service, ana) == "miss"
        kept_for(redis_url, cache_keys(settings).user(ana))
        assert served_to(service, ben) == "hit"
        run_cli(cli_env(settings), "privacy", "delete", "--user", ana, "--yes")
        kept_for(redis_url, cache_keys(settings).user(ana), kept=False, timeout=5)
        assert served_to(service, ben) == "miss"


def test_an_entry_its_users_erasure_could_not_find_is_not_served_after_it(
    tmp_path: Path, module_fake: FakeOpenAI
) -> None:
    """Under memory pressure Redis may evict a user's index and keep entries it listed:
    the erasure finds none of them, and none is served again all the same."""
    redis_url = redis_db()
    config = {"cache": {"features": {"postings": {"scope": "global"}}}}
    deployment = {"name": "p", "provider": "openai-compatible", "base_url": module_fake.base_url}
    settings = gateway_settings(tmp_path, [deployment], extra_config=config, redis_url=redis_url)
    ana, ben = (f"{name}-{secrets.token_hex(3)}" for name in ("ana", "ben"))
    tag = cache_keys(settings).user(ana)
    for gateway in start_gateway(settings, module_fake):
        service = gateway.client(gateway.create_key(act_for_users=True))
        assert served_to(service, ana) == "miss"
        kept_for(redis_url, tag)
        with redis.Redis.from_url(redis_url) as shared:
            shared.delete(f"{PREFIX}user:{tag}")  # as an eviction would
        env = cli_env(settings, CAREERGATE_REDIS_URL=redis_url)
        erased = run_cli(env, "privacy", "delete", "--user", ana, "--yes")
        assert json.loads(erased.stdout)["cache_entries"] == 0  # found none
        assert served_to(service, ben) == "miss"  # ana's entry, kept before, is not served


def test_an_entry_without_its_users_tag_is_not_served() -> None:
    """One kept by an earlier release names no user: its erasure could not be checked."""
    redis_url = redis_db()

    async def looked_up() -> list[bytes | None]:
        store = RedisStore(redis_url)
        store.put("tagged", b"[1]", 60, "ab12", time.time())
        store.put("nobodys", b"[2]", 60, None, time.time())
        await store.close()  # the writes sent
        store = RedisStore(redis_url)
        try:
            return [await store.get(key) for key in ("tagged", "nobodys", "legacy")]
        finally:
            await store.close()

    with redis.Redis.from_url(redis_url) as shared:
        shared.set(f"{PREFIX}legacy", b'["gpt-4o-mini", 0, 1, 1, 0, 0]\n{}', ex=60)
    assert asyncio.run(looked_up()) == [b"[1]", b"[2]", None]


def served_to(client: openai.OpenAI, user: str) -> str:
    """What the cache did for ``user``'s request of the global feature."""
    raw = client.chat.completions.with_raw_response.create(
        **BODY, extra_headers={"x-careergate-user": user, "x-careergate-feature": "postings"}
    )
    return str(raw.headers["x-careergate-cache"])


def test_an_answer_that_comes_after_its_users_erasure_is_not_kept_in_redis(
    tmp_path: Path, module_fake: FakeOpenAI
) -> None:
    config = {"cache": {"features": {"postings": {"scope": "global"}}}}
    deployment = {"name": "p", "provider": "openai-compatible", "base_url": module_fake.base_url}
    settings = gateway_settings(tmp_path, [deployment], extra_config=config, redis_url=redis_db())
    module_fake.reset()
    for gateway in start_gateway(settings, module_fake):
        other, own = erased_while_answering(gateway, "Rank my strengths", "postings")
        assert (other, own) == ("miss", "hit")  # u6's from the other user's answer, kept


def test_a_redis_that_stops_answering_costs_one_short_wait_not_one_per_request(
    tmp_path: Path, module_fake: FakeOpenAI
) -> None:
    """Redis accepts and never answers (behind a proxy that forwards nothing): the cache
    waits for it once, briefly, then misses without asking for a while, and every
    request is answered."""
    target = int(redis_db().rsplit(":", 1)[1].split("/")[0])
    with CuttableProxy(target) as proxy:
        redis_url = f"redis://127.0.0.1:{proxy.port}/12"
        module_fake.reset()
        settings = gateway_settings(
            tmp_path,
            [
                {
                    "name": "primary",
                    "provider": "openai-compatible",
                    "base_url": module_fake.base_url,
                }
            ],
            redis_url=redis_url,
            record_process=False,
        )
        for gateway in start_gateway(settings, module_fake):
            client = gateway.client()
            client.chat.completions.create(**BODY)
            proxy.hang()
            started = time.monotonic()
            for n in range(8):
                body = {**BODY, "messages": [{"role": "user", "content": f"Question {n}"}]}
                assert client.chat.completions.create(**body).choices
            assert time.monotonic() - started < 6  # each waiting its own timeout: 8 s or more
            proxy.restore()
