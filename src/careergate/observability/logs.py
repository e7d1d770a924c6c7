"""Structured logs: JSON lines when not on a terminal, readable lines when on one.

Every formatted line passes through ``redact_secrets``, so a key that slips into a
message (an exception text, a URL) is masked before it is written.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, BinaryIO, Literal

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


LogFormat = Literal["auto", "json", "console"]


def resolve_format(fmt: LogFormat) -> Literal["json", "console"]:
    if fmt == "auto":
        return "console" if sys.stderr.isatty() else "json"
    return fmt


def configure_logging(fmt: LogFormat, level: str = "INFO") -> None:
    """Send careergate's (and the server's) logs to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if resolve_format(fmt) == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)


class RequestLog:
    """Writes the one line per request: ids and outcome, never content or secrets.

    In JSON mode the line is written straight to a buffered stream that is flushed every
    ``flush_seconds`` and on ``close()``, instead of through ``logging``: the logging
    machinery costs more per request than the rest of a proxied call's own work. The
    fields are careergate's own (a key's listed prefix, never its secret), so the line
    needs no redaction. Elsewhere (a terminal) it goes through ``logging`` as usual.
    """

    def __init__(
        self,
        stream: Callable[[], BinaryIO] | None = None,
        *,
        logger: logging.Logger | None = None,
        flush_seconds: float = 0.1,
    ) -> None:
        self._logger = logger or logging.getLogger("careergate.request")
        self._stream = stream
        self._flush_seconds = flush_seconds
        self._pending: list[bytes] = []
        self._flush_timer: asyncio.TimerHandle | None = None

    @classmethod
    def for_format(cls, fmt: LogFormat) -> RequestLog:
        # Looked up at each flush, so a replaced sys.stderr (a test's capture) is honoured.
        return cls((lambda: sys.stderr.buffer) if resolve_format(fmt) == "json" else None)

    def emit(self, at: datetime, fields: dict[str, Any]) -> None:
        """Log one finished request; ``at`` is its (UTC) time."""
        if not self._logger.isEnabledFor(logging.INFO):
            return
        if self._stream is None:
            self._logger.info("request", extra={"fields": fields})
            return
        entry = {
            "ts": at,
            "level": "info",
            "logger": self._logger.name,
            "msg": "request",
            **fields,
        }
        # orjson writes the datetime itself: RFC 3339, as the other JSON lines.
        self._pending.append(orjson.dumps(entry, option=orjson.OPT_UTC_Z))
        if self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(
                self._flush_seconds, self.flush
            )

    def flush(self) -> None:
        self._flush_timer = None
        if self._pending and self._stream is not None:
            self._pending.append(b"")
            stream = self._stream()
            stream.write(b"\n".join(self._pending))
            stream.flush()
            self._pending.clear()

    def close(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
        self.flush()
