"""No credential leaves in an upstream's error: an upstream that quotes the key it was sent
(some OpenAI-compatible servers do), the caller's key or any other credential in its
error answer (400, 500, or an error event inside a stream) has it scrubbed before the
caller, the logs, the usage records or the audit log see it."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
import pytest

from careergate.auth.permissions import Role
from careergate.observability.logs import configure_logging
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, start_gateway
from loopback import LoopbackServer, Received, Reply, chat_completion
from test_keys_access import admin_call

UPSTREAM_KEY = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"  # no recognisable shape: known only
# Credentials of published shapes the gateway never held (vendors' documented examples).
AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
    "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
SLACK_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
GITHUB_TOKEN = "ghp_" + "A1bC2dE3fH4iJ5kL6mN7oP8qR9sT0uV1wX2y"
DB_PASSWORD = "hunter2-in-the-url"
PEM_BODY = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"


@dataclass
class QuotingUpstream:
    """An OpenAI-compatible upstream on loopback whose every model call fails, quoting
    what it was sent (the ``Authorization`` header) and the request's prompt, with a few
    foreign credentials besides: as a 400, a 500, or an error event in a stream."""

    status: int = 400
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.loopback = LoopbackServer(self._answer)
        self.base_url = f"{self.loopback.url}/v1"

    def _answer(self, request: Received) -> Reply:
        if request.method == "GET":  # health probes
            return Reply.of_json({"object": "list", "data": []})
        body = request.json()
        self.requests.append(request.path)
        error = self.error(request.headers.get("authorization", ""), body)
        if not body.get("stream"):
            return Reply.of_json({"error": error}, self.status)
        chunk = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": body["model"],
            "choices": [{"index": 0, "delta": {"content": "Hel"}}],
        }
        return Reply.of_events([chunk, {"error": error}])

    def error(self, authorization: str, body: dict[str, Any]) -> dict[str, Any]:
        prompt = body["messages"][0]["content"]
        return {
            "message": (
                f"Invalid header value: {authorization} (key {UPSTREAM_KEY}). Request: {prompt}. "
                f"Also rejected: {AWS_KEY_ID}, {JWT}, {SLACK_TOKEN}, "
                f"postgres://app:{DB_PASSWORD}@db.internal/app, "
                f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----"
            ),
            "type": f"invalid_request_error for {UPSTREAM_KEY}",
            "param": f"headers.authorization={authorization}",
            "code": f"bad_key_{GITHUB_TOKEN}",
        }

    def close(self) -> None:
        self.loopback.close()


@dataclass
class Seen:
    """What the caller, the logs, the usage records and the audit export got."""

    caller_key: str
    error: openai.APIError
    logs: str
    records: str
    audit: str


def _leaked(text: str, caller_key: str) -> list[str]:
    secrets = (UPSTREAM_KEY, caller_key, AWS_KEY_ID, JWT, SLACK_TOKEN, GITHUB_TOKEN)
    found = [secret for secret in secrets if secret in text]
    return found + [part for part in (DB_PASSWORD, PEM_BODY) if part in text]


def _audit_entries(gateway: RunningGateway, admin: str) -> list[dict[str, Any]]:
    """The audit export once it holds the AI call's entry (entries are written in batches)."""
    deadline = time.monotonic() + 10
    while True:
        status, body = admin_call(gateway, admin, "GET", "/admin/audit/export")
        assert status == 200
        calls = [e for e in body["data"] if e["action"] == "ai.chat"]
        if calls or time.monotonic() > deadline:
            return list(body["data"])
        time.sleep(0.05)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], io.BytesIO]]:
    """Capturing the gateway's log output, configured as ``careergate serve`` does (JSON
    lines; the request log writes to the binary stream beneath): call it in the test
    itself, since the test run's capture replaces ``sys.stderr`` when the test starts."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level

    def capture() -> io.BytesIO:
        written = io.BytesIO()
        monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(written, write_through=True))
        configure_logging("json")
        return written

    yield capture
    root.handlers[:], level = saved
    root.setLevel(level)


def _ask(client: openai.OpenAI, messages: Any, stream: bool) -> None:
    """A chat completion, read to its end."""
    if stream:
        for _ in client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, stream=True
        ):
            pass
    else:
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)


def _call_through_gateway(
    tmp_path: Path, captured: Callable[[], io.BytesIO], status: int, stream: bool
) -> Seen:
    written = captured()
    upstream = QuotingUpstream(status)
    deployment = {
        "name": "quoting",
        "provider": "openai-compatible",
        "base_url": upstream.base_url,
        "api_key": UPSTREAM_KEY,
    }
    try:
        with FakeOpenAI() as fake:
            for gateway in start_gateway(gateway_settings(tmp_path, [deployment]), fake):
                caller_key = gateway.create_key()
                admin = gateway.create_key(role=Role.ADMIN)
                client = gateway.client(caller_key)
                # The caller pastes its own key into the prompt, which the upstream quotes.
                messages = [{"role": "user", "content": f"my key is {caller_key}"}]
                with pytest.raises(openai.APIError) as raised:
                    _ask(client, messages, stream)
                audit = json.dumps(_audit_entries(gateway, admin))
                records = json.dumps([vars(row) for row in gateway.usage_rows(1)], default=str)
    finally:
        upstream.close()
    assert upstream.requests, "the gateway reached the quoting upstream"
    logs = written.getvalue().decode()
    return Seen(caller_key, raised.value, logs, records, audit)


def _caller_saw(error: openai.APIError) -> str:
    return json.dumps([str(error), error.message, error.body, error.code, error.type])


@pytest.mark.parametrize("status", [400, 500])
def test_an_upstream_error_quoting_credentials_reaches_no_one_with_them(
    tmp_path: Path, captured: Callable[[], io.BytesIO], status: int
) -> None:
    seen = _call_through_gateway(tmp_path, captured, status, stream=False)
    caller_saw = _caller_saw(seen.error)
    assert isinstance(seen.error, openai.APIStatusError)
    assert seen.error.status_code == {400: 400, 500: 502}[status]  # a 500 was upstream's
    # The upstream's explanation still arrives, with each credential marked as removed.
    assert "Invalid header value: Bearer [REDACTED]" in caller_saw
    if status == 400:
        assert "[REDACTED]" in str(seen.error.code)
    assert _leaked(caller_saw, seen.caller_key) == []
    assert _leaked(seen.logs, seen.caller_key) == []
    assert f'"status": {seen.error.status_code}' in seen.audit
    assert _leaked(seen.audit, seen.caller_key) == []
    assert _leaked(seen.records, seen.caller_key) == []
    assert '"msg":"request"' in seen.logs  # the request's log line was written


def test_an_error_event_quoting_credentials_inside_a_stream_reaches_no_one_with_them(
    tmp_path: Path, captured: Callable[[], io.BytesIO]
) -> None:
    seen = _call_through_gateway(tmp_path, captured, 200, stream=True)
    caller_saw = _caller_saw(seen.error)
    # The upstream's own error ends the stream, as the SDK raises it.
    assert "Invalid header value: Bearer [REDACTED]" in caller_saw
    assert _leaked(caller_saw, seen.caller_key) == []
    assert _leaked(seen.logs, seen.caller_key) == []
    assert _leaked(seen.audit, seen.caller_key) == []
    assert _leaked(seen.records, seen.caller_key) == []


def test_an_upstream_request_id_quoting_the_key_is_not_relayed(tmp_path: Path) -> None:
    """An upstream (or a proxy before it) that writes what it was sent into its
    ``x-request-id`` does not hand the caller the gateway's key: only an id's form,
    holding no credential, is relayed as ``x-upstream-request-id``."""
    ids = iter(["req_8f2a1c", "Bearer {authorization}", UPSTREAM_KEY, "req id; with spaces"])

    def answer(request: Received) -> Reply:
        if request.method == "GET":
            return Reply.of_json({"object": "list", "data": []})
        upstream_id = next(ids).format(authorization=request.headers.get("authorization", ""))
        completion = chat_completion("Hello", 8, 1)
        return Reply(body=json.dumps(completion).encode(), headers=(("x-request-id", upstream_id),))

    with LoopbackServer(answer) as upstream, FakeOpenAI() as fake:
        deployment = {
            "name": "echoing",
            "provider": "openai-compatible",
            "base_url": f"{upstream.url}/v1",
            "api_key": UPSTREAM_KEY,
        }
        for gateway in start_gateway(gateway_settings(tmp_path, [deployment]), fake):
            client = gateway.client()
            relayed = []
            for _ in range(4):
                raw = client.chat.completions.with_raw_response.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
                )
                relayed.append(raw.headers.get("x-upstream-request-id"))
    assert relayed == ["req_8f2a1c", None, None, None]
