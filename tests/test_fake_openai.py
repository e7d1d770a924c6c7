"""careergate.testing's fake OpenAI: answers, usage, faults and its control API."""

from __future__ import annotations

import json
import urllib.request

import openai
import pytest

from careergate.testing import FakeOpenAI, Fault, FaultPlan


def test_the_fixture_serves_the_official_sdk(fake_openai: FakeOpenAI) -> None:
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="x", max_retries=0) as client:
        first = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hello"}]
        )
        again = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hello"}]
        )
    assert first.choices[0].message.content == again.choices[0].message.content
    assert first.usage is not None
    assert first.usage.prompt_tokens == 8
    assert fake_openai.requests[0].completed


def test_max_tokens_cuts_the_reply_as_the_api_does(fake_openai: FakeOpenAI) -> None:
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="x", max_retries=0) as client:
        reply = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hello"}], max_tokens=3
        )
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage is not None
    assert reply.usage.completion_tokens == 3


def test_scripted_answers_and_reported_cached_tokens(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("skills", '{"skills": ["python"]}')
    fake_openai.faults.enqueue(Fault(cached_tokens=4, reasoning_tokens=10))
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="x", max_retries=0) as client:
        reply = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "list my skills"}]
        )
    assert reply.choices[0].message.content == '{"skills": ["python"]}'
    assert reply.usage is not None
    assert reply.usage.prompt_tokens_details.cached_tokens == 4  # type: ignore[union-attr]
    assert reply.usage.completion_tokens_details.reasoning_tokens == 10  # type: ignore[union-attr]


def test_an_api_key_can_be_required() -> None:
    with (
        FakeOpenAI(api_key="right") as fake,
        openai.OpenAI(base_url=fake.base_url, api_key="wrong", max_retries=0) as client,
        pytest.raises(openai.AuthenticationError),
    ):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


def test_rate_faults_are_repeatable() -> None:
    def draws(seed: int) -> list[bool]:
        plan = FaultPlan(seed)
        plan.add_rate(Fault(status=503), 0.3)
        return [plan.next() is not None for _ in range(200)]

    assert draws(1) == draws(1)
    assert 40 <= sum(draws(1)) <= 80


def test_faults_can_be_programmed_over_http(fake_openai: FakeOpenAI) -> None:
    spec = {"enqueue": [{"status": 429, "retry_after": 2}], "rates": []}
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{fake_openai.root_url}/_fake/faults",
        data=json.dumps(spec).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
        assert json.load(response) == {"ok": True}
    with (
        openai.OpenAI(base_url=fake_openai.base_url, api_key="x", max_retries=0) as client,
        pytest.raises(openai.RateLimitError) as caught,
    ):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert caught.value.response.headers["retry-after"] == "2"
    with urllib.request.urlopen(f"{fake_openai.root_url}/_fake/requests") as response:  # noqa: S310
        assert json.load(response)["data"][0]["completed"] is False


def test_an_unknown_fault_field_is_refused() -> None:
    with pytest.raises(ValueError, match="colour"):
        Fault.from_json({"colour": "red"})
