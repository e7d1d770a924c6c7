"""The response cache, through a running gateway with the official SDK: what is a hit,
for whom, for how long, how it is metered, and what erasing a user leaves."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import openai
import pytest

from careergate.auth.principal import Role
from careergate.testing import FakeOpenAI, Fault
from conftest import RunningGateway, cli_env, gateway_settings, run_cli, start_gateway
from test_answer_shapes import ScriptedUpstream, chunk, completion
from test_failover import chain_settings
from test_keys_access import admin_call
from test_metrics import scrape, value

CONFIG = {
    "privacy": {"mode": "pseudonymise", "names": False},
    "cache": {
        "features": {
            "public-postings": {"scope": "global"},
            "drafts": {"temperature": True, "ttl_seconds": 0.3},
        },
        "models": {"gpt-4o": {"ttl_seconds": 0.3}},
    },
}
CACHE = "x-careergate-cache"


@pytest.fixture(scope="module")
def cached(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        tmp_path_factory.mktemp("cache"),
        [
            {
                "name": "primary",
                "provider": "openai-compatible",
                "base_url": module_fake.base_url,
                "endpoints": ["chat/completions", "embeddings", "responses"],
            }
        ],
        extra_config=CONFIG,
    )
    yield from start_gateway(settings, module_fake)


@pytest.fixture
def gateway(cached: RunningGateway) -> Iterator[RunningGateway]:
    cached.fake.reset()
    yield cached
    cached.close_clients()


def ask(client: openai.OpenAI, text: str, **options: Any) -> Any:
    """A chat completion with its raw response (headers), temperature 0 unless given."""
    options.setdefault("temperature", 0)
    options.setdefault("model", "gpt-4o-mini")
    return client.chat.completions.with_raw_response.create(
        messages=[{"role": "user", "content": text}], **options
    )


def test_a_repeated_request_is_answered_from_the_cache_and_metered_as_saved(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()
    first = ask(client, "Summarise my experience as a nurse", max_tokens=50)
    second = ask(client, "Summarise my experience as a nurse", max_completion_tokens=50)
    assert (first.headers[CACHE], second.headers[CACHE]) == ("miss", "hit")
    assert len(gateway.fake.requests) == 1
    assert second.parse().choices[0].message.content == first.parse().choices[0].message.content
    miss = gateway.usage_record(first.headers["x-request-id"])
    hit = gateway.usage_record(second.headers["x-request-id"])
    assert (miss.cache, hit.cache, hit.deployment) == ("miss", "hit", None)
    assert (hit.prompt_tokens, hit.completion_tokens, hit.cost_nano_usd) == (0, 0, 0)
    assert hit.cache_saved_nano_usd == miss.cost_nano_usd > 0


def test_sampled_answers_and_changed_parameters_are_not_served_again(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()
    sampled = [ask(client, "Suggest a job title", temperature=openai.NOT_GIVEN) for _ in range(2)]
    assert [r.headers[CACHE] for r in sampled] == ["bypass", "bypass"]
    ask(client, "Suggest a job title")
    changed = [
        ask(client, "Suggest a job title", seed=7),
        ask(client, "Suggest a job title", response_format={"type": "json_object"}),
        ask(client, "Suggest a job title", model="gpt-4o"),
    ]
    assert [r.headers[CACHE] for r in changed] == ["miss", "miss", "miss"]
    assert len(gateway.fake.requests) == 6


def test_answers_are_kept_per_end_user_and_per_key(gateway: RunningGateway) -> None:
    service = gateway.client(gateway.create_key(act_for_users=True))

    def as_user(user: str | None) -> str:
        headers = {"x-careergate-user": user} if user else {}
        reply = ask(service, "What should my next role be?", extra_headers=headers)
        return str(reply.headers[CACHE])

    assert [as_user("ana"), as_user("ben"), as_user("ana"), as_user(None)] == [
        "miss",
        "miss",
        "hit",
        "miss",
    ]
    other_key = gateway.client(gateway.create_key(act_for_users=True))
    assert ask(other_key, "What should my next role be?").headers[CACHE] == "miss"


def test_a_feature_configured_as_global_shares_its_answers(gateway: RunningGateway) -> None:
    headers = {"x-careergate-feature": "public-postings"}
    first = ask(gateway.client(), "Describe the posting", extra_headers=headers)
    second = ask(gateway.client(), "Describe the posting", extra_headers=headers)
    assert (first.headers[CACHE], second.headers[CACHE]) == ("miss", "hit")


def test_cache_control_skips_the_lookup_or_the_keeping(gateway: RunningGateway) -> None:
    client = gateway.client()
    no_store = ask(client, "Draft a summary", extra_headers={"cache-control": "no-store"})
    after_no_store = ask(client, "Draft a summary")
    no_cache = ask(client, "Draft a summary", extra_headers={"cache-control": "no-cache"})
    assert [no_store.headers[CACHE], after_no_store.headers[CACHE]] == ["miss", "miss"]
    assert no_cache.headers[CACHE] == "bypass"
    assert len(gateway.fake.requests) == 3


def test_a_feature_may_keep_sampled_answers_for_its_own_time(gateway: RunningGateway) -> None:
    client = gateway.client()
    headers = {"x-careergate-feature": "drafts"}
    replies = [ask(client, "Write a headline", temperature=0.9, extra_headers=headers)]
    replies.append(ask(client, "Write a headline", temperature=0.9, extra_headers=headers))
    time.sleep(0.35)
    replies.append(ask(client, "Write a headline", temperature=0.9, extra_headers=headers))
    assert [r.headers[CACHE] for r in replies] == ["miss", "hit", "miss"]


def test_a_stream_is_served_from_a_kept_answer_and_a_stream_is_kept(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()
    whole = ask(client, "List three skills").parse().choices[0].message.content
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "List three skills"}],
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    ) as streamed:
        assert streamed.headers[CACHE] == "hit"
        chunks = list(streamed.parse())
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == whole
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0

    first = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Name two certificates"}],
        temperature=0,
        stream=True,
    )
    streamed_text = "".join(c.choices[0].delta.content or "" for c in first if c.choices)
    again = ask(client, "Name two certificates")
    assert again.headers[CACHE] == "hit"
    assert again.parse().choices[0].message.content == streamed_text
    assert len(gateway.fake.requests) == 2


def test_the_cache_holds_placeholders_and_each_caller_gets_their_own_values(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()

    def letter(name: str, email: str) -> Any:
        subject = {"careergate": {"subject": {"names": [name], "emails": [email]}}}
        return ask(client, f"Write to {name} at {email}", extra_body=subject)

    jane = letter("Jane Doe", "jane@example.com")
    john = letter("John Roe", "john@example.org")
    assert (jane.headers[CACHE], john.headers[CACHE]) == ("miss", "hit")
    assert gateway.fake.requests[0].body["messages"][0]["content"] == (
        "Write to [PERSON_1] at [EMAIL_1]"
    )
    assert "John Roe at john@example.org" in str(john.parse().choices[0].message.content)
    assert "Jane" not in str(john.parse().choices[0].message.content)


def test_embeddings_are_cached_by_their_inputs_and_format(gateway: RunningGateway) -> None:
    client = gateway.client()

    def embed(**options: Any) -> str:
        reply = client.embeddings.with_raw_response.create(
            model="text-embedding-3-small", input=["python", "sql"], **options
        )
        return str(reply.headers[CACHE])

    assert [embed(), embed(), embed(encoding_format="float")] == ["miss", "hit", "miss"]


def test_a_hit_counts_against_requests_per_minute_not_tokens(gateway: RunningGateway) -> None:
    per_minute = gateway.client(gateway.create_key(rpm_limit=3))
    assert [ask(per_minute, "Rate me").headers[CACHE] for _ in range(3)] == ["miss", "hit", "hit"]
    with pytest.raises(openai.RateLimitError):
        ask(per_minute, "Rate me")

    for limits in ({"tpm_limit": 150}, {"tpm_limit": 150, "rpm_limit": 100}):
        tokens = gateway.client(gateway.create_key(**limits))
        for _ in range(4):  # one upstream request's worth of tokens, however often served
            ask(tokens, "Count my tokens", max_tokens=100)
        with pytest.raises(openai.RateLimitError, match="tokens per minute"):
            ask(tokens, "Count these other tokens", max_tokens=100)
        assert ask(tokens, "Count my tokens", max_tokens=100).headers[CACHE] == "hit"  # full


def test_a_models_rule_applies_to_its_snapshots_by_either_name(gateway: RunningGateway) -> None:
    client = gateway.client(gateway.create_key())
    named = [ask(client, "Keep me briefly", model=m).headers[CACHE] for m in ("gpt-4o", "gpt-4o")]
    pinned = ask(client, "Keep me briefly", model="gpt-4o-2024-08-06").headers[CACHE]
    assert (named, pinned) == (["miss", "hit"], "hit")
    time.sleep(0.4)  # the model's own time to live, not the default's
    assert ask(client, "Keep me briefly", model="gpt-4o").headers[CACHE] == "miss"


def test_erasing_a_user_erases_their_entries(gateway: RunningGateway) -> None:
    admin = gateway.create_key(role=Role.ADMIN)
    service = gateway.client(gateway.create_key(act_for_users=True))
    headers = {"x-careergate-user": "erin"}
    ask(service, "Plan my career change", extra_headers=headers)
    assert ask(service, "Plan my career change", extra_headers=headers).headers[CACHE] == "hit"
    status, erased = admin_call(gateway, admin, "POST", "/admin/privacy/delete", {"user": "erin"})
    assert (status, erased["cache_entries"]) == (200, 1)
    assert ask(service, "Plan my career change", extra_headers=headers).headers[CACHE] == "miss"


def erased_while_answering(gateway: RunningGateway, question: str, feature: str) -> list[str]:
    """User u6's request of ``feature`` waits 3 s for its answer; u6 is erased 1 s in,
    while it waits (nothing kept yet: ``cache_entries`` 0). What the cache did then for
    another user's request and for u6's own, both the same as u6's first."""
    admin = gateway.create_key(role=Role.ADMIN)
    service = gateway.client(gateway.create_key(act_for_users=True))
    user = f"u6-{secrets.token_hex(3)}"

    def served(who: str) -> str:
        headers = {"x-careergate-user": who, "x-careergate-feature": feature}
        return str(ask(service, question, extra_headers=headers).headers[CACHE])

    gateway.fake.faults.enqueue(Fault(delay=3))
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(served, user)
        time.sleep(1)
        status, erased = admin_call(gateway, admin, "POST", "/admin/privacy/delete", {"user": user})
        assert (status, erased["cache_entries"]) == (200, 0)
        assert first.result() == "miss"
    time.sleep(0.3)  # a kept answer would be in the store by now (Redis: sent after)
    return [served(f"u7-{secrets.token_hex(3)}"), served(user)]


