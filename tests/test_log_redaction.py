"""The log filter masks secrets that slip into a message."""

from __future__ import annotations

import logging

from careergate.observability.logs import ConsoleFormatter, JsonFormatter, redact_secrets


def test_key_shaped_strings_and_bearer_tokens_are_masked() -> None:
    line = redact_secrets(
        "upstream said no to sk-proj-abcdefghijklmnop1234 with Bearer eyJhbGciOi.payload.sig"
    )
    assert "abcdefghijklmnop1234" not in line
    assert "eyJhbGciOi.payload.sig" not in line
    assert "sk-proj***" in line
    assert (
        redact_secrets("sk-cg-AbCdEfGh (a listed prefix) stays")
        == "sk-cg-AbCdEfGh (a listed prefix) stays"
    )


def test_both_formatters_apply_it() -> None:
    secret = "sk-cg-" + "x" * 40
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, f"failed for {secret}", None, None)
    for formatter in (JsonFormatter(), ConsoleFormatter()):
        assert secret not in formatter.format(record)
