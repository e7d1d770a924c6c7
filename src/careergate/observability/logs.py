"""Structured logs: JSON lines when not on a terminal, readable lines when on one.

Every record passes through ``SecretFilter`` on the root handler before it is formatted,
so a secret that slips into a message, its arguments, an exception's text or structured
fields is replaced by ``[REDACTED]`` before anything is written, whichever logger wrote
it (careergate's, uvicorn's, a library's). The one exception is ``RequestLog``'s JSON line, written
directly for speed (see there).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, BinaryIO, Literal

import orjson

from careergate.security.secrets import SecretScanner
from careergate.usage.record import UsageRecord


class SecretFilter(logging.Filter):
    """Masks secrets in every record it sees; install it on a handler (not a logger,
    whose filters skip records that propagate from child loggers).

    It uses careergate's one secret detector (``careergate.security.secrets``):
    credentials of a published shape are recognised; secrets without one (the master
    key, Azure keys, webhook URLs) are masked because the parts that hold them register
    them with ``protect_secrets`` as they load them.
    """

    def __init__(self) -> None:
        super().__init__()
        self._scanner = SecretScanner()
        self._plain = logging.Formatter()

    def protect(self, *secrets: str) -> None:
        self._scanner.remember(*secrets)

    @property
    def known(self) -> frozenset[str]:
        """The secrets registered with ``protect``."""
        return self._scanner.known

    def redact(self, text: str) -> str:
        return self._scanner.scrub(text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it when it formats
            message = str(record.msg)
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            # Formatters reuse ``exc_text`` rather than format the exception again.
            record.exc_text = self._plain.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {
                name: self.redact(value) if isinstance(value, str) else value
                for name, value in fields.items()
            }
        return True


def protect_secrets(*secrets: str) -> None:
    """Have the secret filters of the installed log handlers mask these exact values."""
    for handler in logging.getLogger().handlers:
        for found in handler.filters:
            if isinstance(found, SecretFilter):
                found.protect(*secrets)


def _exception_text(formatter: logging.Formatter, record: logging.LogRecord) -> str | None:
    """The (filtered) exception text of a record, if it has one."""
    if record.exc_text:
        return record.exc_text
    return formatter.formatException(record.exc_info) if record.exc_info else None


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
        if (exc := _exception_text(self, record)) is not None:
            entry["exc"] = exc
        return orjson.dumps(entry, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        line = f"{stamp} {record.levelname:<7} {record.getMessage()}"
        fields = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        if (exc := _exception_text(self, record)) is not None:
            line += "\n" + exc
        return line


LogFormat = Literal["auto", "json", "console"]


def resolve_format(fmt: LogFormat) -> Literal["json", "console"]:
    if fmt == "auto":
        return "console" if sys.stderr.isatty() else "json"
    return fmt


def configure_logging(fmt: LogFormat, level: str = "INFO") -> None:
    """Send careergate's (and the server's) logs to stderr in the chosen format, through
    a ``SecretFilter``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if resolve_format(fmt) == "json" else ConsoleFormatter())
    secrets = SecretFilter()
    root = logging.getLogger()
    # Secrets registered before a reconfiguration stay masked after it.
    for old in root.handlers:
        for found in old.filters:
            if isinstance(found, SecretFilter):
                secrets.protect(*found.known)
    handler.addFilter(secrets)
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)


_HEAD = 4
"""The entries of a request's JSON line before its fields: time, level, logger, message."""


class RequestLog:
    """Writes the one line per request: ids and outcome, never content or secrets.

    In JSON mode the line is written straight to a buffered stream that is flushed every
    ``flush_seconds`` and on ``close()``, instead of through ``logging``: the logging
    machinery costs more per request than the rest of a proxied call's own work. The
    fields are ids and outcomes (a key's listed prefix, never its secret) and the
    labels the caller chose (user, feature, model), logged as given, without
    redaction. Elsewhere (a terminal) it goes through ``logging`` as usual.
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

    def log_request(self, record: UsageRecord, key_prefix: str | None) -> None:
        """Log the request ``record`` settled: who, what, where, how it ended, how long."""
        if not self._logger.isEnabledFor(logging.INFO):
            return
        usage = record.usage
        # The JSON line's entry, built in one go (every request is logged); orjson writes
        # the datetime itself: RFC 3339, as the other JSON lines.
        entry: dict[str, Any] = {
            "ts": record.created_at,
            "level": "info",
            "logger": self._logger.name,
            "msg": "request",
            "request_id": record.request_id,
            "key": key_prefix,
            "user": record.user_id,
            "feature": record.feature,
            "endpoint": record.endpoint,
            "model": record.model_requested,
            "deployment": record.deployment,
            "stream": record.stream,
            "status": record.status_code,
            "error": record.error_code,
            "attempts": record.attempts,
            "client": record.client,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "latency_ms": record.latency_ms,
        }
        if self._stream is None:  # through ``logging``: the fields after the line's head
            fields = dict(itertools.islice(entry.items(), _HEAD, None))
            self._logger.info("request", extra={"fields": fields})
            return
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
