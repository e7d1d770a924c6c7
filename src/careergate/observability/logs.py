"""Structured logs: JSON lines when not on a terminal, readable lines when on one.

Every formatted line passes through ``redact_secrets``, so a key that slips into a
message (an exception text, a URL) is masked before it is written.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

_SECRET = re.compile(
    r"(sk-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{12,}|((?:Bearer|api-key:?)\s+)[A-Za-z0-9._~+/=-]{12,}"
)


def redact_secrets(text: str) -> str:
    """Mask API keys and bearer tokens, keeping enough to tell them apart."""
    if "sk-" not in text and "Bearer" not in text and "api-key" not in text:
        return text
    return _SECRET.sub(lambda m: (m.group(1) or m.group(2)) + "***", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return redact_secrets(orjson.dumps(entry, default=str).decode())


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        line = f"{stamp} {record.levelname:<7} {record.getMessage()}"
        fields = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact_secrets(line)


def configure_logging(fmt: Literal["auto", "json", "console"], level: str = "INFO") -> None:
    """Send careergate's (and the server's) logs to stderr in the chosen format."""
    if fmt == "auto":
        fmt = "console" if sys.stderr.isatty() else "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)


class RequestLog:
    """Writes the one line per request: ids and outcome, never content or secrets."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger("careergate.request")

    def emit(self, fields: dict[str, Any]) -> None:
        if self._logger.isEnabledFor(logging.INFO):
            self._logger.info("request", extra={"fields": fields})
