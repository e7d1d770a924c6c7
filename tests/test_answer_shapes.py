"""Answers of every shape the API allows come back restored, and a malformed one as a
clear error: refusals (plain and streamed) with their placeholders put back, a stream
whose last chunk carries an empty delta keeping what was held back, tool calls of the
wrong shape answered with an error event instead of a cut connection, and a JSON
resume of odd types pasted into a prompt read without failing the request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from careergate.pricing.catalogue import PriceCatalogue
from careergate.testing import FakeOpenAI
from careergate.usage.record import TokenUsage
from conftest import RunningGateway, gateway_settings, start_gateway
from loopback import LoopbackServer, Received, Reply

EMAIL = "jane.doe@example.com"


class ScriptedUpstream:
    """An OpenAI-compatible upstream on loopback answering each model call with the next
    scripted answer: a JSON object, or a list of stream events."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any] | list[dict[str, Any]]] = []
        self.bodies: list[dict[str, Any]] = []
        self.loopback = LoopbackServer(self._answer)
        self.base_url = f"{self.loopback.url}/v1"

    def deployment(self) -> dict[str, Any]:
        """A gateway config's deployment "s" of this upstream, for chat and responses."""
        return {
            "name": "s",
            "provider": "openai-compatible",
            "base_url": self.base_url,
            "endpoints": ["chat/completions", "responses"],
        }

    def _answer(self, request: Received) -> Reply:
        if request.method == "GET":  # health probes
            return Reply.of_json({"object": "list", "data": []})
        self.bodies.append(request.json())
        answer = self.answers.pop(0)
        return (
            Reply.of_events([*answer, "[DONE]"])
            if isinstance(answer, list)
            else Reply.of_json(answer)
        )


USAGE = {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}


def completion(message: dict[str, Any], model: str = "gpt-4o-mini") -> dict[str, Any]:
    """A chat completion of one choice, as the upstream answers it."""
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return {"id": "c", "object": "chat.completion", "created": 0, "model": model,
            "choices": [choice], "usage": USAGE}  # fmt: skip


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [choice],
    }


@pytest.fixture(scope="module")
def scripted(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningGateway, ScriptedUpstream]]:
    upstream = ScriptedUpstream()
    deployments = [
        {
            "name": "s",
            "provider": "openai-compatible",
            "base_url": upstream.base_url,
            # A public name served by another model: priced as the model it is sent to.
            "models": {
                "gpt-4o-mini": "gpt-4o-mini",
                "gpt-4o": "gpt-4o-mini",
                "text-embedding-3-small": "text-embedding-3-small",
            },
            "endpoints": ["chat/completions", "responses", "embeddings"],
        }
    ]
    settings = gateway_settings(
        tmp_path_factory.mktemp("shapes"),
        deployments,
        extra_config={"privacy": {"mode": "pseudonymise", "names": False}},
    )
    with FakeOpenAI() as fake:
        for gateway in start_gateway(settings, fake):
            yield gateway, upstream
    upstream.loopback.close()


def ask(gateway: RunningGateway, **options: Any) -> Any:
    messages = [{"role": "user", "content": f"Email {EMAIL} please."}]
    return gateway.client().chat.completions.create(
        model="gpt-4o-mini", messages=messages, **options
    )


def streamed(
    gateway: RunningGateway, upstream: ScriptedUpstream, pieces: list[str], field: str = "content"
) -> str:
    """What the caller reads of a stream of ``pieces`` (of the delta's ``field``) that the
    upstream ends with an empty delta."""
    upstream.answers.append([*(chunk({field: piece}) for piece in pieces), chunk({}, "stop")])
    return "".join(getattr(c.choices[0].delta, field) or "" for c in ask(gateway, stream=True))


