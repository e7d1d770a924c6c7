"""The OpenAI-compatible endpoints, driven by the official SDK (sync and async)."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest

from careergate.tokenizer.encodings import get_encoding
from conftest import RunningGateway

MESSAGES = [{"role": "user", "content": "Summarise my experience as a data engineer"}]


def test_chat_completion_returns_the_upstream_answer_with_its_usage(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()

    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    completion = raw.parse()

    assert completion.choices[0].message.content.endswith(MESSAGES[0]["content"])
    assert completion.usage is not None
    # OpenAI's count: 3 per message, the role and the content, and 3 to prime the reply.
    content_tokens = len(get_encoding("o200k_base").encode(MESSAGES[0]["content"]))
    assert completion.usage.prompt_tokens == 3 + 1 + content_tokens + 3
    assert raw.headers["x-request-id"].startswith("req_")
    assert raw.headers["x-careergate-deployment"] == "primary"
    assert len(gateway.fake.requests) == 1


def test_async_client_gets_the_same_answer(gateway: RunningGateway) -> None:
    key = gateway.create_key()

    async def ask() -> str | None:
        async with gateway.async_client(key) as client:
            completion = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
            return completion.choices[0].message.content

    assert (
        asyncio.run(ask())
        == gateway.client()
        .chat.completions.create(model="gpt-4o", messages=MESSAGES)
        .choices[0]
        .message.content
    )


def test_stream_with_usage_delivers_text_and_the_usage_chunk(gateway: RunningGateway) -> None:
    plain = gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)

    stream = gateway.client().chat.completions.create(
        model="gpt-4o", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens  # type: ignore[union-attr]


def test_stream_without_usage_hides_the_usage_chunk_but_asks_upstream_for_it(
    gateway: RunningGateway,
) -> None:
    chunks = list(
        gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    )

    assert all(c.choices for c in chunks)
    sent = gateway.fake.requests[-1].body
    assert sent["stream_options"] == {"include_usage": True}


def test_async_stream(gateway: RunningGateway) -> None:
    key = gateway.create_key()

    async def collect() -> str:
        async with gateway.async_client(key) as client:
            stream = await client.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert "data engineer" in asyncio.run(collect())


def test_tools_and_json_schema_pass_through_unchanged(gateway: RunningGateway) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "score_match",
                "description": "Score a candidate against a posting.",
                "parameters": {
                    "type": "object",
                    "properties": {"score": {"type": "number"}, "reason": {"type": "string"}},
                    "required": ["score", "reason"],
                    "additionalProperties": False,
                },
                "strict": True,
            },
        }
    ]
    completion = gateway.client().chat.completions.create(
        model="gpt-4o", messages=MESSAGES, tools=tools, tool_choice="required"
    )
    call = completion.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "score_match"
    assert gateway.fake.requests[-1].body["tools"] == tools

    schema = {
        "name": "skills",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"skills": {"type": "array", "items": {"type": "string"}}},
            "required": ["skills"],
            "additionalProperties": False,
        },
    }
    response_format = {"type": "json_schema", "json_schema": schema}
    structured = gateway.client().chat.completions.create(
        model="gpt-4o", messages=MESSAGES, response_format=response_format
    )
    skills = json.loads(structured.choices[0].message.content or "")["skills"]
    assert skills
    assert all(isinstance(skill, str) for skill in skills)
    assert gateway.fake.requests[-1].body["response_format"] == response_format


def test_embeddings_in_base64_and_float(gateway: RunningGateway) -> None:
    client = gateway.client()
    default = client.embeddings.create(model="text-embedding-3-small", input=["python", "sql"])
    floats = client.embeddings.create(
        model="text-embedding-3-small", input=["python", "sql"], encoding_format="float"
    )

    assert len(default.data) == 2
    assert len(default.data[0].embedding) == 1536
    assert default.data[1].embedding == pytest.approx(floats.data[1].embedding, rel=1e-6)
    assert default.usage.prompt_tokens == 2


def test_models_are_listed_and_fetched(gateway: RunningGateway) -> None:
    client = gateway.client()
    ids = {m.id for m in client.models.list()}
    assert {"gpt-4o", "text-embedding-3-small"} <= ids
    assert client.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_a_key_limited_to_some_models_sees_and_uses_only_those(gateway: RunningGateway) -> None:
    client = gateway.client(gateway.create_key(models=["gpt-4o-mini*"]))

    assert {m.id for m in client.models.list()} == {"gpt-4o-mini", "gpt-4o-mini-2024-07-18"}
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with pytest.raises(openai.PermissionDeniedError, match="not allowed to use the model `gpt-4o`"):
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
