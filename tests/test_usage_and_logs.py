"""Every request leaves one usage record and one log line, whatever its outcome."""

from __future__ import annotations

import json
import logging
import time

import openai
import pytest

from careergate.testing import Fault
from conftest import RunningGateway

SECRET_PROMPT = "My social security number is 078-05-1120"
MESSAGES = [{"role": "user", "content": SECRET_PROMPT}]


def test_a_plain_request_records_the_upstreams_usage(gateway: RunningGateway) -> None:
    client = gateway.client(gateway.create_key(user="alice", team="growth", feature="resume"))
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    completion = raw.parse()

    row = gateway.usage_record(raw.headers["x-request-id"])
    assert (row.user_id, row.team, row.feature) == ("alice", "growth", "resume")
    assert row.prompt_tokens == completion.usage.prompt_tokens  # type: ignore[union-attr]
    assert row.completion_tokens == completion.usage.completion_tokens  # type: ignore[union-attr]
    assert (row.status_code, row.model_requested, row.model_served) == (
        200,
        "gpt-4o-mini",
        "gpt-4o-mini",
    )
    assert row.deployment == "primary"
    assert not row.usage_estimated


def test_headers_attribute_usage_to_an_end_user_and_feature(gateway: RunningGateway) -> None:
    client = gateway.client(
        gateway.create_key(act_for_users=True),
        default_headers={"x-careergate-user": "bob", "x-careergate-feature": "job-match"},
    )
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    row = gateway.usage_record(raw.headers["x-request-id"])
    assert (row.user_id, row.feature) == ("bob", "job-match")


def test_a_streamed_request_is_metered_even_when_the_caller_did_not_ask_for_usage(
    gateway: RunningGateway,
) -> None:
    client = gateway.client()
    plain = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o", messages=MESSAGES, stream=True
    ) as response:
        request_id = response.headers["x-request-id"]
        list(response.iter_lines())

    row = gateway.usage_record(request_id)
    assert row.stream
    assert row.prompt_tokens == plain.usage.prompt_tokens  # type: ignore[union-attr]
    assert row.completion_tokens == plain.usage.completion_tokens  # type: ignore[union-attr]


def test_a_stream_cut_short_is_charged_for_what_was_produced(gateway: RunningGateway) -> None:
    client = gateway.client()
    plain = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    gateway.fake.faults.enqueue(Fault(disconnect_after_chunks=4))
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o", messages=MESSAGES, stream=True
    ) as response:
        request_id = response.headers["x-request-id"]
        lines = list(response.iter_lines())
    assert any("upstream_stream_interrupted" in line for line in lines)

    row = gateway.usage_record(request_id)
    assert row.usage_estimated
    assert row.prompt_tokens == plain.usage.prompt_tokens  # type: ignore[union-attr]
    # Chunks 1-3 carried the first three words of the reply.
    assert 0 < row.completion_tokens < plain.usage.completion_tokens  # type: ignore[union-attr]
    assert row.error_code == "upstream_stream_interrupted"


def test_failed_requests_leave_a_record_too(gateway: RunningGateway) -> None:
    gateway.fake.faults.enqueue(*[Fault(status=503)] * 4)
    with pytest.raises(openai.InternalServerError) as caught:
        gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    row = gateway.usage_record(caught.value.response.headers["x-request-id"])
    assert (row.status_code, row.attempts, row.prompt_tokens) == (503, 4, 0)

    with pytest.raises(openai.AuthenticationError) as refused:
        gateway.client("sk-cg-wrongwrongwrongwrongwrong").chat.completions.create(
            model="gpt-4o", messages=MESSAGES
        )
    row = gateway.usage_record(refused.value.response.headers["x-request-id"])
    assert (row.status_code, row.error_code, row.key_id) == (401, "invalid_api_key", None)


def test_each_request_logs_one_line_without_secrets_or_content(
    gateway: RunningGateway, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    key = gateway.create_key(user="carol")
    raw = gateway.client(key).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES
    )
    request_id = raw.headers["x-request-id"]
    written = ""
    for _ in range(100):  # the request log is flushed every 0.1 s
        written += capfd.readouterr().err
        if request_id in written:
            break
        time.sleep(0.02)

    lines = [
        json.loads(line)
        for line in written.splitlines()
        if line.startswith("{") and request_id in line
    ]
    assert len(lines) == 1
    line = lines[0]
    assert line["key"] == key[:14]
    assert (line["user"], line["model"], line["status"]) == ("carol", "gpt-4o-mini", 200)
    assert line["latency_ms"] > 0
    everything = written + capfd.readouterr().err + caplog.text
    assert key not in everything
    assert SECRET_PROMPT not in everything
