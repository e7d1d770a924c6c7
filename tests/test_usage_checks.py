"""An upstream that lies about usage is not believed: the gateway records its own counts,
flags the record (and the report, the metrics, the log), and no budget is ever credited.

The sandbox upstream is scripted to lie (``Fault(usage=...)`` lays fields over the exact
usage it would report), plainly and in streams, with the official openai SDK calling.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from typing import Any

import openai
import pytest

from careergate.budgets.ledger import Period, Scope
from careergate.testing import Fault
from careergate.tokenizer import TokenCounter, below_word_count
from careergate.usage.checks import Ceilings, checked_usage
from conftest import RunningGateway, cli_env, run_cli
from test_budgets import ledger_call
from test_metrics import scrape, value

MESSAGES = [{"role": "user", "content": "Rewrite my summary: analyst who ships dashboards"}]
MODEL = "gpt-4o-mini"  # 128,000-token context window, 16,384-token largest output

LIES: list[tuple[dict[str, Any], str]] = [
    ({"prompt_tokens": -1_000_000}, "negative"),
    ({"completion_tokens": -3}, "negative"),
    ({"prompt_tokens": 12.5}, "not_integer"),
    ({"prompt_tokens": "12"}, "not_integer"),
    ({"completion_tokens": True}, "not_integer"),
    ({"prompt_tokens": None}, "not_integer"),
    ({"prompt_tokens": 10_000_000}, "prompt_over_context"),
    ({"completion_tokens": 1_000_000}, "completion_over_limit"),
]


def send(
    gateway: RunningGateway,
    key: str,
    *,
    stream: bool,
    messages: list[dict[str, Any]] = MESSAGES,
    **options: Any,
) -> str:
    """One request through the SDK, answered whole: its request id. (The answer is
    relayed as the upstream sent it, usage included: the record is what counts.)"""
    client = gateway.client(key)
    if not stream:
        raw = client.chat.completions.with_raw_response.create(
            model=MODEL, messages=messages, **options
        )
        assert raw.parse().choices[0].message.content
        return raw.headers["x-request-id"]
    with client.chat.completions.with_streaming_response.create(
        model=MODEL, messages=messages, stream=True, **options
    ) as response:
        request_id = response.headers["x-request-id"]
        lines = list(response.iter_lines())
    assert lines[-2:] == ["data: [DONE]", ""] or lines[-1] == "data: [DONE]"
    return request_id


def honest(
    gateway: RunningGateway, messages: list[dict[str, Any]] = MESSAGES, **options: Any
) -> dict[str, int]:
    """The exact usage of the test's request, as an honest upstream reports it."""
    answer = gateway.client().chat.completions.create(model=MODEL, messages=messages, **options)
    assert answer.usage is not None
    return answer.usage.model_dump()


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize(("lie", "reason"), LIES, ids=[reason for _, reason in LIES])
def test_a_lying_usage_is_replaced_by_the_gateways_own_count_and_flagged(
    gateway: RunningGateway, lie: dict[str, Any], reason: str, stream: bool
) -> None:
    exact = honest(gateway)
    gateway.fake.faults.enqueue(Fault(usage=lie))
    request_id = send(gateway, gateway.create_key(), stream=stream)

    row = gateway.usage_record(request_id)
    assert row.status_code == 200
    assert (row.prompt_tokens, row.completion_tokens) == (
        exact["prompt_tokens"],
        exact["completion_tokens"],
    )
    assert row.usage_corrected == reason
    assert row.cost_nano_usd is not None
    assert row.cost_nano_usd > 0


LONG = [
    {
        "role": "user",
        "content": "Rewrite my summary for a data role. "
        + "I am an analyst who ships weekly dashboards for the sales team in Leeds. " * 6,
    }
]
"""Prose of about a hundred tokens: an under-count of it is looked for."""


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize(("share", "flagged"), [(0.3, True), (0.6, False)], ids=["30%", "60%"])
def test_a_prompt_count_far_below_the_gateways_own_is_replaced_and_flagged(
    gateway: RunningGateway, share: float, flagged: bool, stream: bool
) -> None:
    exact = honest(gateway, LONG)
    assert exact["prompt_tokens"] > 50
    lie = int(exact["prompt_tokens"] * share)
    labels = {"deployment": "primary", "reason": "prompt_under_count"}
    before = value(scrape(gateway.base_url), "careergate_usage_corrected_total", **labels)
    gateway.fake.faults.enqueue(Fault(usage={"prompt_tokens": lie}))
    request_id = send(gateway, gateway.create_key(), stream=stream, messages=LONG)

    row = gateway.usage_record(request_id)
    after = value(scrape(gateway.base_url), "careergate_usage_corrected_total", **labels)
    if flagged:
        assert row.usage_corrected == "prompt_under_count"
        assert row.prompt_tokens == exact["prompt_tokens"]  # the gateway's own count
        assert after == before + 1
    else:  # below the gateway's count, but not far enough to be refused
        assert row.usage_corrected is None
        assert row.prompt_tokens == lie
        assert after == before
    assert row.completion_tokens == exact["completion_tokens"]


