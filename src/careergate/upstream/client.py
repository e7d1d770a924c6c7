"""The pooled HTTP client that sends requests upstream, with deadlines and retries.

The connections are careergate's own small HTTP/1.1 client (``upstream/http1.py``):
measured on these machines it costs the event loop a fraction of what aiohttp's client
does per request, and it can abort a request in flight (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from careergate.errors import (
    AnswerCutOff,
    DeadlineExceeded,
    RateLimited,
    UpstreamAnswerBroken,
    UpstreamTlsError,
    UpstreamUnavailable,
    retry_headers,
)
from careergate.settings import TimeoutSettings
from careergate.upstream import http1
from careergate.upstream.deadline import Deadline
from careergate.upstream.keyring import Credential, HeldBack, KeyRing
from careergate.upstream.retry import (
    RetryBudget,
    RetryPolicy,
    is_retryable_status,
    parse_retry_after,
    sleep_at_least,
)
from careergate.upstream.router import Target
from careergate.upstream.tls import UpstreamTls

log = logging.getLogger("careergate.upstream")

_CONNECTION_ERRORS = (OSError, TimeoutError)
"""Connection refused or lost, TLS failures, timeouts of the connection (``ConnectionError``
and ``ssl.SSLError`` are ``OSError``s)."""
_URLS_KEPT = 4096
"""Parsed URLs kept (one per deployment, endpoint and model in use)."""


class StreamBroken(Exception):
    """The upstream's stream broke off (connection lost, body cut short)."""


@dataclass(slots=True)
class UpstreamReply:
    """A complete upstream answer (any status) and how many attempts it took."""

    status: int
    headers: Mapping[str, str]
    """Names in lower case."""
    body: bytes
    attempts: int


@dataclass(slots=True)
class UpstreamStream:
    """An upstream streaming answer whose headers have arrived (status 2xx).

    The caller reads it with ``read_chunk`` and must call ``close()`` when done; closing
    early drops the connection, which is what cancels the upstream's generation.
    """

    response: http1.Response
    attempts: int
    loop: asyncio.AbstractEventLoop | None = None

    async def read_chunk(self) -> bytes | None:
        """The next piece of the body as it arrived; ``None`` at its end."""
        try:
            return await self.response.read_chunk()
        except http1.UpstreamConnectionError as exc:
            raise StreamBroken(str(exc)) from exc

    def close(self) -> None:
        self.response.close()


GivenUp = Callable[[Target], Awaitable[None]]
"""Told that ``target`` did not answer an attempt in time and that the request may now
be sent again, to it or elsewhere; raises (``GivenUpUpstream``) if it must not be. It is
awaited before the request is sent again: what it records of the attempt (a budget
lease grown, ``core/steps/forward.py``) is written by then."""


class AttemptWatch(Protocol):
    """What the caller of an upstream call is told of its attempts, where the upstream
    may bill one the caller never sees answered."""

    def sent(self, target: Target) -> None:
        """An attempt's request was written whole to ``target``: from here on, an
        attempt given up may be billed (not before: a connection that never opened, or
        a handshake that never ended, bills nothing)."""

    def refused(self, target: Target) -> None:
        """``target`` answered the attempt with an error status: it bills nothing."""

    async def given_up(self, target: Target) -> None:
        """``GivenUp``."""


