"""Forward: send the call along its route and answer (whole, or as a stream).

The route is tried in order by ``failover`` (breakers, fallbacks); each target gets the
upstream client's retries and the call's deadline. The answer is checked by the
endpoint's spec and the personal data the privacy step replaced is put back.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import orjson

from careergate.budgets.ledger import Reservation
from careergate.core.call import Call, Outcome, Reply, StreamReply
from careergate.core.streaming import StreamTally, relay, sse_error
from careergate.endpoints.facts import ModelFacts
from careergate.errors import (
    DeadlineExceeded,
    GatewayError,
    GivenUpUpstream,
    RouteExhausted,
    UpstreamAnswerBroken,
    UpstreamInvalidResponse,
)
from careergate.security.secrets import SecretScanner
from careergate.upstream.client import AttemptWatch, UpstreamClient, UpstreamReply, UpstreamStream
from careergate.upstream.failover import Failover, Send
from careergate.upstream.router import Target
from careergate.upstream.validation import Scrub, parse_object, upstream_status_error
from careergate.usage.checks import Answered, UsageCheck
from careergate.usage.record import TokenUsage

T = TypeVar("T")
Operation = Callable[[Target, str, bytes, float, str, int, int | None, AttemptWatch], Awaitable[T]]
"""``UpstreamClient.request`` or ``open_stream``."""
Extend = Callable[[Reservation, Target, TokenUsage, float], Awaitable[bool]]
"""Grows a reservation's lease by an attempt given up, at its most on its target, by a
deadline; ``False`` if it could not (``steps/reserve.py``, ``ExtendLease``)."""

Json = dict[str, object]


class Forward:
    def __init__(
        self,
        upstream: UpstreamClient,
        failover: Failover,
        usage: UsageCheck,
        facts: Callable[[str], ModelFacts],
        secrets: SecretScanner,
        unseen_output: int,
        extend: Extend,
    ) -> None:
        self.upstream = upstream
        self.failover = failover
        self.usage = usage
        self.facts = facts
        """The model's limits from the catalogue, which its usage is judged by."""
        self.unseen_output = unseen_output
        """The output counted, for each choice, for an answer not received whole whose
        request set no ceiling (at most the model's own): the ceiling a hard budget
        would have sent it with (``budget_max_output_tokens``)."""
        self.secrets = secrets
        """The gateway's secret detector, which knows its upstream keys: what an upstream
        wrote reaches the caller (and its records) only through it."""
        self.extend = extend
        """Grows a request's budget lease before it is sent again (``_Attempts``)."""

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        if call.stream:
            return await self._open_stream(call)
        return await self._complete(call)

    async def _complete(self, call: Call) -> Reply:
        outcome = call.outcome
        try:
            reply, target = await self._send_along(call, self.upstream.request)
        except UpstreamAnswerBroken as broken:
            outcome.target, outcome.attempts = broken.target, broken.attempts
            outcome.usage = self._at_most(call, broken.target, str)
            raise
        outcome.attempts = reply.attempts
        if reply.status >= 400:
            raise upstream_status_error(
                reply.status,
                reply.headers,
                reply.body,
                target.deployment.name,
                scrub=self._scrubber(call),
            )
        try:
            answer = parse_object(reply.body)
        except UpstreamInvalidResponse:
            outcome.usage = self._at_most(call, target, str)
            raise
        try:
            call.endpoint.check_answer(call.body, answer)
        except UpstreamInvalidResponse:
            outcome.usage = self._billed_unread(call, target, answer)
            raise
        answered = self._answered(call, target, lambda: call.endpoint.answer_text(answer))
        outcome.usage = self.usage.check(call.endpoint.usage_of(answer), answered)
        served = answer.get("model")
        outcome.model_served = served if isinstance(served, str) and served else None
        if call.on_answer is not None:
            await call.on_answer(answer)
        if call.keep is not None and _keeps(call, target, answer):
            call.keep(reply.body, outcome.usage, outcome.model_served)
        body = reply.body
        if call.protection is not None and call.protection.restore_answer(answer):
            body = orjson.dumps(answer)
        upstream_id = self._upstream_id(call, reply)
        return Reply(body, _headers(target, reply.attempts, upstream_id, outcome))

    def _upstream_id(self, call: Call, reply: UpstreamReply) -> str | None:
        """The upstream's ``x-request-id``, relayed for support tickets only when it has an
        id's form and holds no credential: an upstream (or a proxy before it) that writes
        what it was sent there would otherwise hand the caller the gateway's key. The
        form is checked first: most ids need no scan."""
        value = reply.headers.get("x-request-id")
        if value is None or not _REQUEST_ID.fullmatch(value):
            return None
        return value if self.secrets.scrub(value, call.credentials) == value else None

    def _at_most(self, call: Call, target: Target, received: Callable[[], str]) -> TokenUsage:
        """The request's own answer generated and billed but not received whole
        (``_most``)."""
        call.outcome.unseen_output = True
        return self._most(call, target, received)

    def _most(self, call: Call, target: Target, received: Callable[[], str]) -> TokenUsage:
        """An answer generated and billed but not received whole: its prompt counted, its
        output at the most it could have been (the request's ceiling times its choices;
        without one, ``unseen_output``, the length unknown), and never less than the
        ``received`` text."""
        usage = self.usage.estimate(self._answered(call, target, received))
        ceiling = call.endpoint.output_ceiling(call.body) or min(
            self.unseen_output, self.facts(target.model).max_output
        )
        at_most = ceiling * call.endpoint.choices(call.body)
        usage.completion_tokens = max(usage.completion_tokens, at_most)
        return usage

    def _billed_unread(self, call: Call, target: Target, answer: Json) -> TokenUsage:
        """An answer received but not one the caller can be given (without the results
        asked for): billed all the same, so what its ``usage`` says when that can be
        taken, else as an answer not received whole (an answer that is not a JSON object
        is one such)."""

        def received() -> str:  # the answer's text, as far as it can be read
            try:
                return call.endpoint.answer_text(answer)
            except (AttributeError, IndexError, KeyError, TypeError, ValueError):
                return ""

        answered = self._answered(call, target, received)
        usage = self.usage.check(call.endpoint.usage_of(answer), answered)
        return self._at_most(call, target, received) if usage.corrected is not None else usage

    async def _open_stream(self, call: Call) -> StreamReply:
        form = call.endpoint.stream
        assert form is not None, "only endpoints that stream are asked for a stream"
        caller_wants_usage = form.usage_asked(call.body)
        # Usage is always asked for, so that streamed tokens are metered like any others.
        changes = None if caller_wants_usage else form.ask_usage(call.body)
        opened, target = await self._send_along(call, self.upstream.open_stream, changes)
        call.outcome.attempts = opened.attempts
        if isinstance(opened, UpstreamReply):
            raise upstream_status_error(
                opened.status,
                opened.headers,
                opened.body,
                target.deployment.name,
                scrub=self._scrubber(call),
            )
        return self._stream_reply(call, opened, target, caller_wants_usage)

    def _stream_reply(
        self, call: Call, opened: UpstreamStream, target: Target, forward_usage: bool
    ) -> StreamReply:
        """The caller's stream: relayed, restored, and settled exactly once when it ends,
        breaks, or is abandoned by the caller."""
        form = call.endpoint.stream
        assert form is not None
        outcome = call.outcome
        tally = StreamTally(form, assembler=form.assembler() if call.keep is not None else None)
        restorer = call.protection.stream_restorer() if call.protection is not None else None
        events = relay(
            opened,
            call.deadline,
            tally,
            request_id=call.request_id,
            forward_usage_chunk=forward_usage,
            scrub=self._scrubber(call),
            rewrite=restorer,
        )

        def finish() -> None:
            if outcome.settled:
                return
            opened.close()  # drops the upstream connection if the stream did not finish
            outcome.model_served = tally.model
            answered = self._answered(call, target, lambda: "".join(tally.text))
            if tally.usage is None and not tally.done:  # cut short: the upstream could not say
                outcome.usage = self.usage.estimate(answered)
            else:
                outcome.usage = self.usage.check(tally.usage, answered)
            if tally.assembler is not None and tally.done and outcome.error_code is None:
                assert call.keep is not None
                answer = tally.assembler.answer()
                if _keeps(call, target, answer):
                    call.keep(orjson.dumps(answer), outcome.usage, tally.model)
            call.settle()

        async def guarded() -> AsyncIterator[bytes]:
            # Settled before the last event (``[DONE]`` or an error) is written: the
            # record is journalled before the caller can see that the stream ended.
            try:
                async for event in events:
                    if tally.done and not outcome.settled:
                        finish()
                        final = form.final_answer(tally.last) if tally.last else None
                        if final is not None and call.on_answer is not None:
                            await call.on_answer(final)
                    yield event
            except GatewayError as error:
                outcome.fail(error)
                finish()
                yield sse_error(error, call.request_id)
            except (asyncio.CancelledError, GeneratorExit):
                outcome.client_closed()
                raise
            finally:
                finish()

        def abandon() -> None:
            if not outcome.settled and not tally.done and outcome.error_code is None:
                outcome.client_closed()
            finish()

        return StreamReply(_headers(target, opened.attempts, None, outcome), guarded(), abandon)

    def _answered(self, call: Call, target: Target, generated: Callable[[], str]) -> Answered:
        """The answered call, as the usage check sees it."""
        model, spec = target.model, call.endpoint
        ceilings = spec.usage_ceilings(call.body, self.facts(model))
        name = target.deployment.name
        return Answered(spec, call.body, model, ceilings, generated, name, call.request_id)

    def _scrubber(self, call: Call) -> Scrub:
        """Takes out of an upstream's text every credential the gateway holds, the
        caller's own, and any of a published shape."""
        secrets, known = self.secrets, call.credentials
        return lambda text: secrets.scrub(text, known)

    async def _send_along(
        self, call: Call, operation: Operation[T], changes: Json | None = None
    ) -> tuple[T, Target]:
        """Send along the route (``failover``); note where the request ended up."""
        route, outcome = call.route, call.outcome
        assert route is not None, "the call is routed before it is forwarded"
        loop = self.upstream.loop or asyncio.get_running_loop()
        watch = _Attempts(call, self._most, self.extend)
        send = self._sender(call, operation, changes, watch)
        try:
            served = await self.failover.run(route, call.deadline, loop, send, watch.given_up)
        except (asyncio.CancelledError, DeadlineExceeded):
            self._left_upstream(call)
            raise
        except RouteExhausted as error:
            if isinstance(error.last, DeadlineExceeded):  # the last had it: it may bill it
                self._left_upstream(call)
            raise
        target = served.target
        outcome.target = target
        if served.fell_back or target.model != route.model:
            outcome.fallback = True
            reasons = "; ".join(served.failed) or "the first choices' breakers are open"
            fallback = f"fallback to {target.deployment.name} ({target.model}): {reasons}"
            notes = [outcome.route_note, fallback] if outcome.route_note else [fallback]
            outcome.route_note = "; ".join(notes)[:400]
        return served.result, target

    def _left_upstream(self, call: Call) -> None:
        """A request handed to an upstream, then given up (its caller left, or its
        deadline passed before the answer): the upstream bills what it received, and may
        finish the answer unseen, so it is metered as an answer not received whole. One
        given up before it was written whole (connecting), or between attempts (the last
        one metered already, ``_Attempts``), bills nothing more."""
        outcome = call.outcome
        if outcome.handed is not None and outcome.usage is None:
            outcome.attempts = max(outcome.attempts, 1)
            outcome.usage = self._at_most(call, outcome.handed, str)

    def _sender(
        self, call: Call, operation: Operation[T], changes: Json | None, watch: AttemptWatch
    ) -> Send[T]:
        """How ``failover`` sends the request to one target: only the last target on the
        route gets the retry policy; the others, one attempt each."""
        spec = call.endpoint

        # Hands back the operation's own awaitable: no coroutine frame of its own to
        # resume each time the upstream call wakes up.
        def send(target: Target, deadline: float, last: bool) -> Awaitable[T]:
            call.outcome.target = target  # its record names where it went, answered or not
            payload = _payload(call, target, changes)
            tokens = spec.upstream_estimate(payload, call.body)
            attempts = None if last else 1
            return operation(
                target, spec.path, payload, deadline, call.request_id, tokens, attempts, watch
            )

        return send


