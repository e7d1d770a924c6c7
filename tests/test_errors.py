"""Every failure is an OpenAI-format error that the SDK maps to the right exception."""

from __future__ import annotations

import asyncio

import aiohttp
import openai
import pytest

from careergate.testing import Fault
from conftest import RunningGateway

MESSAGES = [{"role": "user", "content": "Hello"}]


def post_raw(
    gateway: RunningGateway, body: bytes, key: str, path: str = "/chat/completions"
) -> tuple[int, dict, dict]:
    async def send() -> tuple[int, dict, dict]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                gateway.base_url + path,
                data=body,
                headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
            ) as resp,
        ):
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, await resp.json()

    return asyncio.run(send())


def test_a_wrong_key_gets_401(gateway: RunningGateway) -> None:
    client = gateway.client("sk-cg-thisisnotarealkeyatall00000000000")
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert caught.value.code == "invalid_api_key"
    assert caught.value.response.headers["x-request-id"].startswith("req_")
    assert gateway.fake.requests == []


def test_a_missing_key_gets_401(gateway: RunningGateway) -> None:
    status, _headers, body = post_raw(gateway, b"{}", "")
    assert status == 401
    assert body["error"]["type"] == "invalid_request_error"
    assert set(body["error"]) >= {"message", "type", "param", "code"}


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        (b"{not json", "invalid_json", "not valid JSON"),
        (b"[1, 2]", "invalid_json", "must be a JSON object"),
        (b'{"messages": []}', "missing_required_parameter", "'model'"),
        (b'{"model": "gpt-4o"}', "missing_required_parameter", "'messages'"),
        (b'{"model": "gpt-4o", "messages": []}', "invalid_type", "non-empty array"),
        (b'{"model": "gpt-4o", "messages": [{"content": "x"}]}', "invalid_type", "messages[0]"),
        (
            b'{"model": "gpt-4o", "messages": [{"role": "user"}], "stream": "yes"}',
            "invalid_type",
            "'stream'",
        ),
    ],
)
def test_malformed_requests_get_400_saying_what_is_wrong(
    gateway: RunningGateway, body: bytes, code: str, fragment: str
) -> None:
    status, headers, answer = post_raw(gateway, body, gateway.create_key())
    assert status == 400
    assert answer["error"]["code"] == code
    assert fragment in answer["error"]["message"]
    assert headers["x-should-retry"] == "false"
    assert gateway.fake.requests == []


def test_an_oversized_request_gets_400(gateway: RunningGateway) -> None:
    big = "x" * (gateway.settings.max_body_bytes + 1)
    with pytest.raises(openai.BadRequestError) as caught:
        gateway.client().chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": big}]
        )
    assert caught.value.code == "request_too_large"


def test_an_unknown_path_gets_404_in_openai_format(gateway: RunningGateway) -> None:
    status, headers, body = post_raw(gateway, b"{}", gateway.create_key(), "/no/such/thing")
    assert status == 404
    assert body["error"]["code"] == "unknown_url"
    assert "x-request-id" in headers


def test_an_unknown_model_gets_404_from_the_upstream(gateway: RunningGateway) -> None:
    with pytest.raises(openai.NotFoundError):
        gateway.client().chat.completions.create(model="gpt-17", messages=MESSAGES)


def test_an_upstream_400_is_passed_on_without_retry(gateway: RunningGateway) -> None:
    gateway.fake.faults.enqueue(Fault(status=400))
    with pytest.raises(openai.BadRequestError, match="Injected fault"):
        gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert len(gateway.fake.requests) == 1


def test_upstream_rate_limit_after_every_retry_is_a_429_with_its_retry_after(
    gateway: RunningGateway,
) -> None:
    gateway.fake.faults.enqueue(*[Fault(status=429, retry_after=0.01)] * 4)
    with pytest.raises(openai.RateLimitError) as caught:
        gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert caught.value.response.headers["retry-after"] == "0.01"
    assert len(gateway.fake.requests) == 4


def test_upstream_server_errors_after_every_retry_are_a_502_naming_the_upstream(
    gateway: RunningGateway,
) -> None:
    """An upstream's 500 is its failure, not careergate's: a 502 that says so, never
    careergate's own ``internal_error``."""
    gateway.fake.faults.enqueue(*[Fault(status=500)] * 4)
    with pytest.raises(openai.InternalServerError) as caught:
        gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert caught.value.status_code == 502
    assert caught.value.code == "upstream_server_error"
    assert len(gateway.fake.requests) == 4  # every retry was made
    record = gateway.usage_record(caught.value.response.headers["x-request-id"])
    assert (record.status_code, record.error_code) == (502, "upstream_server_error")


def test_an_upstream_that_refuses_our_credentials_is_a_502_not_a_401(
    gateway: RunningGateway,
) -> None:
    gateway.fake.faults.enqueue(Fault(status=401))
    with pytest.raises(openai.InternalServerError) as caught:
        gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert caught.value.status_code == 502
    assert caught.value.code == "upstream_auth_failed"


@pytest.mark.parametrize("path", ["/chat/completions", "/embeddings"])
def test_a_malformed_upstream_body_is_a_502(gateway: RunningGateway, path: str) -> None:
    gateway.fake.faults.enqueue(Fault(malformed=True))
    body = (
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}'
        if path == "/chat/completions"
        else b'{"model": "text-embedding-3-small", "input": "hi"}'
    )
    status, headers, answer = post_raw(gateway, body, gateway.create_key(), path)
    assert status == 502
    assert answer["error"]["code"] == "upstream_invalid_response"
    # Billed all the same: its prompt is counted, though the answer could not be read.
    record = gateway.usage_record(headers["x-request-id"])
    assert record.status_code == 502
    assert record.prompt_tokens > 0


def test_a_malformed_chunk_ends_the_stream_with_an_error_the_sdk_raises(
    gateway: RunningGateway,
) -> None:
    gateway.fake.faults.enqueue(Fault(malformed=True))
    stream = gateway.client().chat.completions.create(
        model="gpt-4o", messages=MESSAGES, stream=True
    )
    with pytest.raises(openai.APIError, match="invalid response"):
        list(stream)


def test_names_no_database_could_keep_are_a_400_and_still_recorded(gateway: RunningGateway) -> None:
    client = gateway.client()
    for options in (
        {"model": "gpt-4o-mini\x00"},
        {"model": "gpt-4o-mini", "user": "u" * 201},
        {"model": "gpt-4o-mini", "extra_headers": {"x-careergate-feature": "f" * 300}},
    ):
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(
                messages=[{"role": "user", "content": "hi"}],
                **options,  # type: ignore[arg-type]
            )
        record = gateway.usage_record(caught.value.response.headers["x-request-id"])
        assert record.status_code == 400
