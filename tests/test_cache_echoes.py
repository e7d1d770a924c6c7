"""An answer kept in a shared scope (team, global) and served to another caller repeats
that caller's own request fields, never those of the caller it was first made for: the
Responses API's ``metadata``, ``user``, ``safety_identifier`` and ``prompt_cache_key``
(whole, and in the responses its stream's events carry), a chat completion's
``metadata``. Through a running gateway with the official SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, start_gateway
from test_answer_shapes import ScriptedUpstream, completion

CACHE = "x-careergate-cache"
CONFIG = {
    "cache": {
        "features": {"shared": {"scope": "global"}, "team-notes": {"scope": "team"}},
    }
}
ECHOED = ("metadata", "user", "safety_identifier", "prompt_cache_key")
"""The Responses API's fields that repeat who asked and the labels they gave."""

ALICE = {
    "metadata": {"ticket": "A-1"},
    "user": "alice",
    "safety_identifier": "sid-alice",
    "prompt_cache_key": "postings",
}
BOB = {
    "metadata": {"ticket": "B-2"},
    "user": "bob",
    "safety_identifier": "sid-bob",
    "prompt_cache_key": "postings",
}
ALICES_OWN = ("A-1", "alice")
"""What only Alice's request said: no other caller's answer may say it."""
NOBODY = {"prompt_cache_key": "postings"}
"""A caller who names no one and gives no labels (the key term is part of the key)."""
AS_THE_API_DEFAULTS = {"metadata": {}, "user": None, "safety_identifier": None}


@pytest.fixture(scope="module")
def shared_cache(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningGateway, ScriptedUpstream]]:
    """A gateway sharing a feature's answers globally and another's per team, in front of
    an upstream that answers as each test scripts it."""
    upstream = ScriptedUpstream()
    settings = gateway_settings(
        tmp_path_factory.mktemp("shared-cache"), [upstream.deployment()], extra_config=CONFIG
    )
    for gateway in start_gateway(settings, module_fake):
        yield gateway, upstream
    upstream.loopback.close()


def echoing_response(text: str, request: dict[str, Any]) -> dict[str, Any]:
    """A completed response of one message, repeating ``request``'s fields as the API
    does (its defaults for those not sent)."""
    part = {"type": "output_text", "text": text, "annotations": []}
    item = {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
            "content": [part]}  # fmt: skip
    usage = {"input_tokens": 5, "output_tokens": 5, "total_tokens": 10}
    return {"id": "resp_1", "object": "response", "created_at": 0, "status": "completed",
            "model": "gpt-4o-mini", "output": [item], "usage": usage, "store": False,
            **AS_THE_API_DEFAULTS, "prompt_cache_key": None, **request}  # fmt: skip


def create_response(
    client: openai.OpenAI, question: str, fields: dict[str, Any], stream: bool
) -> tuple[Any, list[Any], str]:
    """The answer's headers, the response objects the answer carries (the whole one, or each
    that a stream event carries) and all it said, as JSON, of a ``store: false``
    temperature-0 request of the shared feature sending ``fields``."""
    options: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "input": question,
        "temperature": 0,
        "store": False,
        "extra_headers": {"x-careergate-feature": "shared"},
        **fields,
    }
    create = client.responses
    if not stream:
        raw = create.with_raw_response.create(**options)
        whole = raw.parse()
        return raw.headers, [whole], whole.model_dump_json()
    with create.with_streaming_response.create(stream=True, **options) as streamed:
        events = list(streamed.parse())
        said = "".join(event.model_dump_json() for event in events)
        carried = [e.response for e in events if getattr(e, "response", None) is not None]
        return streamed.headers, carried, said


@pytest.mark.parametrize("stream", [False, True])
def test_a_response_served_to_another_caller_repeats_their_own_fields(
    shared_cache: tuple[RunningGateway, ScriptedUpstream], stream: bool
) -> None:
    """Alice's answer, kept for everyone, is served to Bob (another user of the same
    key) and to a caller of another key who names no one: each gets their own
    ``metadata``, ``user`` and ``safety_identifier``, or the API's defaults, in the
    whole response or in each of the stream's (created, in progress, completed); none
    gets Alice's. The hit is recorded as Bob's."""
    gateway, upstream = shared_cache
    service = gateway.client(gateway.create_key(act_for_users=True))
    question = f"Summarise the posting for a rigger ({stream})"
    upstream.answers.append(echoing_response("Rig, lift, inspect.", ALICE))
    headers, (first,), _ = create_response(service, question, ALICE, stream=False)
    assert (headers[CACHE], first.metadata, first.user) == ("miss", {"ticket": "A-1"}, "alice")
    asked = len(upstream.bodies)

    headers, carried, said = create_response(service, question, BOB, stream)
    assert headers[CACHE] == "hit"
    bobs = gateway.usage_record(headers["x-request-id"])
    assert (bobs.user_id, bobs.cache, bobs.prompt_tokens) == ("bob", "hit", 0)
    assert len(carried) == (3 if stream else 1)
    for response in carried:
        assert {field: getattr(response, field) for field in ECHOED} == BOB
    assert [mark for mark in ALICES_OWN if mark in said] == []
    assert carried[-1].output_text == "Rig, lift, inspect."

    other = gateway.client(gateway.create_key())
    headers, carried, said = create_response(other, question, NOBODY, stream)
    assert headers[CACHE] == "hit"
    for response in carried:
        assert {f: getattr(response, f) for f in ECHOED} == {**AS_THE_API_DEFAULTS, **NOBODY}
    assert [mark for mark in ALICES_OWN if mark in said] == []
    assert len(upstream.bodies) == asked  # both answered from the cache


def test_a_chat_completion_served_to_another_team_member_repeats_their_own_metadata(
    shared_cache: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """A chat completion repeats the ``metadata`` of a request that ``store``s it: kept
    for the team, it is served to another key of the team with that key's metadata, or
    none when it sent none; a stream of it carries no metadata at all."""
    gateway, upstream = shared_cache
    alice, bob = (gateway.client(gateway.create_key(team="careers")) for _ in range(2))

    request: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Three questions for a rigger"}],
        "temperature": 0,
        "store": True,
        "extra_headers": {"x-careergate-feature": "team-notes"},
    }

    def ask(client: openai.OpenAI, **options: Any) -> Any:
        return client.chat.completions.with_raw_response.create(**request, **options)

    answer = completion({"role": "assistant", "content": "Loads? Slings? Signals?"})
    upstream.answers.append({**answer, "metadata": {"ticket": "A-1"}})
    first = ask(alice, metadata={"ticket": "A-1"})
    assert (first.headers[CACHE], first.parse().metadata) == ("miss", {"ticket": "A-1"})

    for metadata in ({"ticket": "B-2"}, None):
        again = ask(bob, **({"metadata": metadata} if metadata else {}))
        assert (again.headers[CACHE], again.parse().metadata) == ("hit", metadata)
        assert "A-1" not in again.text
        assert again.parse().choices[0].message.content == "Loads? Slings? Signals?"

    with bob.chat.completions.with_streaming_response.create(
        **request, metadata={"ticket": "B-2"}, stream=True
    ) as streamed:
        assert streamed.headers[CACHE] == "hit"
        assert "A-1" not in streamed.read().decode()