class _Attempts:
    """The request's attempts as the upstream may bill them (``AttemptWatch``): one
    written whole is the request's to meter if it ends there (``Outcome.handed``); one
    given up before the request is sent again is metered with it at its most
    (``Outcome.given_up``), or, under a hard budget, which holds one answer, ends it
    there (``GivenUpUpstream``). Under soft budgets the request's lease grows by it first
    (``extend``), so that a reaper settling the lease after a crash charges every attempt
    the upstream may bill; a lease that cannot grow ends the request there too."""

    __slots__ = ("call", "extend", "most")

    def __init__(
        self,
        call: Call,
        most: Callable[[Call, Target, Callable[[], str]], TokenUsage],
        extend: Extend,
    ):
        self.call = call
        self.most = most
        self.extend = extend

    def sent(self, target: Target) -> None:
        self.call.outcome.handed = target

    def refused(self, target: Target) -> None:
        if self.call.outcome.handed is target:
            self.call.outcome.handed = None

    async def given_up(self, target: Target) -> None:
        outcome = self.call.outcome
        handed = outcome.handed
        if handed is not target:
            return  # never left whole (the connection did not open), or answered already
        reservation = outcome.reservation
        if reservation is not None and reservation.hard:
            raise _not_sent_again(handed, "the hard budget this request is under holds one")
        most = self.most(self.call, handed, str)
        # Counted only once the lease covers it: until then (and if it cannot) the
        # attempt stays ``handed``, metered at its most if the request ends there.
        if reservation is not None and not await self.extend(
            reservation, handed, most, self.call.deadline
        ):
            raise _not_sent_again(handed, "its budget reservation could not be grown to cover it")
        outcome.given_up.append((handed, most))
        outcome.handed = None


