"""The Responses API through the gateway against llmock, an independent OpenAI mock:
plain, streamed and continued answers are relayed, metered and recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from llmock.testing import LLMockServer

from conftest import RunningGateway, gateway_settings, start_gateway


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with LLMockServer() as mock:
        deployment = {
            "name": "llmock",
            "provider": "openai-compatible",
            "base_url": mock.base_url(),
            "endpoints": ["chat/completions", "responses"],
        }
        settings = gateway_settings(Path(tmp_path_factory.mktemp("llmock")), [deployment])
        # Only the sandbox's fixtures read ``.fake``; against llmock it is not there.
        yield from start_gateway(settings, None)  # type: ignore[arg-type]


def test_plain_streamed_and_continued_responses_are_relayed_and_metered(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()
    raw = client.responses.with_raw_response.create(model="gpt-4o-mini", input="hello there")
    plain = raw.parse()
    assert "hello there" in plain.output_text
    row = gateway.usage_record(raw.headers["x-request-id"])
    assert plain.usage is not None
    assert (row.endpoint, row.prompt_tokens, row.completion_tokens) == (
        "responses",
        plain.usage.input_tokens,
        plain.usage.output_tokens,
    )

    with client.responses.stream(model="gpt-4o-mini", input="hello stream") as stream:
        deltas = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert deltas == final.output_text
    assert final.usage is not None

    continued = client.responses.create(
        model="gpt-4o-mini", previous_response_id=plain.id, input="more"
    )
    assert continued.output_text
    streamed = [r for r in gateway.usage_rows(expected=3) if r.stream]
    assert streamed[-1].completion_tokens == final.usage.output_tokens