def test_an_answer_that_comes_after_its_users_erasure_is_not_kept(
    gateway: RunningGateway,
) -> None:
    other, own = erased_while_answering(gateway, "Rank my strengths", "public-postings")
    assert (other, own) == ("miss", "hit")  # u6's from the other user's answer, kept


def test_an_erasure_from_the_command_line_reaches_the_gateways_memory(
    gateway: RunningGateway,
) -> None:
    service = gateway.client(gateway.create_key(act_for_users=True))

    def served() -> str:
        reply = ask(service, "Plan my move abroad", extra_headers={"x-careergate-user": "eric"})
        return str(reply.headers[CACHE])

    assert [served(), served()] == ["miss", "hit"]
    run_cli(cli_env(gateway.settings), "privacy", "delete", "--user", "eric", "--yes")
    deadline = time.monotonic() + 5  # every process looks for erasures each second
    while (seen := served()) == "hit" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen == "miss"


def test_metrics_and_the_usage_report_show_hits_and_savings(gateway: RunningGateway) -> None:
    client = gateway.client()
    headers = {"x-careergate-feature": "reporting"}
    replies = [ask(client, "Report on me", extra_headers=headers) for _ in range(4)]
    assert [r.headers[CACHE] for r in replies] == ["miss", "hit", "hit", "hit"]
    samples = scrape(gateway.base_url)
    hits = value(samples, "careergate_cache_lookups_total", feature="reporting", result="hit")
    assert hits == 3
    assert value(samples, "careergate_cache_hit_ratio", feature="reporting") == 0.75
    assert value(samples, "careergate_cache_saved_usd_total", feature="reporting") > 0
    gateway.usage_record(replies[-1].headers["x-request-id"])
    report = run_cli(cli_env(gateway.settings), "usage", "--by", "feature", "--format", "json")
    line = next(li for li in json.loads(report.stdout)["lines"] if li["group"] == "reporting")
    assert (line["cache_hits"], line["cache_misses"], line["cache_hit_rate"]) == (3, 1, 0.75)
    assert float(line["cache_saved_usd"]) > 0