def _not_sent_again(handed: Target, because: str) -> GivenUpUpstream:
    """The request ends with the attempt given up: it is not sent again ``because``."""
    return GivenUpUpstream(
        f"Upstream deployment '{handed.deployment.name}' was sent the request and did not "
        f"answer in time. It may bill that answer, and {because}, so careergate did not "
        "send it again; retry the request.",
        code="deadline_exceeded",
    )


def _keeps(call: Call, target: Target, answer: Json) -> bool:
    """Whether the response cache keeps ``answer``: only a whole one (``CacheForm.complete``)
    of the model the request's key names. A fallback model's answer would otherwise be
    served as the requested model's for the whole time to live, long after that model is
    back."""
    form, route = call.endpoint.cache, call.route
    if form is None or route is None or target.model != route.model:
        return False
    return form.complete(answer, call.body)


def _payload(call: Call, target: Target, changes: Json | None) -> bytes:
    """The body to send to ``target``: the call's own bytes unless something must change."""
    if not changes and target.upstream_model == call.model:
        return call.payload()
    body = dict(call.body)
    body.update(changes or {})
    body["model"] = target.upstream_model
    return orjson.dumps(body)


_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def _headers(
    target: Target, attempts: int, upstream_id: str | None, outcome: Outcome
) -> dict[str, str]:
    """careergate's response headers: where and how the request was served."""
    headers = {
        "x-careergate-deployment": target.deployment.name,
        "x-careergate-cache": outcome.cache or "bypass",
    }
    # Each header costs the server time on every response: only those that say something.
    if attempts > 1:
        headers["x-careergate-attempts"] = str(attempts)
    if target.model != outcome.model:
        headers["x-careergate-model"] = target.model
    if outcome.route_note:
        headers["x-careergate-route"] = outcome.route_note[:300]
    if outcome.deprecation:
        headers["x-careergate-deprecation"] = outcome.deprecation
    if upstream_id is not None:
        headers["x-upstream-request-id"] = upstream_id
    return headers