VERBOSE = [{"role": "user", "content": "Explain the whole role, in detail."}]
VERBOSE_ANSWER = "An analyst models the sales data, ships dashboards and explains them. " * 12
"""An answer of about 170 tokens: an under-count of it is looked for."""


@pytest.mark.parametrize(
    ("stream", "choices"),
    [(False, 1), (True, 1), (False, 3)],  # the sandbox streams the first choice only
    ids=["plain", "streamed", "plain-n=3"],
)
@pytest.mark.parametrize(("share", "flagged"), [(0.0, True), (0.3, True), (0.6, False)])
def test_a_completion_count_far_below_the_answers_own_text_is_replaced_and_flagged(
    gateway: RunningGateway, share: float, flagged: bool, choices: int, stream: bool
) -> None:
    gateway.fake.script("whole role", VERBOSE_ANSWER)
    exact = honest(gateway, VERBOSE, n=choices)
    assert exact["completion_tokens"] > 150 * choices
    lie = int(exact["completion_tokens"] * share)
    gateway.fake.faults.enqueue(Fault(usage={"completion_tokens": lie}))
    request_id = send(gateway, gateway.create_key(), stream=stream, messages=VERBOSE, n=choices)

    row = gateway.usage_record(request_id)
    if flagged:
        assert row.usage_corrected == "completion_under_count"
        assert row.completion_tokens == exact["completion_tokens"]  # the gateway's own count
    else:  # below the answer's count, but not far enough to be refused
        assert row.usage_corrected is None
        assert row.completion_tokens == lie
    assert row.prompt_tokens == exact["prompt_tokens"]


def test_a_short_prompts_low_count_is_taken(gateway: RunningGateway) -> None:
    """Under 50 tokens, a model's chat framing weighs more than the text: a low count
    is no sign of a lie."""
    exact = honest(gateway)
    assert exact["prompt_tokens"] <= 50
    gateway.fake.faults.enqueue(Fault(usage={"prompt_tokens": 1}))
    row = gateway.usage_record(send(gateway, gateway.create_key(), stream=False))
    assert (row.usage_corrected, row.prompt_tokens) == (None, 1)


def test_an_honest_usage_is_taken_as_reported(gateway: RunningGateway) -> None:
    exact = honest(gateway)
    gateway.fake.faults.enqueue(Fault(cached_tokens=8, reasoning_tokens=30))
    request_id = send(gateway, gateway.create_key(), stream=False, max_tokens=400)
    row = gateway.usage_record(request_id)
    assert row.usage_corrected is None
    assert row.prompt_tokens == exact["prompt_tokens"]
    assert row.completion_tokens == exact["completion_tokens"] + 30
    assert (row.cached_tokens, row.reasoning_tokens) == (8, 30)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_output_beyond_the_requests_ceiling_for_each_choice_is_not_believed(
    gateway: RunningGateway, stream: bool
) -> None:
    choices = 1 if stream else 2  # the sandbox streams one choice
    exact = honest(gateway, max_tokens=20, n=choices)
    key = gateway.create_key()
    gateway.fake.faults.enqueue(Fault(usage={"completion_tokens": 20 * choices}))
    at_the_ceiling = send(gateway, key, stream=stream, max_tokens=20, n=choices)
    gateway.fake.faults.enqueue(Fault(usage={"completion_tokens": 20 * choices + 1}))
    beyond = send(gateway, key, stream=stream, max_tokens=20, n=choices)

    assert gateway.usage_record(at_the_ceiling).usage_corrected is None
    row = gateway.usage_record(beyond)
    assert row.usage_corrected == "completion_over_limit"
    assert row.completion_tokens == exact["completion_tokens"]