def test_an_answer_of_the_upstream_that_failed_is_not_kept(gateway: RunningGateway) -> None:
    client = gateway.client()
    gateway.fake.faults.enqueue(Fault(status=400))
    with pytest.raises(openai.BadRequestError) as failed:
        ask(client, "Fail once")
    # Every answer says what the cache did, as its usage record does: looked, found nothing.
    assert failed.value.response.headers[CACHE] == "miss"
    record = gateway.usage_record(failed.value.response.headers["x-request-id"])
    assert (record.status_code, record.cache) == (400, "miss")
    assert ask(client, "Fail once").headers[CACHE] == "miss"


def test_an_error_before_the_lookup_says_the_cache_was_bypassed(
    gateway: RunningGateway,
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        ask(gateway.client(), "Too long an answer", max_tokens=10**9)
    assert refused.value.response.headers[CACHE] == "bypass"
    record = gateway.usage_record(refused.value.response.headers["x-request-id"])
    assert (record.status_code, record.cache) == (400, None)  # no cache result: not looked


def test_a_response_is_kept_and_served_whole_or_as_a_stream_of_its_events(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()
    first = client.responses.with_raw_response.create(
        model="gpt-4o-mini", input="Draft a headline for a welder", temperature=0
    )
    with client.responses.with_streaming_response.create(
        model="gpt-4o-mini", input="Draft a headline for a welder", temperature=0, stream=True
    ) as streamed:
        assert streamed.headers[CACHE] == "hit"
        events = list(streamed.parse())
    whole = first.parse()
    assert first.headers[CACHE] == "miss"
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == (
        whole.output_text
    )
    assert events[-1].type == "response.completed"
    assert events[-1].response.id == whole.id
    assert events[-1].response.usage is not None
    again = client.responses.with_raw_response.create(
        model="gpt-4o-mini", input="Draft a headline for a welder", temperature=0, store=False
    )
    assert again.headers[CACHE] == "miss"  # not kept upstream: another answer
    assert len(gateway.fake.requests) == 2


def test_a_response_kept_upstream_is_not_shared_beyond_its_user(gateway: RunningGateway) -> None:
    """A feature shares its answers with everyone, but a response the upstream keeps
    (``store``) is the caller's: the next user gets one of their own, whose id they can
    fetch and continue. One not kept upstream is shared."""
    service = gateway.client(gateway.create_key(act_for_users=True))
    ana, ben = (f"{name}-{secrets.token_hex(3)}" for name in ("ana", "ben"))

    def create(user: str, **options: Any) -> Any:
        headers = {"x-careergate-user": user, "x-careergate-feature": "public-postings"}
        return service.responses.with_raw_response.create(
            model="gpt-4o-mini", temperature=0, extra_headers=headers, **options
        )

    question = "Summarise the posting for a crane operator"
    first, second = create(ana, input=question), create(ben, input=question)
    assert (first.headers[CACHE], second.headers[CACHE]) == ("miss", "miss")
    own = second.parse().id
    assert own != first.parse().id
    bens = {"x-careergate-user": ben}
    assert service.responses.retrieve(own, extra_headers=bens).id == own
    create(ben, input="And for a welder?", previous_response_id=own)
    ana_again = create(ana, input=question)
    assert ana_again.headers[CACHE] == "hit"  # their own, in their own scope
    unkept = [create(user, input=question, store=False).headers[CACHE] for user in (ana, ben)]
    assert unkept == ["miss", "hit"]


def test_a_deleted_response_is_no_longer_served_from_the_cache(gateway: RunningGateway) -> None:
    """Its id names nothing its caller could fetch or continue any more, and its content
    was asked to go."""
    client = gateway.client()

    def create() -> Any:
        return client.responses.with_raw_response.create(
            model="gpt-4o-mini", input="Draft a summary of my career", temperature=0
        )

    kept = create().parse().id
    assert create().headers[CACHE] == "hit"
    assert client.responses.delete(kept) is None
    again = create()
    assert again.headers[CACHE] == "miss"
    assert client.responses.retrieve(again.parse().id).id != kept


def test_a_rule_naming_a_snapshot_wins_over_one_naming_its_alias() -> None:
    from careergate.cache.config import CacheConfig
    from careergate.cache.policy import CachePolicy

    def canonical(model: str) -> str:
        return {"gpt-4o": "gpt-4o-2024-08-06"}.get(model, model)

    for models in (
        {"gpt-4o": {"ttl_seconds": 60}, "gpt-4o-2024-08-06": {"ttl_seconds": 600}},
        {"gpt-4o-2024-08-06": {"ttl_seconds": 600}, "gpt-4o": {"ttl_seconds": 60}},
    ):
        policy = CachePolicy(CacheConfig.model_validate({"models": models}), canonical)
        assert policy.rule(None, "gpt-4o-2024-08-06").ttl_seconds == 600


# -- answers that are not kept: cut short, empty, failed, or another model's -------------


@pytest.fixture(scope="module")
def scripted_cache(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningGateway, ScriptedUpstream]]:
    """A caching gateway in front of an upstream that answers as each test scripts it."""
    upstream = ScriptedUpstream()
    settings = gateway_settings(tmp_path_factory.mktemp("scripted-cache"), [upstream.deployment()])
    for gateway in start_gateway(settings, module_fake):
        yield gateway, upstream
    upstream.loopback.close()


def text_of(client: openai.OpenAI, question: str, stream: bool) -> tuple[str, str]:
    """The cache header and the answer's text of a temperature-0 chat request."""
    messages = [{"role": "user", "content": question}]
    create = client.chat.completions
    if not stream:
        raw = create.with_raw_response.create(model="gpt-4o-mini", messages=messages, temperature=0)
        return raw.headers[CACHE], raw.parse().choices[0].message.content or ""
    with create.with_streaming_response.create(
        model="gpt-4o-mini", messages=messages, temperature=0, stream=True
    ) as streamed:
        pieces = [c.choices[0].delta.content or "" for c in streamed.parse() if c.choices]
        return streamed.headers[CACHE], "".join(pieces)


@pytest.mark.parametrize(
    "pieces", [["Three skills: wel"], ["Three skills: welding, rigging, safety."]]
)
@pytest.mark.parametrize("again_as_stream", [False, True])
def test_a_stream_ended_without_a_finish_reason_is_not_kept(
    scripted_cache: tuple[RunningGateway, ScriptedUpstream],
    pieces: list[str],
    again_as_stream: bool,
) -> None:
    """``[DONE]`` with no finish reason: the upstream stopped, not the model; a repeat
    goes upstream and gets the whole answer, which is kept."""
    gateway, upstream = scripted_cache
    client = gateway.client()
    upstream.answers.append([chunk({"role": "assistant", "content": p}) for p in pieces])
    assert text_of(client, "List three skills", stream=True) == ("miss", "".join(pieces))
    whole = "Three skills: welding, rigging, safety. Done."
    message = {"role": "assistant", "content": whole}
    upstream.answers.append(
        [chunk(message), chunk({}, "stop")] if again_as_stream else completion(message)
    )
    assert text_of(client, "List three skills", again_as_stream) == ("miss", whole)
    assert text_of(client, "List three skills", not again_as_stream) == ("hit", whole)


def test_a_chat_answer_without_choices_is_not_kept(
    scripted_cache: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    gateway, upstream = scripted_cache
    client = gateway.client()
    upstream.answers.append({**completion({"role": "assistant", "content": ""}), "choices": []})
    with pytest.raises(openai.InternalServerError) as caught:  # not an answer: a 502
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Rate my CV"}], temperature=0
        )
    assert caught.value.response.headers[CACHE] == "miss"
    upstream.answers.append(completion({"role": "assistant", "content": "Seven of ten."}))
    assert text_of(client, "Rate my CV", stream=False) == ("miss", "Seven of ten.")


def test_an_answer_filtered_or_of_the_wrong_choices_is_not_kept(
    scripted_cache: tuple[RunningGateway, ScriptedUpstream],
) -> None:
    """A filtered answer holds what a filter left; two choices of one index are not the
    n choices asked for: neither is answered again from the cache."""
    gateway, upstream = scripted_cache
    client = gateway.client()
    filtered = completion({"role": "assistant", "content": ""})
    filtered["choices"][0]["finish_reason"] = "content_filter"
    upstream.answers.append(filtered)
    assert text_of(client, "Describe the role", stream=False) == ("miss", "")
    upstream.answers.append(completion({"role": "assistant", "content": "A planner."}))
    assert text_of(client, "Describe the role", stream=False) == ("miss", "A planner.")

    twice = completion({"role": "assistant", "content": "One."})
    twice["choices"] = [twice["choices"][0], {**twice["choices"][0]}]
    messages = [{"role": "user", "content": "Two titles"}]
    ask = partial(client.chat.completions.create,
                  model="gpt-4o-mini", messages=messages, temperature=0, n=2)  # fmt: skip
    for _ in range(2):  # not the choices asked for: a 502, each time from the upstream
        upstream.answers.append(twice)
        with pytest.raises(openai.InternalServerError) as caught:
            ask()
        assert caught.value.response.headers[CACHE] == "miss"


def response(status: str, text: str) -> dict[str, Any]:
    """A Responses API answer of one message."""
    part = {"type": "output_text", "text": text, "annotations": []}
    item = {"type": "message", "id": "m", "role": "assistant", "status": "completed",
            "content": [part]}  # fmt: skip
    usage = {"input_tokens": 5, "output_tokens": 5, "total_tokens": 10}
    return {"id": f"resp_{status}", "object": "response", "created_at": 0, "status": status,
            "model": "gpt-4o-mini", "output": [item], "usage": usage}  # fmt: skip


@pytest.mark.parametrize("status", ["failed", "incomplete", "cancelled", "in_progress", "queued"])
def test_a_response_that_did_not_complete_is_not_kept(
    scripted_cache: tuple[RunningGateway, ScriptedUpstream], status: str
) -> None:
    gateway, upstream = scripted_cache
    client = gateway.client()

    def create(stream: bool) -> tuple[str, Any]:
        if not stream:
            raw = client.responses.with_raw_response.create(
                model="gpt-4o-mini", input="Draft a headline", temperature=0
            )
            return raw.headers[CACHE], raw.parse()
        with client.responses.with_streaming_response.create(
            model="gpt-4o-mini", input="Draft a headline", temperature=0, stream=True
        ) as streamed:
            return streamed.headers[CACHE], list(streamed.parse())[-1].response

    upstream.answers.append(response(status, "Welder"))
    assert create(stream=False)[0] == "miss"
    done = response("completed", "Certified welder")
    upstream.answers.append([{"type": "response.completed", "response": done}])
    header, again = create(stream=True)
    assert (header, again.status, again.output_text) == ("miss", "completed", "Certified welder")
    header, kept = create(stream=False)
    assert (header, kept.output_text) == ("hit", "Certified welder")


def test_a_fallback_models_answer_is_not_kept_for_the_model_asked_for(
    tmp_path: Path, module_fake: FakeOpenAI
) -> None:
    """gpt-4o fails once and gpt-4o-mini answers: once gpt-4o is back, it answers."""
    with FakeOpenAI() as primary:
        settings = chain_settings(tmp_path, primary, module_fake)
        for gateway in start_gateway(settings, primary):
            client = gateway.client()
            for stream in (False, True):
                primary.faults.enqueue(Fault(status=503))
                question = f"Plan my week ({stream})"
                first = ask(client, question, model="gpt-4o", stream=stream)
                if stream:
                    list(first.parse())  # read to its end: a stream is kept once it ended
                again = ask(client, question, model="gpt-4o")
                assert first.headers["x-careergate-model"] == "gpt-4o-mini"
                assert again.headers[CACHE] == "miss"
                assert "x-careergate-model" not in again.headers  # gpt-4o's own
                assert ask(client, question, model="gpt-4o").headers[CACHE] == "hit"