def test_a_refusal_gets_its_personal_data_back_plain_and_streamed(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    gateway, upstream = scripted
    message = {"role": "assistant", "content": None, "refusal": "I won't email [EMAIL_1]."}
    upstream.answers.append(completion(message))
    assert ask(gateway).choices[0].message.refusal == f"I won't email {EMAIL}."
    assert streamed(gateway, upstream, ["No: [EMA", "IL_1]."], "refusal") == f"No: {EMAIL}."


def test_a_responses_refusal_gets_its_personal_data_back_in_every_event(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """A streamed refusal of the Responses API: its pieces (a placeholder cut between
    two), the event closing it and the response it ends with all carry the value."""
    gateway, upstream = scripted
    at = {"item_id": "m", "output_index": 0, "content_index": 0}
    refused = "No: [EMAIL_1]."
    item = {"type": "message", "id": "m", "role": "assistant", "status": "completed",
            "content": [{"type": "refusal", "refusal": refused}]}  # fmt: skip
    response = {"id": "r", "object": "response", "model": "gpt-4o-mini", "output": [item],
                "usage": {"input_tokens": 5, "output_tokens": 5, "total_tokens": 10}}  # fmt: skip
    upstream.answers.append(
        [
            {"type": "response.created", "response": {**response, "output": []}},
            {"type": "response.refusal.delta", **at, "delta": "No: [EMA"},
            {"type": "response.refusal.delta", **at, "delta": "IL_1]."},
            {"type": "response.refusal.done", **at, "refusal": refused},
            {"type": "response.completed", "response": response},
        ]
    )
    stream = gateway.client().responses.create(
        model="gpt-4o-mini", input=f"Email {EMAIL} please.", stream=True
    )
    events = list(stream)
    wanted = f"No: {EMAIL}."
    pieces = [e.delta for e in events if e.type == "response.refusal.delta"]
    assert "".join(pieces) == wanted
    assert [e.refusal for e in events if e.type == "response.refusal.done"] == [wanted]
    last = events[-1]
    assert last.type == "response.completed"
    assert last.response.output[0].content[0].refusal == wanted  # type: ignore[union-attr]
    assert "[EMAIL_1]" not in json.dumps([e.model_dump() for e in events])


def test_what_was_held_back_goes_out_with_a_last_chunk_of_empty_delta(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    gateway, upstream = scripted
    text = streamed(gateway, upstream, ["Sent to [EMAIL_1], see note ["])
    assert text == f"Sent to {EMAIL}, see note ["


def test_tool_calls_of_the_wrong_shape_end_a_stream_with_an_error_event(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    gateway, upstream = scripted
    upstream.answers.append([chunk({"content": "Hi"}), chunk({"tool_calls": 5})])
    with pytest.raises(openai.APIError) as failed:
        for _ in ask(gateway, stream=True):
            pass
    assert "malformed tool calls" in str(failed.value)
    message = {"role": "assistant", "content": "[EMAIL_1]", "tool_calls": 5}
    upstream.answers.append(completion(message))
    assert ask(gateway).choices[0].message.content == EMAIL  # not a 500


def test_a_pasted_json_resume_of_odd_types_is_read_without_failing(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    gateway, upstream = scripted
    resume = {"basics": {"name": ["x"], "location": "Paris, France", "profiles": ["gh/jd", 5]}}
    upstream.answers.append(completion({"role": "assistant", "content": "ok"}))
    answer = gateway.client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Improve: {json.dumps(resume)}"}],
    )
    assert answer.choices[0].message.content == "ok"


def test_an_answer_is_priced_at_the_model_it_was_sent_to_not_the_one_it_names(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """The answer's ``model`` is the upstream's word: a dearer model named there is
    recorded as served, and the request is charged what its budget hold was priced at."""
    gateway, upstream = scripted
    upstream.answers.append(
        completion({"role": "assistant", "content": "ok"}, model="gpt-4o-2024-05-13")
    )
    raw = gateway.client().chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
    )
    row = gateway.usage_record(raw.headers["x-request-id"])
    assert row.model_served == "gpt-4o-2024-05-13"
    prices = PriceCatalogue.shipped()
    usage = TokenUsage(prompt_tokens=row.prompt_tokens, completion_tokens=row.completion_tokens)
    assert row.cost_nano_usd == prices.cost_nano("gpt-4o-mini", usage)
    assert row.cost_nano_usd != prices.cost_nano("gpt-4o-2024-05-13", usage)


WRITTEN_BACK = "[email_1], [EMAIL 1], [EMAIL-01], \\[EMAIL\\_1\\], ［EMAIL_1］ and [EMAIL1]"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_placeholder_written_back_in_another_form_is_restored(
    scripted: tuple[RunningGateway, ScriptedUpstream], stream: bool
) -> None:
    """A model may change a placeholder's case, separator, padding or brackets: each form
    still gets the value back, and nothing of the placeholder is left."""
    gateway, upstream = scripted
    if stream:  # in pieces of three, so some split right after an escape's backslash
        pieces = [WRITTEN_BACK[i : i + 3] for i in range(0, len(WRITTEN_BACK), 3)]
        text = streamed(gateway, upstream, pieces)
    else:
        message = {"role": "assistant", "content": WRITTEN_BACK}
        upstream.answers.append(completion(message))
        text = ask(gateway).choices[0].message.content
    assert text == f"{EMAIL}, {EMAIL}, {EMAIL}, {EMAIL}, {EMAIL} and {EMAIL}"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_placeholder_of_a_kind_of_several_words_is_restored_in_any_form(
    scripted: tuple[RunningGateway, ScriptedUpstream], stream: bool
) -> None:
    """``[DATE_OF_BIRTH_1]`` written back with spaces, hyphens or in another case."""
    gateway, upstream = scripted
    written = "[DATE OF BIRTH 1], [Date-of-Birth-1] and [date_of_birth 1]"
    if stream:
        upstream.answers.append([chunk({"content": written[:9]}), chunk({"content": written[9:]})])
        upstream.answers[-1].append(chunk({}, "stop"))
    else:
        upstream.answers.append(completion({"role": "assistant", "content": written}))
    messages = [{"role": "user", "content": "Date of birth: 14/03/1990. Is it on file?"}]
    answer = gateway.client().chat.completions.create(
        model="gpt-4o-mini", messages=messages, stream=stream
    )
    if stream:
        text = "".join(c.choices[0].delta.content or "" for c in answer if c.choices)
    else:
        text = answer.choices[0].message.content
    assert "14/03/1990" not in json.dumps(upstream.bodies[-1])
    assert text == "14/03/1990, 14/03/1990 and 14/03/1990"


def test_a_stream_that_ends_without_a_finish_reason_loses_nothing_held_back(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """An upstream that ends its stream with ``[DONE]`` but no ``finish_reason``: what
    was held back as the possible start of a placeholder still reaches the caller."""
    gateway, upstream = scripted
    usage = {key: value for key, value in chunk({}).items() if key != "choices"}
    usage |= {"choices": [], "usage": USAGE}
    upstream.answers.append([chunk({"content": "Hello [EMAIL_1], see ["}), usage])
    chunks = list(ask(gateway, stream=True, stream_options={"include_usage": True}))
    pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert "".join(pieces) == f"Hello {EMAIL}, see ["
    assert chunks[-1].usage is not None  # the usage chunk stays the last


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_legacy_function_call_is_protected_and_restored(
    scripted: tuple[RunningGateway, ScriptedUpstream], stream: bool
) -> None:
    """The single ``function_call`` of the older API: its arguments in the history are
    pseudonymised, and in the answer restored, plain and streamed."""
    gateway, upstream = scripted
    arguments = '{"to": "[EMAIL_1]"}'
    if stream:
        calls = [{"name": "send", "arguments": arguments[:10]}, {"arguments": arguments[10:]}]
        upstream.answers.append([chunk({"function_call": call}) for call in calls])
        upstream.answers[-1].append(chunk({}, "function_call"))
    else:
        call = {"name": "send", "arguments": arguments}
        upstream.answers.append(completion({"role": "assistant", "function_call": call}))
    sent = {"name": "send", "arguments": json.dumps({"to": EMAIL})}
    messages = [
        {"role": "user", "content": "Mail me."},
        {"role": "assistant", "content": None, "function_call": sent},
        {"role": "function", "name": "send", "content": "sent"},
    ]
    functions = [{"name": "send", "parameters": {"type": "object"}}]
    answer = gateway.client().chat.completions.create(
        model="gpt-4o-mini", messages=messages, functions=functions, stream=stream
    )
    if stream:
        deltas = [c.choices[0].delta for c in answer if c.choices]
        got = "".join(d.function_call.arguments or "" for d in deltas if d.function_call)
    else:
        got = answer.choices[0].message.function_call.arguments
    assert EMAIL not in json.dumps(upstream.bodies[-1])
    assert json.loads(got) == {"to": EMAIL}


def test_a_citations_title_and_an_audio_transcript_get_their_values_back(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    gateway, upstream = scripted
    citation = {"url": "https://x.test/p", "title": "Profile of [EMAIL_1]"}
    citation |= {"start_index": 0, "end_index": 1}
    message = {
        "role": "assistant",
        "content": "See [EMAIL_1].",
        "annotations": [{"type": "url_citation", "url_citation": citation}],
        "audio": {"id": "a", "data": "", "expires_at": 0, "transcript": "Hello [EMAIL_1]"},
    }
    upstream.answers.append(completion(message))
    answer = ask(gateway).choices[0].message
    assert answer.annotations[0].url_citation.title == f"Profile of {EMAIL}"
    assert answer.audio.transcript == f"Hello {EMAIL}"


def test_a_servers_own_parameters_are_protected_like_the_messages(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """A parameter OpenAI's API does not define, which an OpenAI-compatible server reads
    (retrieval ``documents``, a template's variables), is sent, its personal data
    pseudonymised; the answer's placeholders come back."""
    gateway, upstream = scripted
    upstream.answers.append(completion({"role": "assistant", "content": "Wrote to [EMAIL_1]."}))
    documents = [{"title": "CV", "text": f"Jane Doe, {EMAIL}"}]
    answer = gateway.client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Summarise the documents."}],
        extra_body={"documents": documents, "chat_template_kwargs": {"sender": EMAIL}},
    )
    sent = upstream.bodies[-1]
    assert EMAIL not in json.dumps(sent)
    assert sent["documents"][0]["title"] == "CV"
    assert answer.choices[0].message.content == f"Wrote to {EMAIL}."


def test_a_predicted_output_is_protected_like_the_messages(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """A prediction is the text being edited (a resume, a letter)."""
    gateway, upstream = scripted
    upstream.answers.append(completion({"role": "assistant", "content": "[EMAIL_1]"}))
    answer = gateway.client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Tidy my contact line."}],
        prediction={"type": "content", "content": f"Contact: {EMAIL}"},
    )
    assert EMAIL not in json.dumps(upstream.bodies[-1])
    assert answer.choices[0].message.content == EMAIL


def test_descriptions_metadata_stop_sequences_and_the_end_user_are_protected(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """Besides the messages, what the model reads (tools' and the answer format's
    descriptions, stop sequences) and what the upstream keeps (metadata) is
    pseudonymised; the end user's id goes as a stable digest, as OpenAI asks."""
    gateway, upstream = scripted
    upstream.answers.extend(completion({"role": "assistant", "content": "ok"}) for _ in range(2))
    tool = {
        "type": "function",
        "function": {
            "name": "send",
            "description": f"Sends mail from {EMAIL}",
            "parameters": {
                "type": "object",
                "properties": {
                    "to": {"type": "string", "enum": [EMAIL, "team@acme.test"]},
                    # A property may be named like a keyword: it is a name there.
                    "examples": {"type": "string", "description": f"Mail {EMAIL} wrote"},
                },
            },
        },
    }
    client = gateway.client(gateway.create_key(act_for_users=True))
    for _ in range(2):
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Send it."}],
            tools=[tool],  # type: ignore[list-item]
            metadata={"owner": EMAIL},
            stop=[EMAIL],
            user=EMAIL,
        )
    first, second = upstream.bodies[-2:]
    function = first["tools"][0]["function"]
    assert EMAIL not in json.dumps({**first, "tools": None})
    assert EMAIL not in function["description"]
    assert EMAIL not in function["parameters"]["properties"]["examples"]["description"]
    assert function["name"] == "send"
    # An enum holds values an answer must repeat as written: they are not replaced.
    assert function["parameters"]["properties"]["to"]["enum"] == [EMAIL, "team@acme.test"]
    assert first["user"].startswith("cg-")
    assert first["user"] == second["user"]  # stable: the upstream still tells users apart


def test_a_public_name_is_priced_as_the_model_it_is_sent_to(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    gateway, upstream = scripted
    upstream.answers.append(completion({"role": "assistant", "content": "ok"}))
    raw = gateway.client().chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
    )
    assert upstream.bodies[-1]["model"] == "gpt-4o-mini"
    row = gateway.usage_record(raw.headers["x-request-id"])
    usage = TokenUsage(prompt_tokens=row.prompt_tokens, completion_tokens=row.completion_tokens)
    assert row.cost_nano_usd == PriceCatalogue.shipped().cost_nano("gpt-4o-mini", usage)


@pytest.mark.parametrize(
    ("written", "restored"),
    [
        ("C:\\Users\\[EMAIL_1]\\Docs", f"C:\\Users\\{EMAIL}\\Docs"),
        (
            "See [the STAR method][link1] and [Person 1].",
            "See [the STAR method][link1] and [Person 1].",
        ),
    ],
)
def test_text_that_only_looks_like_a_placeholder_is_left_as_written(
    scripted: tuple[RunningGateway, ScriptedUpstream], written: str, restored: str
) -> None:
    """A path's backslash before a placeholder is not an escape; a Markdown label
    (``[link1]``) is none, and a form the caller's own text uses (a template's
    "[Person 1]") keeps its number from every value."""
    gateway, upstream = scripted
    upstream.answers.append(completion({"role": "assistant", "content": written}))
    text = f"Email {EMAIL} and [Person 1]: https://example.org/jane-doe"
    answer = gateway.client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )
    assert answer.choices[0].message.content == restored


def test_a_body_nested_deeper_than_any_request_needs_is_a_clear_400(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    deep: dict[str, Any] = {}
    for _ in range(300):
        deep = {"type": "object", "properties": {"x": deep}}
    client = scripted[0].client()
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Hi"}],
            tools=[{"type": "function", "function": {"name": "f", "parameters": deep}}],
        )
    assert "nested more than" in str(refused.value)


def test_a_placeholder_split_at_any_point_of_a_stream_comes_back_whole(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """Cut in two at every position, escaped for Markdown or after a path's backslash."""
    gateway, upstream = scripted
    for written, restored in (
        ("Hi \\[EMAIL\\_1\\]!", f"Hi {EMAIL}!"),
        ("C:\\[EMAIL_1]\\x", f"C:\\{EMAIL}\\x"),
        ("See [1]. Hi \\[EMAIL\\_1\\]", f"See [1]. Hi {EMAIL}"),
    ):
        for cut in range(1, len(written)):
            pieces = [written[:cut], written[cut:]]
            text = streamed(gateway, upstream, pieces)
            assert text == restored, (written, cut)


@pytest.mark.parametrize(
    ("n", "choices"),
    [(1, []), (2, [0]), (2, [0, 0]), (1, [1])],
    ids=["none", "fewer", "twice-the-same", "out-of-range"],
)
def test_an_answer_without_each_choice_asked_for_is_a_502_and_still_metered(
    scripted: tuple[RunningGateway, ScriptedUpstream], n: int, choices: list[int]
) -> None:
    """An upstream that answers 200 without the choices asked for (none, fewer than
    ``n``, one index twice or out of range) has not answered: the caller gets a clear
    502 instead of a completion the SDK reads as empty, and the tokens the upstream says
    it billed are recorded all the same."""
    gateway, upstream = scripted
    answer = completion({"role": "assistant", "content": "ok"})
    answer["choices"] = [
        {"index": index, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        for index in choices
    ]
    upstream.answers.append(answer)
    with pytest.raises(openai.InternalServerError) as caught:
        gateway.client().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], n=n
        )
    assert caught.value.status_code == 502
    assert caught.value.code == "upstream_invalid_response"
    row = gateway.usage_record(caught.value.response.headers["x-request-id"])
    assert (row.prompt_tokens, row.completion_tokens) == (5, 5)


def test_an_answer_with_fewer_embeddings_than_inputs_is_a_502_and_still_metered(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    gateway, upstream = scripted
    upstream.answers.append(
        {"object": "list", "model": "text-embedding-3-small",
         "data": [{"object": "embedding", "index": 0, "embedding": [0.5, 0.5]}],
         "usage": {"prompt_tokens": 4, "total_tokens": 4}}
    )  # fmt: skip
    with pytest.raises(openai.InternalServerError) as caught:
        gateway.client().embeddings.create(model="text-embedding-3-small", input=["one", "two"])
    assert caught.value.code == "upstream_invalid_response"
    assert "1 embeddings for the 2 asked" in caught.value.message
    row = gateway.usage_record(caught.value.response.headers["x-request-id"])
    assert (row.prompt_tokens, row.completion_tokens) == (4, 0)


def test_an_answer_without_the_choices_asked_for_is_not_sent_again_by_the_sdk(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """The upstream bills what it answered: the 502 tells the SDK (retrying by default)
    not to send it again."""
    gateway, upstream = scripted
    one = completion({"role": "assistant", "content": "ok"})
    upstream.answers.extend([one, one, one])
    sent = len(upstream.bodies)
    with pytest.raises(openai.InternalServerError) as caught:
        gateway.client(max_retries=2).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], n=2
        )
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert len(upstream.bodies) == sent + 1
    upstream.answers.clear()


def test_the_text_received_in_an_answer_without_usage_is_metered(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """One choice of the two asked for, without usage or an output ceiling: what was
    received is counted, not nothing."""
    gateway, upstream = scripted
    answer = completion({"role": "assistant", "content": " ".join(["experienced"] * 300)})
    del answer["usage"]
    upstream.answers.append(answer)
    with pytest.raises(openai.InternalServerError) as caught:
        gateway.client().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], n=2
        )
    row = gateway.usage_record(caught.value.response.headers["x-request-id"])
    assert row.completion_tokens >= 300


def test_a_choice_whose_index_is_null_is_an_answer(
    scripted: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    gateway, upstream = scripted
    answer = completion({"role": "assistant", "content": "ok"})
    answer["choices"][0]["index"] = None
    upstream.answers.append(answer)
    assert ask(gateway).choices[0].message.content == "ok"