@pytest.mark.parametrize(
    ("details", "reason"),
    [
        ({"prompt_tokens_details": {"cached_tokens": 1_000}}, "cached_over_prompt"),
        ({"prompt_tokens_details": {"cached_tokens": -5}}, "negative"),
        ({"prompt_tokens_details": "all of them"}, "not_integer"),
        ({"completion_tokens_details": {"reasoning_tokens": 5_000}}, "reasoning_over_completion"),
        ({"completion_tokens_details": {"reasoning_tokens": 1.5}}, "not_integer"),
    ],
    ids=["cached-over-prompt", "cached-negative", "details-text", "reasoning-over", "float"],
)
def test_cached_and_reasoning_tokens_that_cannot_be_are_not_counted(
    gateway: RunningGateway, details: dict[str, Any], reason: str
) -> None:
    exact = honest(gateway)
    gateway.fake.faults.enqueue(Fault(usage=details))
    request_id = send(gateway, gateway.create_key(), stream=False)
    row = gateway.usage_record(request_id)
    assert row.usage_corrected == reason
    assert (row.prompt_tokens, row.completion_tokens) == (
        exact["prompt_tokens"],
        exact["completion_tokens"],
    )
    assert (row.cached_tokens, row.reasoning_tokens) == (0, 0)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_an_answer_without_usage_is_charged_the_gateways_own_count(
    gateway: RunningGateway, stream: bool
) -> None:
    exact = honest(gateway)
    gateway.fake.faults.enqueue(Fault(omit_usage=True))
    request_id = send(gateway, gateway.create_key(), stream=stream)
    row = gateway.usage_record(request_id)
    assert (row.prompt_tokens, row.completion_tokens) == (
        exact["prompt_tokens"],
        exact["completion_tokens"],
    )
    assert (row.usage_corrected, row.usage_estimated) == ("missing", True)


def test_embeddings_are_judged_per_input_and_by_their_own_count(gateway: RunningGateway) -> None:
    client = gateway.client()
    inputs = ["data analyst", "ships dashboards weekly", "SQL"]
    honest_answer = client.embeddings.with_raw_response.create(
        model="text-embedding-3-small", input=inputs
    )
    exact = honest_answer.parse().usage.prompt_tokens
    gateway.fake.faults.enqueue(Fault(usage={"prompt_tokens": -exact}))
    lied = client.embeddings.with_raw_response.create(
        model="text-embedding-3-small",
        input=inputs,
        extra_headers={"cache-control": "no-cache"},  # the upstream's answer, not the kept one
    )

    honest_row = gateway.usage_record(honest_answer.headers["x-request-id"])
    assert (honest_row.usage_corrected, honest_row.prompt_tokens) == (None, exact)
    row = gateway.usage_record(lied.headers["x-request-id"])
    assert (row.usage_corrected, row.prompt_tokens, row.completion_tokens) == (
        "negative",
        exact,
        0,
    )


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_hard_budgets_spend_never_decreases(gateway: RunningGateway, stream: bool) -> None:
    budget = ledger_call(
        gateway.settings,
        "create",
        name="never credited",
        scope=Scope.USER,
        subject="frugal",
        period=Period.DAILY,
        limit_nano_usd=10**9,
    )
    key = gateway.create_key(user="frugal")
    spent: list[int] = []
    lies = [{}, {"prompt_tokens": -10_000_000, "completion_tokens": -10_000_000}, {}]
    for lie in lies:
        gateway.fake.faults.enqueue(Fault(usage=lie))
        request_id = send(gateway, key, stream=stream)
        gateway.usage_record(request_id)
        for _ in range(100):  # settled just after the answer
            charged, reserved = ledger_call(gateway.settings, "spent", budget)
            if reserved == 0 and charged > (spent[-1] if spent else 0):
                break
        spent.append(charged)
    assert spent[0] > 0
    assert spent == sorted(spent)
    assert len(set(spent)) == len(spent)


def test_corrections_are_counted_reported_and_logged(
    gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="careergate.usage")
    labels = {"deployment": "primary", "reason": "negative"}
    before = value(scrape(gateway.base_url), "careergate_usage_corrected_total", **labels)
    gateway.fake.faults.enqueue(Fault(usage={"prompt_tokens": -7}))
    request_id = send(gateway, gateway.create_key(), stream=False)
    gateway.usage_record(request_id)

    after = value(scrape(gateway.base_url), "careergate_usage_corrected_total", **labels)
    assert after == before + 1
    [line] = [r.getMessage() for r in caplog.records if request_id in r.getMessage()]
    assert "negative" in line
    assert "primary" in line
    assert MESSAGES[0]["content"] not in line  # names and numbers, no content
    assert "dashboards" not in line

    env = cli_env(gateway.settings)
    report = json.loads(run_cli(env, "usage", "--by", "deployment", "--format", "json").stdout)
    [primary] = [line for line in report["lines"] if line["group"] == "primary"]
    assert primary["usage_corrected"] >= 1
    assert report["total"]["usage_corrected"] >= 1
    rows = csv.DictReader(
        io.StringIO(run_cli(env, "usage", "--by", "deployment", "--format", "csv").stdout)
    )
    assert int(next(r for r in rows if r["group"] == "primary")["usage_corrected"]) >= 1


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ({"prompt_tokens": 10, "completion_tokens": 5}, (10, 5, None)),
        ({"prompt_tokens": False, "completion_tokens": 5}, (99, 5, "not_integer")),
        ({"completion_tokens": 5}, (99, 5, "missing")),
        ({"prompt_tokens": 10}, (10, 7, "missing")),
        ({"prompt_tokens": 1001, "completion_tokens": 5}, (99, 5, "prompt_over_context")),
        ({"prompt_tokens": -1, "completion_tokens": 101}, (99, 7, "negative")),
        ([1, 2], (99, 7, "missing")),
    ],
)
def test_the_rule_reads_each_count_on_its_own(
    reported: object, expected: tuple[int, int, str | None]
) -> None:
    usage = checked_usage(reported, Ceilings(prompt=1000, completion=100), lambda: 99, lambda: 7)
    assert (usage.prompt_tokens, usage.completion_tokens, usage.corrected) == expected