class UpstreamClient:
    """Sends one operation to one target, retrying what is worth retrying.

    Every attempt runs under the request's absolute deadline (``loop.time()`` based);
    a retry is not started if its wait would end past the deadline, nor when the target
    deployment's retry budget is spent (``retry.RetryBudget``).
    """

    def __init__(
        self,
        timeouts: TimeoutSettings,
        retry: RetryPolicy,
        keys: KeyRing,
        tls: UpstreamTls | None = None,
    ) -> None:
        self.retry = retry
        self.keys = keys
        self.tls = tls or UpstreamTls(None, ())
        self.timeouts = timeouts
        self._pool: http1.Pool | None = None
        self._urls: dict[tuple[str, ssl.SSLContext], http1.RequestUrl] = {}
        self._posts: dict[tuple[str, str, str, int], tuple[Credential, http1.PreparedPost]] = {}
        """The prepared head of each deployment's endpoint, model and key in use."""
        self._budgets: dict[str, RetryBudget] = {}
        """Per deployment, made on its first request."""
        self.loop: asyncio.AbstractEventLoop | None = None
        """The loop it runs on (known from ``start()``): saves a system call per lookup."""

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._pool = http1.Pool(
            self.loop, connect_timeout=self.timeouts.connect, read_timeout=self.timeouts.read
        )

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    @property
    def pool(self) -> http1.Pool:
        if self._pool is None:
            raise RuntimeError("UpstreamClient.start() was not awaited")
        return self._pool

    def _request_url(self, url: str, deployment: str) -> http1.RequestUrl:
        tls = self.tls.context(deployment)
        target = self._urls.get((url, tls))
        if target is None:
            if len(self._urls) >= _URLS_KEPT:
                self._urls.clear()
            target = self._urls[(url, tls)] = http1.RequestUrl.parse(url, tls)
        return target

    def _prepared(self, target: Target, path: str, credential: Credential) -> http1.PreparedPost:
        """The head of a model call to ``target``'s ``path`` with ``credential``, made
        once per deployment, endpoint, model and key (not per request)."""
        name = target.deployment.config.name
        key = (name, path, target.upstream_model, id(credential))
        found = self._posts.get(key)
        if found is not None and found[0] is credential:  # an id may be reused
            return found[1]
        url = target.deployment.provider.url(path, target.upstream_model)
        prepared = http1.PreparedPost.of(self._request_url(url, name), credential.headers)
        if len(self._posts) >= _URLS_KEPT:
            self._posts.clear()
        self._posts[key] = (credential, prepared)
        return prepared

    def budget(self, deployment: str) -> RetryBudget:
        """The retry budget of ``deployment`` in this process."""
        budget = self._budgets.get(deployment)
        if budget is None:
            budget = self._budgets[deployment] = self.retry.budget()
        return budget

    async def _wait_before_retry(
        self,
        attempt: int,
        retry_after: float | None,
        deadline: float,
        attempts: int | None,
        budget: RetryBudget,
    ) -> bool:
        """Sleep before the next attempt; ``False`` if there is to be none."""
        if attempts is not None and attempt >= attempts:
            return False
        delay = self.retry.delay(attempt, retry_after)
        loop = self.loop or asyncio.get_running_loop()
        now = loop.time()
        if delay is None or now + delay >= deadline:
            return False
        if not budget.withdraw(now):
            log.debug("retry budget spent: not retrying upstream attempt %d", attempt)
            return False
        log.debug("retrying upstream attempt %d in %.3fs", attempt + 1, delay)
        await sleep_at_least(delay)
        return True

    async def _hold_back(self, held: HeldBack, deadline: float) -> None:
        """Wait for an upstream rate-limit window to reset, or refuse if it resets too
        late (past the deadline or the longest wait a retry-after may impose)."""
        loop = self.loop or asyncio.get_running_loop()
        wait = held.until - loop.time()
        if wait > self.retry.retry_after_cap or held.until >= deadline:
            raise RateLimited(
                f"The upstream rate limit of every key of deployment '{held.deployment}' is "
                f"used up (by the upstream's own figures); careergate held the request back "
                f"rather than have it refused. Try again in {wait:.1f} s.",
                code="upstream_rate_limited",
                headers=retry_headers(wait),
            )
        log.debug("holding a request back %.3fs for deployment %s", wait, held.deployment)
        await asyncio.sleep(wait)

    async def request(
        self,
        target: Target,
        path: str,
        payload: bytes,
        deadline: float,
        request_id: str,
        tokens: int = 0,
        attempts: int | None = None,
        watch: AttemptWatch | None = None,
    ) -> UpstreamReply:
        """Send and read a whole answer. Connection failures and retryable statuses
        are retried while the deadline and the deployment's retry budget allow (up to
        ``attempts``, else the retry policy's ceiling); the last answer, whatever its
        status, is returned. ``tokens`` is what the request counts
        against the upstream's token limit (``headroom``). ``watch`` is told of each
        attempt sent whole, and of one the upstream did not answer in time before the
        request is sent again (``AttemptWatch``)."""
        reply = await self._send(
            target, path, payload, deadline, request_id, tokens, attempts, watch, stream=False
        )
        assert isinstance(reply, UpstreamReply)
        return reply

    async def open_stream(
        self,
        target: Target,
        path: str,
        payload: bytes,
        deadline: float,
        request_id: str,
        tokens: int = 0,
        attempts: int | None = None,
        watch: AttemptWatch | None = None,
    ) -> UpstreamStream | UpstreamReply:
        """Start a streamed answer. Until the upstream has answered 2xx nothing has
        reached the caller, so failures are retried as in ``request``; an error answer
        that is not retried comes back whole as an ``UpstreamReply``."""
        return await self._send(
            target, path, payload, deadline, request_id, tokens, attempts, watch, stream=True
        )

    async def _send(
        self,
        target: Target,
        path: str,
        payload: bytes,
        deadline: float,
        request_id: str,
        tokens: int,
        attempts: int | None,
        watch: AttemptWatch | None,
        *,
        stream: bool,
    ) -> UpstreamStream | UpstreamReply:
        loop = self.loop or asyncio.get_running_loop()
        budget = self.budget(target.deployment.name)
        budget.deposit(loop.time())
        on_sent = partial(watch.sent, target) if watch is not None else None
        attempt = 0
        while True:
            try:
                credential = self.keys.credential(target.deployment.name, tokens, loop.time())
            except HeldBack as held:
                await self._hold_back(held, deadline)
                continue
            attempt += 1
            # OpenAI records X-Client-Request-Id with the request: one id across both logs.
            prepared = self._prepared(target, path, credential)
            answering = False
            try:
                async with Deadline(deadline, self.loop) as scope:
                    try:
                        resp = await self.pool.post(prepared, payload, request_id, on_sent)
                        if resp.status >= 400 and watch is not None:
                            watch.refused(target)
                        if stream and resp.status < 300:
                            self.keys.learn(credential, resp.headers, loop.time())
                            return UpstreamStream(resp, attempt, self.loop)
                        answering = resp.status < 300
                        try:
                            body = await resp.read()
                        except _CONNECTION_ERRORS as exc:
                            if resp.status < 300 and not scope.expired:
                                raise _broken(target, attempt) from exc
                            raise
                        finally:
                            resp.close()
                    except ssl.SSLCertVerificationError as exc:
                        raise _untrusted(target.deployment.name, exc) from exc
                    except _CONNECTION_ERRORS as exc:
                        if scope.expired:
                            raise
                        if isinstance(exc, http1.Unanswered) and watch is not None:
                            await watch.given_up(target)  # it may bill it: raises to send no more
                        if await self._wait_before_retry(attempt, None, deadline, attempts, budget):
                            continue
                        raise _unavailable(target, exc) from exc
            except TimeoutError as exc:
                raise (_cut_off(target) if answering else _deadline(target)) from exc
            self.keys.learn(credential, resp.headers, loop.time())
            if resp.status == 401 and self.keys.has_alternative(credential):
                # This key is refused, not the request: take it out and use another now.
                await self.keys.quarantine(credential, "the upstream answered 401")
                continue
            if is_retryable_status(resp.status) and await self._wait_before_retry(
                attempt, parse_retry_after(resp.headers), deadline, attempts, budget
            ):
                continue
            return UpstreamReply(resp.status, resp.headers, body, attempt)

    async def get(
        self, deployment: str, url: str, headers: dict[str, str], deadline: float
    ) -> UpstreamReply:
        """A single GET to a deployment (model lists); no retries."""
        return await self.send_once("GET", deployment, url, headers, deadline)

    async def send_once(
        self,
        method: str,
        deployment: str,
        url: str,
        headers: dict[str, str],
        deadline: float,
        body: bytes = b"",
    ) -> UpstreamReply:
        """One request to a deployment outside the request path (a kept answer fetched,
        a batch's file uploaded); no retries."""
        try:
            async with Deadline(deadline):
                where = self._request_url(url, deployment)
                resp = await self.pool.request(method, where, headers, body)
                try:
                    return UpstreamReply(resp.status, resp.headers, await resp.read(), 1)
                finally:
                    resp.close()
        except TimeoutError as exc:
            raise DeadlineExceeded("The upstream did not answer in time.") from exc
        except ssl.SSLCertVerificationError as exc:
            raise _untrusted(deployment, exc) from exc
        except OSError as exc:
            raise UpstreamUnavailable(
                f"Could not reach the upstream: {type(exc).__name__}."
            ) from exc


