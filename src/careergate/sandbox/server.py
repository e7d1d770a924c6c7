"""A fake OpenAI server on loopback: real HTTP, deterministic answers, programmable faults.

It serves what careergate forwards (chat completions plain and streamed, embeddings,
models) with OpenAI's wire format, including Azure OpenAI's deployment paths. Usage
counts are exact (tiktoken, offline). Every request is recorded for assertions,
including whether its client went away before the answer was complete.

This module runs it (in a thread of its own, on the caller's event loop, or in the
foreground) and is where it is programmed; ``app`` serves the requests.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from typing import Self

from aiohttp import web

from careergate.sandbox.app import build_app
from careergate.sandbox.faults import FaultPlan
from careergate.sandbox.ratelimits import UpstreamLimits
from careergate.sandbox.state import DEFAULT_MODELS, FakeOpenAIState, ReceivedRequest, Scripted
from careergate.tokenizer import TokenCounter


class FakeOpenAI:
    """A fake OpenAI API on ``127.0.0.1``, as a context manager (own thread) or in a loop.

    >>> with FakeOpenAI() as fake:
    ...     client = openai.OpenAI(base_url=fake.base_url, api_key="test")
    ...     fake.faults.enqueue(Fault(status=503), Fault(status=503))

    ``async with FakeOpenAI()`` runs it on the current event loop instead.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        models: tuple[str, ...] = DEFAULT_MODELS,
        api_key: str | None = None,
        seed: int = 0,
        stream_interval: float = 0.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """``ssl_context``: serve HTTPS with this server context (its certificate)."""
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.state = FakeOpenAIState(
            models=models,
            api_keys=frozenset({api_key}) if api_key is not None else None,
            faults=FaultPlan(seed),
            stream_interval=stream_interval,
        )
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None

    # -- programming and inspection ----------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def root_url(self) -> str:
        scheme = "http" if self.ssl_context is None else "https"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def faults(self) -> FaultPlan:
        return self.state.faults

    @property
    def requests(self) -> list[ReceivedRequest]:
        return list(self.state.requests)

    def accept_keys(self, *keys: str) -> None:
        """Accept exactly these API keys from now on (as a provider does after a rotation)."""
        self.state.api_keys = frozenset(keys)

    def script(self, contains: str, content: str) -> None:
        """Answer ``content`` to chat requests whose last message contains ``contains``."""
        self.state.scripts.append(Scripted(contains, content))

    def stream_in_pieces(self, size: int | None) -> None:
        """Stream replies in pieces of ``size`` characters, splitting words (``None``:
        word by word)."""
        self.state.stream_chunk_chars = size

    def limit_rate(self, limits: UpstreamLimits | None) -> None:
        """Enforce OpenAI-style rate limits per API key (``None``: none), from a fresh window."""
        self.state.rate_limits.set(limits)

    def reset(self) -> None:
        """Forget the programmed faults, limits and scripts, and the requests seen."""
        self.state.reset()

    # -- running -----------------------------------------------------------------------

    def build_app(self) -> web.Application:
        return build_app(self.state)

    async def start_async(self) -> None:
        TokenCounter().encoding("gpt-4o")  # load encodings before the first request
        self._runner = web.AppRunner(self.build_app(), handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.host, self.port, reuse_address=True, ssl_context=self.ssl_context
        )
        await site.start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]

    async def stop_async(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start_async()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_async()

    def start(self) -> Self:
        """Serve from a background thread with its own event loop."""
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            self._stopped = asyncio.Event()
            try:
                await self.start_async()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            await self._stopped.wait()
            await self.stop_async()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(main())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="careergate-fake-openai", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._stopped is None:
            return
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Serve in the foreground until interrupted (``careergate fake-upstream``)."""

        async def main() -> None:
            await self.start_async()
            try:
                await asyncio.Event().wait()
            finally:
                await self.stop_async()

        try:
            import uvloop

            uvloop.run(main())
        except KeyboardInterrupt:
            pass
