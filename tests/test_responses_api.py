"""The Responses API through the gateway, driven by the official SDK and by
``openai-agents`` with its defaults: plain and streamed, tools, structured output,
continuation, retrieve, delete and the input items of a kept response; metered,
budgeted and privacy-protected like chat."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from typing import Any

import jsonschema
import openai
import pytest
from pydantic import BaseModel

from careergate.budgets.ledger import Period, Scope
from careergate.testing import FakeOpenAI, Fault
from conftest import RunningGateway, gateway_settings, start_gateway, wait_for
from test_budgets import ledger_call

ALL_ENDPOINTS = ["chat/completions", "embeddings", "responses"]
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with FakeOpenAI() as fake:
        deployments = [
            {
                "name": "primary",
                "provider": "openai-compatible",
                "base_url": fake.base_url,
                "endpoints": ALL_ENDPOINTS,
            },
            {
                "name": "azure-eu",
                "provider": "azure",
                "base_url": fake.root_url,
                "api_key": "azure-key",
                "models": {"gpt-azure": "gpt-4o-mini"},
            },
        ]
        settings = gateway_settings(
            tmp_path_factory.mktemp("responses"),
            deployments,
            extra_config={"privacy": {"mode": "pseudonymise", "names": False}},
        )
        yield from start_gateway(settings, fake)


def test_a_plain_response_is_answered_metered_and_audited_like_chat(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()
    raw = client.responses.with_raw_response.create(
        model="gpt-4o-mini", instructions="Answer briefly.", input="What does a data engineer do?"
    )
    response = raw.parse()
    assert response.output_text.startswith("Sandbox reply")
    assert response.usage is not None
    row = gateway.usage_record(raw.headers["x-request-id"])
    assert row.endpoint == "responses"
    assert (row.prompt_tokens, row.completion_tokens) == (
        response.usage.input_tokens,
        response.usage.output_tokens,
    )
    assert row.cost_nano_usd > 0


def test_a_streamed_response_gives_every_event_and_usage_at_the_end(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()
    with client.responses.stream(model="gpt-4o-mini", input="Tips for a Rust interview") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert {"response.output_text.delta", "response.output_text.done"} <= set(kinds)
    assert kinds[-1] == "response.completed"
    assert final.usage is not None
    assert final.usage.output_tokens > 0
    # The stream's record is written after its last event has reached the client.
    wait_for(lambda: any(r.endpoint == "responses" and r.stream for r in gateway.usage_rows()))
    rows = [r for r in gateway.usage_rows() if r.endpoint == "responses" and r.stream]
    assert rows[-1].completion_tokens == final.usage.output_tokens


def test_a_failed_stream_is_metered_for_the_usage_its_last_event_tells(
    gateway: RunningGateway,
) -> None:
    """A reasoning model may spend thousands of tokens before its response fails: the
    upstream bills them, and so does the record (not the few words relayed)."""
    gateway.fake.faults.enqueue(Fault(fail=True, reasoning_tokens=4000))
    with gateway.client().responses.with_streaming_response.create(
        model="gpt-4o-mini", input="Plan my career change", stream=True
    ) as response:
        request_id = response.headers["x-request-id"]
        lines = list(response.iter_lines())
    assert any("failed to finish" in line for line in lines)  # relayed as an error
    row = gateway.usage_record(request_id)
    assert row.reasoning_tokens == 4000
    assert row.completion_tokens > 4000
    assert not row.usage_estimated


def test_a_background_response_is_refused_not_left_unmetered(gateway: RunningGateway) -> None:
    """Its output would be generated after the request ends, where no record follows."""
    before = len(gateway.fake.requests)
    with pytest.raises(openai.BadRequestError) as refused:
        gateway.client().responses.create(
            model="gpt-4o-mini", input="Draft a cover letter", background=True
        )
    assert refused.value.param == "background"
    assert refused.value.code == "unsupported_parameter"
    assert len(gateway.fake.requests) == before  # never sent


def test_a_hosted_tool_under_a_hard_budget_is_refused_as_unbounded(
    gateway: RunningGateway,
) -> None:
    """What a web search finds is read as more input, and each search has a fee: no
    worst case holds it. A tool the caller runs is held as its definition."""
    client = gateway.client(gateway.create_key(budget_usd="5"))
    before = len(gateway.fake.requests)
    for tools in ([{"type": "web_search"}], [WEATHER, {"type": "file_search"}]):
        with pytest.raises(openai.BadRequestError) as refused:
            client.responses.create(model="gpt-4o-mini", input="Jobs in Leeds?", tools=tools)  # type: ignore[arg-type]
        assert refused.value.code == "cost_not_bounded"
        assert refused.value.param == f"tools[{len(tools) - 1}]"
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Jobs in Leeds?"}],
            web_search_options={},
        )
    assert refused.value.code == "cost_not_bounded"
    assert len(gateway.fake.requests) == before  # none sent
    client.responses.create(model="gpt-4o-mini", input="Jobs in Leeds?", tools=[WEATHER])  # type: ignore[list-item]
    unbudgeted = gateway.client()
    unbudgeted.responses.create(model="gpt-4o-mini", input="Jobs?", tools=[{"type": "web_search"}])  # type: ignore[list-item]


def test_function_tools_and_structured_output(gateway: RunningGateway) -> None:
    client = gateway.client()
    first = client.responses.create(model="gpt-4o-mini", input="Weather in Lyon?", tools=[WEATHER])
    call = first.output[0]
    assert call.type == "function_call"
    jsonschema.validate(json.loads(call.arguments), WEATHER["parameters"])
    second = client.responses.create(
        model="gpt-4o-mini",
        previous_response_id=first.id,
        tools=[WEATHER],
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "9 °C"}],
    )
    assert "`get_weather` answered: 9 °C" in second.output_text

    class Candidate(BaseModel):
        name: str
        years: int
        skills: list[str]

    parsed = client.responses.parse(
        model="gpt-4o-mini", input="Rate Amara, a welder with TIG skills", text_format=Candidate
    )
    assert parsed.output_parsed is not None
    assert parsed.output_parsed.skills


def test_a_continuation_restores_the_earlier_turns_personal_data(
    gateway: RunningGateway,
) -> None:
    client = gateway.client(gateway.create_key(user="dana"))
    first = client.responses.create(
        model="gpt-4o-mini", input="Write to me at dana.k@example.com about the job."
    )
    sent = gateway.fake.requests[-1].body
    assert "dana.k@example.com" not in json.dumps(sent)
    assert "dana.k@example.com" in first.output_text  # restored in the answer

    follow = client.responses.create(
        model="gpt-4o-mini", previous_response_id=first.id, input="Repeat my address."
    )
    # The upstream's stored turn holds the placeholder; the caller sees the address.
    assert "[EMAIL_1]" not in follow.output_text
    fetched = client.responses.retrieve(first.id)
    assert "dana.k@example.com" in fetched.output_text
    assert "[EMAIL_1]" in json.dumps(gateway.fake.state.responses.get(first.id).response)

    stranger = gateway.client(gateway.create_key(user="eve"))
    with pytest.raises(openai.NotFoundError):
        stranger.responses.retrieve(first.id)
    with pytest.raises(openai.NotFoundError):
        stranger.responses.create(model="gpt-4o-mini", previous_response_id=first.id, input="hi")
    client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(first.id)


def test_a_responses_input_items_are_listed_page_by_page_and_restored(
    gateway: RunningGateway,
) -> None:
    client = gateway.client(gateway.create_key(user="lena"))
    first = client.responses.create(
        model="gpt-4o-mini", input="Write to lena.m@example.com about the offer."
    )
    follow = client.responses.create(
        model="gpt-4o-mini",
        previous_response_id=first.id,
        input=[{"role": "user", "content": "Sign it for lena.m@example.com too."}],
    )
    # Every page, oldest first: the conversation the second response was made from.
    items = list(client.responses.input_items.list(follow.id, limit=2, order="asc"))
    assert [(item.type, getattr(item, "role", None)) for item in items] == [
        ("message", "user"),
        ("message", "assistant"),
        ("message", "user"),
    ]
    texts = [part.text for item in items for part in getattr(item, "content", [])]
    assert all("lena.m@example.com" in text for text in texts)
    kept = json.dumps(gateway.fake.state.responses.get(follow.id).items)
    assert "lena.m@example.com" not in kept  # the upstream only ever had placeholders

    newest = client.responses.input_items.list(follow.id, limit=2)  # newest first
    assert [item.id for item in newest.data] == [items[2].id, items[1].id]
    assert newest.has_more
    after = client.responses.input_items.list(follow.id, after=items[1].id, order="asc")
    assert [item.id for item in after.data] == [items[2].id]
    assert not after.has_more

    with pytest.raises(openai.BadRequestError) as wrong:
        client.responses.input_items.list(follow.id, limit=500)
    assert wrong.value.param == "limit"
    stranger = gateway.client(gateway.create_key(user="mia"))
    with pytest.raises(openai.NotFoundError):
        stranger.responses.input_items.list(follow.id)


def test_a_streamed_answer_has_its_personal_data_restored(gateway: RunningGateway) -> None:
    gateway.fake.stream_in_pieces(3)  # placeholders split across events
    try:
        client = gateway.client()
        with client.responses.stream(
            model="gpt-4o-mini", input="Mail ana.r@example.org the offer"
        ) as stream:
            deltas = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
            final = stream.get_final_response()
    finally:
        gateway.fake.stream_in_pieces(None)
    assert "ana.r@example.org" in deltas
    assert deltas == final.output_text


def test_a_continuation_reserves_for_the_recorded_context_or_the_whole_window(
    gateway: RunningGateway,
) -> None:
    client = gateway.client(gateway.create_key(budget_usd="0.05"))
    first = client.responses.create(model="gpt-4o", input="Hello", max_output_tokens=40)
    client.responses.create(
        model="gpt-4o", previous_response_id=first.id, input="More", max_output_tokens=40
    )
    sent = len(gateway.fake.requests)
    with pytest.raises(openai.RateLimitError) as refused:
        # Unknown to the gateway: 128,000 tokens of context at $2.50/M is over $0.05.
        client.responses.create(
            model="gpt-4o", previous_response_id="resp_elsewhere", input="x", max_output_tokens=40
        )
    assert refused.value.code == "budget_exceeded"
    assert len(gateway.fake.requests) == sent  # refused before the upstream


def test_an_upstream_without_the_api_gets_a_clear_400(gateway: RunningGateway) -> None:
    client = gateway.client()
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="gpt-azure", input="hi")
    assert refused.value.code == "unsupported_endpoint"
    assert "azure-eu" in str(refused.value.message)
    chat = client.chat.completions.create(
        model="gpt-azure", messages=[{"role": "user", "content": "hi"}]
    )
    assert chat.choices[0].message.content


def test_an_agent_runs_a_tool_to_completion_with_the_agents_sdk_defaults(
    gateway: RunningGateway,
) -> None:
    os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")  # no tracing export offline
    import agents

    agents.set_tracing_disabled(True)
    called: list[str] = []

    @agents.function_tool
    def find_jobs(city: str) -> str:
        """Open jobs in a city."""
        called.append(city)
        return "3 data engineering roles"

    client = gateway.async_client()
    agents.set_default_openai_client(client, use_for_tracing=False)
    # Its defaults but the model: the Responses API, its own tool loop and settings.
    agent = agents.Agent(
        name="Scout", instructions="Find jobs.", tools=[find_jobs], model="gpt-4o-mini"
    )

    async def run() -> Any:
        try:
            return await agents.Runner.run(agent, "Any jobs in Leeds?", max_turns=4)
        finally:
            await client.close()

    result = asyncio.run(run())
    assert called
    assert "`find_jobs` answered: 3 data engineering roles" in result.final_output
    assert {r.endpoint for r in gateway.usage_rows()} >= {"responses"}


def test_context_a_response_pulls_from_the_upstream_is_held_at_the_context_window(
    gateway: RunningGateway,
) -> None:
    """A conversation, a stored prompt or items referred to by id add input careergate
    never saw: under a hard budget the request holds the model's whole context window."""
    ledger_call(
        gateway.settings,
        "create",
        name="responses",
        scope=Scope.USER,
        subject="conversing",
        period=Period.DAILY,
        limit_nano_usd=10_000_000,  # $0.01, below a 128,000-token prompt of gpt-4o-mini
    )
    client = gateway.client(gateway.create_key(user="conversing"))
    assert client.responses.create(model="gpt-4o-mini", input="Hi", max_output_tokens=20).output
    for stored in ({"conversation": "conv_1"}, {"prompt": {"id": "pmpt_1"}}):
        with pytest.raises(openai.RateLimitError) as refused:
            client.responses.create(model="gpt-4o-mini", input="Hi", max_output_tokens=20, **stored)
        assert refused.value.code == "budget_exceeded"
    reference = [{"type": "item_reference", "id": "msg_1"}]
    with pytest.raises(openai.RateLimitError):
        client.responses.create(model="gpt-4o-mini", input=reference, max_output_tokens=20)  # type: ignore[arg-type]


def test_a_stored_prompts_variables_are_protected_like_the_input(
    gateway: RunningGateway,
) -> None:
    """The variables of a stored prompt are put into its input upstream."""
    gateway.fake.reset()
    client = gateway.client()
    client.responses.create(
        model="gpt-4o-mini",
        input="Write the letter.",
        prompt={"id": "pmpt_1", "variables": {"email": "jane.doe@example.com"}},
    )
    sent = [r.body for r in gateway.fake.requests if r.path.endswith("/responses")]
    assert sent
    assert "jane.doe@example.com" not in json.dumps(sent[-1])
    assert sent[-1]["prompt"]["variables"]["email"].startswith("[EMAIL_")
