"""A load generator for the scale-out tests: callers with the official openai SDK, each
outcome kept as the caller saw it (answer or error, tokens, request id, times)."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai

MESSAGES = [{"role": "user", "content": "Improve this bullet: shipped the search service"}]


@dataclass
class Outcome:
    """One request as its caller saw it."""

    started: float
    ended: float
    stream: bool
    error: str | None = None
    """``None`` when answered; else the error's code, or ``HTTP <status>``, or the
    connection error's class."""
    status: int | None = None
    request_id: str | None = None
    message: str | None = None
    """The error's message, if any."""
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


class CountingTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, keeping every attempt's fate, retried or not: what the SDK's
    retries would otherwise hide."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.attempts = 0
        self.lost: list[str] = []
        """Attempts that got no answer: the exception's class and message."""
        self.failed_statuses: list[int] = []
        """Attempts answered with a 5xx."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        try:
            response = await super().handle_async_request(request)
        except httpx.TransportError as lost:
            self.lost.append(f"{type(lost).__name__}: {lost}")
            raise
        if response.status_code >= 500:
            self.failed_statuses.append(response.status_code)
        return response


def async_client(
    base_url: str, key: str, connections: int = 64, retries: int = 0
) -> openai.AsyncOpenAI:
    """An SDK client; by default it does not retry: every failure is counted, none
    hidden. Its transport (``CountingTransport``) counts every attempt either way."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return openai.AsyncOpenAI(
        base_url=base_url,
        api_key=key,
        max_retries=retries,
        timeout=60,
        http_client=httpx.AsyncClient(transport=CountingTransport(limits=limits)),
    )


def transport(client: openai.AsyncOpenAI) -> CountingTransport:
    counting = client._client._transport  # the client's own httpx client and transport
    assert isinstance(counting, CountingTransport)
    return counting


async def ask(client: openai.AsyncOpenAI, model: str = "gpt-4o-mini", **extra: Any) -> Outcome:
    """One chat completion."""
    started = time.monotonic()
    try:
        raw = await client.chat.completions.with_raw_response.create(
            model=model, messages=MESSAGES, **extra
        )
    except openai.APIStatusError as refused:
        return Outcome(
            started,
            time.monotonic(),
            False,
            str(refused.code or f"HTTP {refused.status_code}"),
            refused.status_code,
            refused.response.headers.get("x-request-id"),
            message=refused.message,
        )
    except openai.APIConnectionError as lost:
        return Outcome(started, time.monotonic(), False, type(lost).__name__)
    completion = raw.parse()
    usage = completion.usage
    assert usage is not None
    return Outcome(
        started,
        time.monotonic(),
        False,
        status=raw.status_code,
        request_id=raw.headers.get("x-request-id"),
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
    )


async def ask_streamed(
    client: openai.AsyncOpenAI, model: str, messages: list[dict[str, str]] = MESSAGES
) -> Outcome:
    """One streamed chat completion, read to its end; answered only if the stream ended
    with its usage chunk (a cut stream is an error)."""
    started = time.monotonic()
    try:
        raw = await client.chat.completions.with_raw_response.create(
            model=model, messages=messages, stream=True, stream_options={"include_usage": True}
        )
        outcome = Outcome(started, 0.0, True, "stream cut", raw.status_code)
        outcome.request_id = raw.headers.get("x-request-id")
        async for chunk in raw.parse():
            if chunk.usage is not None:
                outcome.prompt_tokens = chunk.usage.prompt_tokens
                outcome.completion_tokens = chunk.usage.completion_tokens
                outcome.error = None
    except openai.APIStatusError as refused:
        code = str(refused.code or f"HTTP {refused.status_code}")
        return Outcome(started, time.monotonic(), True, code, refused.status_code)
    except (openai.APIConnectionError, openai.APIError, httpx.HTTPError) as lost:
        return Outcome(started, time.monotonic(), True, type(lost).__name__)
    outcome.ended = time.monotonic()
    return outcome


async def burst(
    base_url: str, key: str, count: int, concurrency: int, **extra: Any
) -> list[Outcome]:
    """``count`` requests, ``concurrency`` at a time."""
    client = async_client(base_url, key, concurrency)
    gate = asyncio.Semaphore(concurrency)

    async def one() -> Outcome:
        async with gate:
            return await ask(client, **extra)

    try:
        return list(await asyncio.gather(*(one() for _ in range(count))))
    finally:
        await client.close()


@dataclass
class SteadyLoad:
    """Callers that keep asking, from a thread of their own, until ``stop``, at about
    ``rate`` requests a second in all: every ``stream_every``-th request of each caller
    is a stream of ``stream_model``. The rate leaves the machine's cores to the replicas
    starting and stopping under the load."""

    base_url: str
    key: str
    callers: int = 8
    rate: float = 40.0
    stream_every: int = 4
    stream_model: str = "gpt-4.1"
    retries: int = 0
    """The SDK's retries (its default is 2)."""
    outcomes: list[Outcome] = field(default_factory=list)
    attempts: CountingTransport | None = None
    """Every attempt the callers made, retried or not."""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> SteadyLoad:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=120)
        return self.outcomes

    def answered_since(self, moment: float) -> int:
        return sum(1 for o in list(self.outcomes) if o.ok and o.started >= moment)

    async def _run(self) -> None:
        client = async_client(self.base_url, self.key, self.callers, self.retries)
        self.attempts = transport(client)
        try:
            await asyncio.gather(*(self._caller(client, n) for n in range(self.callers)))
        finally:
            await client.close()

    async def _caller(self, client: openai.AsyncOpenAI, n: int) -> None:
        sent = n  # callers start at different points of the stream cycle
        pace = self.callers / self.rate
        due = time.monotonic() + pace * n / self.callers
        while not self._stop.is_set():
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            due += pace
            sent += 1
            if self.stream_every and sent % self.stream_every == 0:
                outcome = await ask_streamed(client, self.stream_model)
            else:
                outcome = await ask(client)
            self.outcomes.append(outcome)
