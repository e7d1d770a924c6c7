"""The gateway: the one path every model call takes.

``Gateway.run`` takes an incoming request through authenticate, parse, authorize,
rate-limit, choose the model, route, the privacy step, reserve in budgets, upstream
(with retries and the deadline), validate and settle. Settling (usage record with its
cost, audit entry, metrics, budget settlement and the request's log line) happens
exactly once per request, whatever the outcome, including a caller that went away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import orjson

from careergate.audit.entry import AuditEntry
from careergate.auth.authenticator import Authenticator
from careergate.auth.principal import Role
from careergate.budgets.ledger import Attribution, BudgetLedger, Reservation
from careergate.core.call import Call, Incoming, Outcome, Reply, StreamReply
from careergate.core.requests import parse_request
from careergate.core.streaming import StreamTally, relay, sse_error
from careergate.errors import GatewayError, InternalError, InvalidRequest, PermissionDenied
from careergate.models.choice import Choice
from careergate.models.chooser import ModelChooser
from careergate.observability.logs import RequestLog
from careergate.observability.metrics import GatewayMetrics
from careergate.pricing.catalogue import PriceCatalogue, nano_from_pico
from careergate.privacy.shield import EXTENSION, PrivacyShield
from careergate.ratelimit.limiter import RateLimiter
from careergate.settings import BreakerSettings, TimeoutSettings
from careergate.storage.buffered import RecordSink
from careergate.tokenizer import TokenCounter
from careergate.upstream.client import UpstreamClient, UpstreamReply
from careergate.upstream.failover import Failover, Send
from careergate.upstream.headroom import estimate_tokens
from careergate.upstream.health import HealthBoard
from careergate.upstream.providers import Endpoint
from careergate.upstream.router import Route, Router, Target
from careergate.upstream.validation import ANSWER_CHECKS, parse_object, upstream_status_error
from careergate.usage.record import TokenUsage, UsageRecord

log = logging.getLogger("careergate.gateway")

T = TypeVar("T")
Operation = Callable[[Target, Endpoint, bytes, float, str, int, int | None], Awaitable[T]]
"""``UpstreamClient.request`` or ``open_stream``."""

CLIENT_CLOSED = 499
"""Recorded status of a request whose caller went away (nginx's convention)."""


class Gateway:
    def __init__(
        self,
        *,
        auth: Authenticator,
        router: Router,
        upstream: UpstreamClient,
        usage: RecordSink[UsageRecord],
        timeouts: TimeoutSettings,
        limiter: RateLimiter | None = None,
        prices: PriceCatalogue | None = None,
        budgets: BudgetLedger | None = None,
        budget_max_output_tokens: int = 4096,
        request_log: RequestLog | None = None,
        tokens: TokenCounter | None = None,
        metrics: GatewayMetrics | None = None,
        failover: Failover | None = None,
        chooser: ModelChooser | None = None,
        privacy: PrivacyShield | None = None,
        audit: RecordSink[AuditEntry] | None = None,
    ) -> None:
        self.auth = auth
        self.router = router
        self.upstream = upstream
        self.usage = usage
        self._default_timeout = timeouts.total
        self.request_log = request_log or RequestLog()
        self.limiter = limiter
        self.prices = prices or PriceCatalogue.shipped()
        self.budgets = budgets
        self._budget_max_output = budget_max_output_tokens
        self.tokens = tokens or TokenCounter()
        self.metrics = metrics
        self.chooser = chooser or ModelChooser()
        self.privacy = privacy
        self.audit = audit
        self.failover = failover or Failover(
            HealthBoard([d.name for d in router.deployments], BreakerSettings()),
            timeouts.attempt,
        )

    # -- the path ------------------------------------------------------------------------

    async def run(self, incoming: Incoming) -> Reply | StreamReply:
        outcome = Outcome(incoming.request_id, incoming.endpoint, client=incoming.client)
        handed_over = False
        try:
            call = await self._admit(incoming, outcome)
            route = self._route(call, outcome)
            if self.privacy is not None or EXTENSION in call.body:
                await self._protect(call, outcome)
            if self.budgets is not None:
                outcome.reservation = await self._reserve(call, route)
            if call.stream:
                reply = await self._open_stream(call, route, outcome)
                handed_over = True  # the stream settles when it ends
                return reply
            return await self._complete(call, route, outcome)
        except GatewayError as error:
            outcome.fail(error)
            raise
        except asyncio.CancelledError:
            outcome.status, outcome.error_code = CLIENT_CLOSED, "client_closed"
            raise
        except Exception as exc:
            log.exception(
                "unexpected failure", extra={"fields": {"request_id": incoming.request_id}}
            )
            internal = InternalError(
                "careergate failed unexpectedly while handling this request; "
                "quote the request id when reporting it."
            )
            outcome.fail(internal)
            raise internal from exc
        finally:
            if not handed_over:
                self._settle(outcome)

    async def _admit(self, incoming: Incoming, outcome: Outcome) -> Call:
        """Authenticate, read and parse, attribute and authorize the request."""
        principal = await self.auth.authenticate(incoming.secret)
        outcome.principal = principal
        # The key's own attribution until the request's is read and allowed, so that even
        # a malformed request counts against its key's user and feature.
        outcome.user, outcome.feature = principal.user, principal.feature
        raw = await incoming.read_body()
        body = parse_request(incoming.endpoint, raw)
        outcome.model = _label(body["model"], "model")
        outcome.stream = bool(body.get("stream"))
        named_user = _label(incoming.user or _str_or_none(body.get("user")), "user")
        user: str | None
        if incoming.user_token is not None:
            # A verified token is proof of the user: no act-for-users permission needed.
            user = (await self.auth.end_user(incoming.user_token)).user
            named_user = None
        else:
            user = named_user or principal.user
        feature = _label(incoming.feature, "x-careergate-feature") or principal.feature
        outcome.user, outcome.feature = user, feature
        timeout = self._default_timeout
        if incoming.timeout is not None and 0 < incoming.timeout < timeout:
            timeout = incoming.timeout
        deadline = self._loop().time() + timeout
        call = Call(
            incoming.request_id, incoming.endpoint, principal, body, raw, deadline, user, feature
        )
        _authorize(call, named_user, incoming.feature)
        call.choice = self._choose(call)
        if self.limiter is not None and self.limiter.applies_to(principal):
            await self.limiter.admit(principal, call.endpoint, body, user, feature)
        return call

    async def _protect(self, call: Call, outcome: Outcome) -> None:
        """The privacy step: personal data replaced in the body before it leaves, and
        careergate's own field taken out of it."""
        extension = call.body.pop(EXTENSION, None)
        protection = None
        if self.privacy is not None:
            protection = await self.privacy.protect(
                call.endpoint, call.body, extension, call.principal.privacy, call.feature, call.user
            )
        if protection is not None:
            outcome.pii_kinds, outcome.pii_action = protection.kinds, protection.action
            refusal = protection.refusal(call.endpoint)
            if refusal is not None:
                raise refusal
            if protection.replaced:
                call.protection = protection  # only then can the answer hold placeholders
        if call.protection is not None or extension is not None:
            call.raw = orjson.dumps(call.body)

    def _choose(self, call: Call) -> Choice:
        """The model to serve the request (alias, canary, policy), if the key may use it."""
        choice = self.chooser.choose(call.model, call.feature, call.body)
        principal = call.principal
        if not principal.may_use_model(call.model) and not (
            choice.model != call.model and principal.may_use_model(choice.model)
        ):
            raise PermissionDenied(
                f"The key {principal.key_prefix}... is not allowed to use the model "
                f"`{call.model}`.",
                code="model_not_allowed",
                param="model",
            )
        if choice.changes:
            call.body.update(choice.changes)
            if "max_completion_tokens" in choice.changes:
                call.body.pop("max_tokens", None)
            call.raw = orjson.dumps(call.body)
        return choice

    def _route(self, call: Call, outcome: Outcome) -> Route:
        assert call.choice is not None
        model = call.choice.model
        route = self.router.route(model)
        outcome.target = route.primary
        outcome.route_note = call.choice.note
        outcome.deprecation = self.chooser.deprecation(model)
        return route

    async def _send_along(
        self, call: Call, route: Route, outcome: Outcome, send: Send[T]
    ) -> tuple[T, Target]:
        """Send along the route (``failover``); note where the request ended up."""
        served = await self.failover.run(route, call.deadline, self._loop(), send)
        target = served.target
        outcome.target = target
        if served.fell_back or target.model != route.model:
            outcome.fallback = True
            reasons = "; ".join(served.failed) or "the first choices' breakers are open"
            fallback = f"fallback to {target.deployment.name} ({target.model}): {reasons}"
            notes = [outcome.route_note, fallback] if outcome.route_note else [fallback]
            outcome.route_note = "; ".join(notes)[:400]
        return served.result, target

    def _sender(
        self, call: Call, operation: Operation[T], changes: dict[str, Any] | None = None
    ) -> Send[T]:
        """How ``failover`` sends the request to one target: only the last target on the
        route gets the retry policy; the others, one attempt each."""

        # Hands back the operation's own awaitable: no coroutine frame of its own to
        # resume each time the upstream call wakes up.
        def send(target: Target, deadline: float, last: bool) -> Awaitable[T]:
            payload = self._payload(call, target, changes)
            tokens = estimate_tokens(payload, call.body)
            attempts = None if last else 1
            return operation(
                target, call.endpoint, payload, deadline, call.request_id, tokens, attempts
            )

        return send

    def _loop(self) -> asyncio.AbstractEventLoop:
        return self.upstream.loop or asyncio.get_running_loop()

    async def _reserve(self, call: Call, route: Route) -> Reservation | None:
        """Hold the request's worst-case cost in the budgets that apply to it (at the
        dearest price on its route, since a fallback may serve it)."""
        assert self.budgets is not None
        if self.budgets.none_defined and call.principal.budget_nano_usd is None:
            return None  # the common case costs one attribute read
        subjects = Attribution(call.principal.key_id, call.user, call.principal.team, call.feature)
        budgets = await self.budgets.applicable(subjects, call.principal.budget_nano_usd)
        if not budgets:
            return None
        prices = [
            self.prices.price(target.upstream_model) or self.prices.price(target.model)
            for tier in route.tiers
            for target in tier
        ]
        if None in prices:
            if any(b.hard for b in budgets):
                unpriced = route.model if prices[0] is None else "a fallback model"
                raise InvalidRequest(
                    f"The model `{unpriced}` has no price in the catalogue, so "
                    f"`{call.model}` cannot be used under a hard budget.",
                    code="model_not_priced",
                    param="model",
                )
            return await self.budgets.reserve(budgets, 0, call.deadline)
        body = call.body
        if call.endpoint is Endpoint.CHAT:
            ceiling = body.get("max_completion_tokens") or body.get("max_tokens")
            if not ceiling:
                # Without a ceiling the worst case is unknown: set one.
                ceiling = self._budget_max_output
                body["max_completion_tokens"] = ceiling
                call.raw = orjson.dumps(body)
            prompt = self.tokens.chat_prompt_tokens(route.model, body["messages"])
            worst = TokenUsage(prompt_tokens=prompt, completion_tokens=int(ceiling))
        else:
            worst = TokenUsage(
                prompt_tokens=self.tokens.embedding_input_tokens(route.model, body["input"])
            )
        # A token or two of slack: the upstream's count may differ from ours by a token.
        cost = max(
            nano_from_pico(price.cost_pico(worst)) + nano_from_pico(2 * price.input)
            for price in prices
            if price is not None
        )
        return await self.budgets.reserve(budgets, cost, call.deadline)

    def _payload(self, call: Call, target: Target, changes: dict[str, Any] | None = None) -> bytes:
        """The body to send: the caller's bytes unchanged unless something must change."""
        if not changes and target.upstream_model == call.model:
            return call.raw
        body = dict(call.body)
        body.update(changes or {})
        body["model"] = target.upstream_model
        return orjson.dumps(body)

    def _headers(
        self, target: Target, attempts: int, upstream: UpstreamReply | None, outcome: Outcome
    ) -> dict[str, str]:
        headers = {"x-careergate-deployment": target.deployment.name}
        # Each header costs the server time on every response: only those that say something.
        if attempts > 1:
            headers["x-careergate-attempts"] = str(attempts)
        if target.model != outcome.model:
            headers["x-careergate-model"] = target.model
        if outcome.route_note:
            headers["x-careergate-route"] = outcome.route_note[:300]
        if outcome.deprecation:
            headers["x-careergate-deprecation"] = outcome.deprecation
        if upstream is not None and "x-request-id" in upstream.headers:
            headers["x-upstream-request-id"] = upstream.headers["x-request-id"]
        return headers

    async def _complete(self, call: Call, route: Route, outcome: Outcome) -> Reply:
        send = self._sender(call, self.upstream.request)
        reply, target = await self._send_along(call, route, outcome, send)
        outcome.attempts = reply.attempts
        if reply.status >= 400:
            raise upstream_status_error(
                reply.status, reply.headers, reply.body, target.deployment.name
            )
        answer = parse_object(reply.body)
        ANSWER_CHECKS[call.endpoint](answer)
        outcome.usage = TokenUsage.from_openai(answer.get("usage"))
        outcome.model_served = _str_or_none(answer.get("model"))
        body = reply.body
        if call.protection is not None and call.protection.restore_answer(answer):
            body = orjson.dumps(answer)
        return Reply(body, self._headers(target, reply.attempts, reply, outcome))

    async def _open_stream(self, call: Call, route: Route, outcome: Outcome) -> StreamReply:
        options = call.body.get("stream_options") or {}
        caller_wants_usage = bool(options.get("include_usage"))
        # Usage is always asked for, so that streamed tokens are metered like any others.
        changes = (
            None if caller_wants_usage else {"stream_options": {**options, "include_usage": True}}
        )

        send = self._sender(call, self.upstream.open_stream, changes)
        opened, target = await self._send_along(call, route, outcome, send)
        outcome.attempts = opened.attempts
        if isinstance(opened, UpstreamReply):
            raise upstream_status_error(
                opened.status, opened.headers, opened.body, target.deployment.name
            )
        tally = StreamTally()
        restorer = call.protection.stream_restorer() if call.protection is not None else None
        events = relay(
            opened,
            call.deadline,
            tally,
            request_id=call.request_id,
            forward_usage_chunk=caller_wants_usage,
            rewrite=restorer.restore if restorer is not None else None,
        )
        settled = False

        def finish() -> None:
            nonlocal settled
            if settled:
                return
            settled = True
            opened.close()  # drops the upstream connection if the stream did not finish
            outcome.model_served = tally.model
            outcome.usage = tally.usage or self._estimate(target.model, call, tally)
            self._settle(outcome)

        async def guarded() -> AsyncIterator[bytes]:
            try:
                async for event in events:
                    yield event
            except GatewayError as error:
                outcome.fail(error)
                yield sse_error(error, call.request_id)
            except (asyncio.CancelledError, GeneratorExit):
                outcome.status, outcome.error_code = CLIENT_CLOSED, "client_closed"
                raise
            finally:
                finish()

        def abandon() -> None:
            if not settled and not tally.done and outcome.error_code is None:
                outcome.status, outcome.error_code = CLIENT_CLOSED, "client_closed"
            finish()

        return StreamReply(
            self._headers(target, opened.attempts, None, outcome), guarded(), abandon
        )

    def _estimate(self, model: str, call: Call, tally: StreamTally) -> TokenUsage:
        """Our own count when the upstream reported none (a stream cut short)."""
        return TokenUsage(
            prompt_tokens=self.tokens.chat_prompt_tokens(model, call.body["messages"]),
            completion_tokens=self.tokens.text_tokens(model, "".join(tally.text)),
            estimated=True,
        )

    # -- settle ----------------------------------------------------------------------------

    def _settle(self, outcome: Outcome) -> None:
        record = outcome.record()
        if record.usage.prompt_tokens or record.usage.completion_tokens:
            day = record.created_at.date()
            # The snapshot the upstream named, else the model it was sent to (an alias's).
            for model in (record.model_served, outcome.target and outcome.target.model):
                if model:
                    record.cost_nano_usd = self.prices.cost_nano(model, record.usage, on=day)
                    if record.cost_nano_usd is not None:
                        break
        self.usage.record(record)
        if self.audit is not None:
            self.audit.record(outcome.audit_entry(record))
        if self.metrics is not None:
            self.metrics.observe(record)
        if outcome.reservation is not None and self.budgets is not None:
            self.budgets.settle_soon(outcome.reservation, record.cost_nano_usd or 0)
        principal = outcome.principal
        self.request_log.emit(
            record.created_at,
            {
                "request_id": record.request_id,
                "key": principal.key_prefix if principal else None,
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
                "prompt_tokens": record.usage.prompt_tokens,
                "completion_tokens": record.usage.completion_tokens,
                "latency_ms": record.latency_ms,
            },
        )


def _authorize(call: Call, named_user: str | None, named_feature: str | None) -> None:
    """Refuse what the caller's key does not allow, saying which permission is missing."""
    principal = call.principal
    prefix = principal.key_prefix
    if not principal.may_call(call.endpoint.value):
        reason = (
            "reader keys may not call models"
            if principal.role is Role.READER
            else (f"it may call only {', '.join(principal.endpoints or ())}")
        )
        raise PermissionDenied(
            f"The key {prefix}... may not call {call.endpoint.value}: {reason}.",
            code="endpoint_not_allowed",
        )
    if named_feature is not None and not principal.may_attribute_to(named_feature):
        raise PermissionDenied(
            f"The key {prefix}... may not attribute usage to the feature `{named_feature}`.",
            code="feature_not_allowed",
        )
    if named_user is not None and not principal.may_speak_for(named_user):
        raise PermissionDenied(
            f"The key {prefix}... may not act for other users (it names `{named_user}`); "
            "give it the act-for-users permission or use the user's own key.",
            code="user_not_allowed",
            param="user",
        )


MAX_LABEL = 200
"""The longest model, user or feature name a usage record keeps."""


def _label(value: str | None, param: str) -> str | None:
    """A name careergate records: refused (400) when no database could keep it."""
    if value is not None and (len(value) > MAX_LABEL or "\x00" in value):
        raise InvalidRequest(
            f"'{param}' must be at most {MAX_LABEL} characters, without NUL characters.",
            param=param,
        )
    return value


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