def _untrusted(deployment: str, exc: ssl.SSLCertVerificationError) -> UpstreamTlsError:
    reason = exc.verify_message or type(exc).__name__
    return UpstreamTlsError(
        f"The TLS certificate of upstream deployment '{deployment}' could not be verified "
        f"({reason}), so careergate sent it nothing. If it is signed by a private CA, the "
        "operator can trust that CA with CAREERGATE_UPSTREAM_CA_FILE or the deployment's "
        "ca_file.",
    )


def _unavailable(target: Target, exc: BaseException) -> UpstreamUnavailable:
    reason = "it did not answer in time" if isinstance(exc, TimeoutError) else type(exc).__name__
    return UpstreamUnavailable(
        f"Could not reach upstream deployment '{target.deployment.name}' ({reason}). "
        "The request may be retried.",
    )


def _broken(target: Target, attempts: int) -> UpstreamAnswerBroken:
    return UpstreamAnswerBroken(
        f"Upstream deployment '{target.deployment.name}' broke off its answer midway; it "
        "was not sent again, since the upstream bills it.",
        target,
        attempts,
    )


def _cut_off(target: Target) -> AnswerCutOff:
    return AnswerCutOff(
        f"The time given passed while deployment '{target.deployment.name}' was sending "
        "its answer.",
        code="deadline_exceeded",
    )


def _deadline(target: Target) -> DeadlineExceeded:
    return DeadlineExceeded(
        f"The request's deadline passed while waiting for deployment '{target.deployment.name}'.",
        code="deadline_exceeded",
    )