@pytest.mark.parametrize(
    ("reported", "words", "own", "expected"),
    [
        (40, 100, 200, (200, "prompt_under_count")),  # below the words, under half the count
        (120, 100, 200, (120, None)),  # above the words: the tokenizer is not even asked
        (99, 100, 150, (99, None)),  # below the words, but more than half the count
        (10, 45, 50, (10, None)),  # a count of 50 tokens or fewer proves nothing
    ],
)
def test_an_under_count_is_looked_for_below_the_words_only(
    reported: int, words: int, own: int, expected: tuple[int, str | None]
) -> None:
    counted: list[int] = []

    def own_count() -> int:
        counted.append(own)
        return own

    usage = checked_usage(
        {"prompt_tokens": reported, "completion_tokens": 5},
        Ceilings(prompt=1000, completion=100),
        own_count,
        lambda: 7,
        lambda count: count < words,
    )
    assert (usage.prompt_tokens, usage.corrected) == expected
    assert bool(counted) == (reported < words)


def test_the_word_floor_needs_no_tokenizer_and_no_count_goes_below_it() -> None:
    texts = ["Led the payments migration,\tend to end.", "  two\n\nlines  "]
    words = 9  # whitespace-separated
    assert below_word_count(words - 1, texts)
    assert not below_word_count(words, texts)
    counter = TokenCounter()
    assert sum(counter.text_tokens("gpt-4o-mini", text) for text in texts) >= words


def test_under_a_hard_budget_no_answer_is_charged_more_than_was_held(
    gateway: RunningGateway,
) -> None:
    """A usage within the model's context window but costing more than the request's
    hold is charged the hold: an upstream that over-reports (or counts what careergate
    cannot see) cannot push a budget past its limit."""
    exact = honest(gateway)
    budget = ledger_call(
        gateway.settings,
        "create",
        name="tight",
        scope=Scope.USER,
        subject="held-to-it",
        period=Period.DAILY,
        limit_nano_usd=10_000_000,  # $0.01: 120,000 prompt tokens of gpt-4o-mini cost $0.018
    )
    key = gateway.create_key(user="held-to-it")
    gateway.fake.faults.enqueue(Fault(usage={"prompt_tokens": 120_000}))
    row = gateway.usage_record(send(gateway, key, stream=False, max_tokens=50))
    assert row.prompt_tokens == 120_000  # as reported: the record says what was claimed
    assert row.usage_corrected == "over_hold"
    assert exact["prompt_tokens"] > 0
    for _ in range(100):
        charged, reserved = ledger_call(gateway.settings, "spent", budget)
        if reserved == 0:
            break
    assert 0 < charged < 10_000_000
    assert row.cost_nano_usd is not None
    assert row.cost_nano_usd < 10_000_000


def test_an_answer_broken_off_after_its_status_is_not_sent_again_and_is_metered(
    gateway: RunningGateway,
) -> None:
    """The upstream bills an answer it generated whether or not it arrived: a retry would
    be billed again. The caller gets a 502; the record counts the prompt."""
    gateway.fake.reset()
    gateway.fake.faults.enqueue(Fault(disconnect_after_chunks=0))
    client = gateway.client()
    with pytest.raises(openai.APIStatusError) as broken:
        client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    assert broken.value.status_code == 502
    assert broken.value.code == "upstream_answer_interrupted"
    assert len(gateway.fake.requests) == 1
    row = gateway.usage_record(broken.value.response.headers["x-request-id"])
    assert row.status_code == 502
    assert row.prompt_tokens > 0
    # No max_tokens: counted at the ceiling a hard budget would have sent it with.
    assert row.completion_tokens == gateway.settings.budget_max_output_tokens
