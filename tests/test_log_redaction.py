"""The log filter masks secrets wherever they appear in a record: its message, its
arguments, its exception's text, its structured fields, whichever logger wrote it."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from careergate.observability.logs import configure_logging, protect_secrets
from careergate.security.master_key import MasterKey
from careergate.security.secrets import SecretScanner
from careergate.testing import FakeOpenAI
from conftest import gateway_settings, start_gateway

VIRTUAL_KEY = "sk-cg-" + "v" * 43
OPENAI_KEY = "sk-proj-" + "o" * 40
BEARER = "Bearer opaque-token-0123456789abcdef"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
AZURE_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # no recognisable shape


@pytest.fixture
def server_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Logging configured as ``careergate serve`` does; what it writes."""
    written = io.StringIO()
    monkeypatch.setattr(sys, "stderr", written)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("json")
    yield written
    root.handlers[:], level = saved
    root.setLevel(level)


def _leaks(text: str, *secrets: str) -> list[str]:
    return [secret for secret in secrets if secret in text]


def test_key_shaped_strings_and_tokens_are_masked() -> None:
    redact = SecretScanner().scrub
    line = redact(
        f"upstream said no to {OPENAI_KEY} with {BEARER}, {JWT} and "
        "postgresql+asyncpg://app:hunter2-secret@db/careergate"
    )
    assert _leaks(line, OPENAI_KEY, BEARER, JWT, "hunter2-secret") == []
    assert "sk-proj[REDACTED]" in line
    assert "app:[REDACTED]@db" in line
    assert redact("sk-cg-AbCdEfGh (a listed prefix) stays") == (
        "sk-cg-AbCdEfGh (a listed prefix) stays"
    )


def _deep(secret: str, depth: int) -> None:
    if depth == 0:
        raise ValueError(f"upstream refused credential {secret}")
    _deep(secret, depth - 1)


async def _handle_request(log: logging.Logger) -> None:
    try:
        await asyncio.sleep(0)
        _deep(f"{VIRTUAL_KEY} / {OPENAI_KEY} / {AZURE_KEY}", 5)
    except ValueError:
        log.exception("request failed for %s", BEARER, extra={"fields": {"token": JWT}})


def test_secrets_in_an_exception_raised_deep_in_a_request_never_reach_the_log(
    server_logs: io.StringIO, tmp_path: Path
) -> None:
    master = MasterKey.generate().to_base64()
    deployment = {
        "name": "azure-eu",
        "provider": "azure",
        "base_url": "https://example.invalid",
        "api_key": AZURE_KEY,
        "models": {"gpt-4o": "prod"},
    }
    with FakeOpenAI() as fake:
        # The running gateway registers the secrets it loads: master key, upstream keys.
        for _ in start_gateway(gateway_settings(tmp_path, [deployment], master_key=master), fake):
            asyncio.run(_handle_request(logging.getLogger("careergate.http")))
            logging.getLogger("uvicorn.error").error("could not open with %s", master)
    written = server_logs.getvalue()
    lines = [json.loads(line) for line in written.splitlines()]
    failure = next(line for line in lines if line["msg"].startswith("request failed"))
    assert "Traceback" in failure["exc"]
    assert "_deep" in failure["exc"]
    assert _leaks(written, VIRTUAL_KEY, OPENAI_KEY, AZURE_KEY, BEARER, JWT, master) == []
    assert any(line["msg"] == "could not open with [REDACTED]" for line in lines)


def test_secrets_registered_before_logging_is_configured_again_stay_masked(
    server_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    protect_secrets(AZURE_KEY)
    monkeypatch.setattr(sys, "stderr", server_logs)  # the test run's capture replaced it
    configure_logging("json")  # a second configuration, as a worker process may make
    logging.getLogger("careergate").error("refused %s", AZURE_KEY)
    written = server_logs.getvalue()
    assert "refused [REDACTED]" in written
    assert AZURE_KEY not in written
