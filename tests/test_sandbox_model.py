"""The sandbox behaves like a model where applications depend on it: an agent's loop
ends, JSON mode gives JSON shaped by the schema or the prompt, answers follow the prompt."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import openai
import pytest

from careergate.testing import FakeOpenAI

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}

CANDIDATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 2},
        "seniority": {"type": "string", "enum": ["junior", "mid", "senior"]},
        "years": {"type": "integer", "minimum": 1, "maximum": 40},
        "score": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "remote": {"type": "boolean"},
        "skills": {
            "type": "array",
            "items": {"$ref": "#/$defs/skill"},
            "minItems": 2,
            "maxItems": 4,
        },
        "manager": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/person"}]},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "start": {"type": "string", "format": "date"},
    },
    "required": ["name", "seniority", "years", "score", "remote", "skills", "manager", "tags"],
    "additionalProperties": False,
    "$defs": {
        "skill": {
            "type": "object",
            "properties": {"label": {"type": "string"}, "level": {"type": "integer"}},
            "required": ["label", "level"],
            "additionalProperties": False,
        },
        "person": {
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
}


@pytest.fixture
def client(fake_openai: FakeOpenAI) -> Any:
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="x", max_retries=0) as sdk:
        yield sdk


def test_an_agent_loop_ends_with_a_text_answer_after_the_tool_result(client: Any) -> None:
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Lisbon?"}]
    for _turn in range(5):
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL]
        )
        message = reply.choices[0].message
        if not message.tool_calls:
            break
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            arguments = json.loads(call.function.arguments)
            jsonschema.validate(arguments, WEATHER_TOOL["function"]["parameters"])
            messages.append(
                {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"}
            )
    else:
        pytest.fail("the sandbox kept calling the tool")
    assert reply.choices[0].finish_reason == "stop"
    assert message.content.startswith("Sandbox reply")
    assert "`get_weather` answered: 18 degrees and sunny" in message.content
    assert len(messages) == 3  # one call, one result, then the answer


def test_a_forced_tool_is_called_even_after_a_result(client: Any) -> None:
    messages: list[Any] = [
        {"role": "user", "content": "Weather in Porto?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "rain"},
    ]
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL], tool_choice="required"
    )
    assert reply.choices[0].message.tool_calls[0].function.name == "get_weather"


def test_json_schema_answers_conform_and_use_the_prompts_words(client: Any) -> None:
    response_format: Any = {
        "type": "json_schema",
        "json_schema": {"name": "candidate", "strict": True, "schema": CANDIDATE_SCHEMA},
    }
    prompts = [
        "Assess Priya, a Kubernetes and Terraform engineer from Leeds.",
        "Assess Tomasz, a pastry chef who bakes sourdough and croissants.",
    ]
    answers = []
    for prompt in prompts:
        reply = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": prompt}],
            response_format=response_format,
        )
        parsed = json.loads(reply.choices[0].message.content)
        jsonschema.validate(parsed, CANDIDATE_SCHEMA)
        words = {w.strip(".,") for w in prompt.split()}
        assert set(parsed["name"].split()) <= words
        answers.append(parsed)
    assert answers[0] != answers[1]


def test_json_object_mode_follows_what_the_prompt_holds_or_asks(client: Any) -> None:
    document = {"basics": {"label": "Data engineer"}, "skills": [{"name": "Python"}]}
    rewritten = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Rewrite this resume: {json.dumps(document)}"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(rewritten.choices[0].message.content) == document

    asked = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": 'Reply with "title" and "company" for the job.'}],
        response_format={"type": "json_object"},
    )
    assert set(json.loads(asked.choices[0].message.content)) == {"title", "company"}

    free = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Summarise the market for welders"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(free.choices[0].message.content)["reply"].startswith("Sandbox reply")


def test_different_prompts_get_different_labelled_answers_and_the_same_prompt_the_same(
    client: Any,
) -> None:
    def ask(text: str) -> str:
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
        )
        return str(reply.choices[0].message.content)

    first = ask("How do I become a data engineer with Python and Airflow?")
    second = ask("Which certificates does a crane operator need in Ontario?")
    assert first != second
    assert first == ask("How do I become a data engineer with Python and Airflow?")
    assert first.startswith("Sandbox reply")
    assert second.startswith("Sandbox reply")
    assert "Ontario" in second or "crane" in second
