"""The values that travel along the request path."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from careergate.auth.principal import Principal
from careergate.budgets.ledger import Reservation
from careergate.endpoints import EndpointSpec
from careergate.errors import GatewayError
from careergate.models.choice import Choice
from careergate.privacy.shield import Protection
from careergate.ratelimit.limiter import TokenCharge
from careergate.upstream.router import Route, Target
from careergate.usage.record import TokenUsage, UsageRecord
from careergate.vault.conversations import Earlier

CLIENT_CLOSED = 499
"""Recorded status of a request whose caller went away (nginx's convention)."""


@dataclass(slots=True)
class Incoming:
    """A request as the transport hands it over, before anything is checked."""

    request_id: str
    endpoint: EndpointSpec
    secret: str | None
    read_body: Callable[[], Awaitable[bytes]]
    """Reads the body; raises ``InvalidRequest`` when it is too large."""
    user: str | None = None
    feature: str | None = None
    user_token: str | None = None
    """A token of the platform's authentication service naming the end user."""
    client: str | None = None
    """The caller's address."""
    timeout: float | None = None
    """Seconds the caller is willing to wait (lowers the default deadline)."""
    cache_control: str | None = None
    """The request's ``Cache-Control`` header (``no-cache``, ``no-store``)."""
    batch: str | None = None
    """The batch this request is a line of (``tasks/kinds/batch_lines.py``): its budget
    hold is drawn from the batch's (``budgets/draws.py``), and its audit entry names
    the batch."""
    pii_noted: tuple[tuple[str, ...], str] | None = None
    """The kinds of personal data found in it before it came, and what was done with
    them (a batch's line, pseudonymised when its file was uploaded): its audit entry
    says so, as the request's own would have."""
    holder: str | None = None
    """Who holds its budget reservation when not the process carrying it: the attempt
    of a task's item it is a call of (``tasks/store.py``)."""


@dataclass(slots=True)
class Reply:
    body: bytes
    headers: dict[str, str]


@dataclass(slots=True)
class StreamReply:
    headers: dict[str, str]
    events: AsyncIterator[bytes]
    """Server-sent events, ready to write."""
    close: Callable[[], None]
    """Call when done writing, however it ended: settles the request exactly once and
    releases the upstream connection (at once, if the caller went away mid-stream)."""


@dataclass(slots=True)
class Outcome:
    """What happened to one request, filled in along the path, settled once at the end."""

    request_id: str
    endpoint: EndpointSpec
    started: float = field(default_factory=time.perf_counter)
    principal: Principal | None = None
    user: str | None = None
    feature: str | None = None
    model: str | None = None
    target: Target | None = None
    model_served: str | None = None
    stream: bool = False
    status: int = 200
    error_code: str | None = None
    attempts: int = 0
    client: str | None = None
    usage: TokenUsage | None = None
    reservation: Reservation | None = None
    unseen_output: bool = False
    """The upstream generated an answer the gateway did not receive (broken off after
    its 2xx status): billed, of unknown length."""
    handed: Target | None = None
    """Where its last attempt left whole (the upstream may bill it from then on); ``None``
    before, and once that attempt is answered with an error or counted in ``given_up``."""
    given_up: list[tuple[Target, TokenUsage]] = field(default_factory=list)
    """Attempts an upstream was sent whole and given up without an answer (to send the
    request again, to it or elsewhere), each at the most it may bill: metered with the
    request (``core/settlement.py``)."""
    fallback: bool = False
    deprecation: str | None = None
    route_note: str | None = None
    """Why the request went where it went, when not simply to its model's first choice."""
    pii_kinds: tuple[str, ...] = ()
    """Kinds of personal data found in the request (never the values)."""
    pii_action: str = "off"
    """What the privacy step did: off, none (nothing found), pseudonymised, masked, refused."""
    cache: str | None = None
    """What the response cache did: ``hit``, ``miss`` or ``bypass``; ``None`` before
    the request reached it."""
    cache_saved: TokenUsage | None = None
    """A hit's answer's usage when the upstream gave it: the cost the hit saved."""
    batch: str | None = None
    """The batch it is a line of (``Incoming.batch``)."""
    settled: bool = False

    def fail(self, error: GatewayError) -> None:
        self.status = error.status
        self.error_code = error.code

    def client_closed(self) -> None:
        self.status, self.error_code = CLIENT_CLOSED, "client_closed"

    def record(self) -> UsageRecord:
        principal = self.principal
        return UsageRecord(
            request_id=self.request_id,
            created_at=datetime.now(UTC),
            endpoint=self.endpoint.path,
            status_code=self.status,
            latency_ms=round((time.perf_counter() - self.started) * 1000, 3),
            key_id=principal.key_id if principal else None,
            user_id=self.user,
            team=principal.team if principal else None,
            feature=self.feature,
            model_requested=self.model,
            model_served=self.model_served,
            deployment=self.target.deployment.name if self.target else None,
            stream=self.stream,
            error_code=self.error_code,
            attempts=self.attempts,
            client=self.client,
            cost_nano_usd=0,  # priced when settled
            usage=self.usage or TokenUsage(),
            fallback=self.fallback,
            route=self.route_note,
            cache=self.cache,
        )


def _settle_nothing() -> None:
    """The settle hook of a call the gateway has not taken charge of."""


@dataclass(slots=True)
class Call:
    """An authenticated, parsed, authorized request, filled in by each step it passes."""

    endpoint: EndpointSpec
    principal: Principal
    body: dict[str, Any]
    raw: bytes | None
    """The body's bytes as they go upstream; ``None`` once a step changed ``body``."""
    deadline: float
    """Absolute, on the event loop's clock."""
    user: str | None
    feature: str | None
    outcome: Outcome
    settle: Callable[[], None] = _settle_nothing
    """Settles the request (once); a stream calls it when it ends."""
    choice: Choice | None = None
    """The model chosen for it (alias, canary, policy)."""
    route: Route | None = None
    """Where the chosen model may be served, in order of preference."""
    protection: Protection | None = None
    """What the privacy step replaced, to be put back in the answer."""
    credentials: tuple[str, ...] = ()
    """The caller's own secrets (its key, a user token): no text relayed from an upstream
    may carry them back."""
    earlier: Earlier | None = None
    """What the gateway recorded of the earlier answer this request continues."""
    on_answer: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    """Awaited with the whole answer (still pseudonymised) before the caller gets it:
    what must be recorded before a later request can refer to it."""
    cache_control: str | None = None
    """The request's ``Cache-Control`` header."""
    tokens_due: TokenCharge | None = None
    """The tokens-per-minute windows to charge once the request goes upstream (a cache
    hit uses no tokens)."""
    keep: Callable[[bytes, TokenUsage, str | None], None] | None = None
    """Where the upstream's answer goes, as it came (before personal data is restored),
    with its checked usage and the model that served it: the response cache keeps it."""
    holder: str | None = None
    """``Incoming.holder``."""
    received_bytes: int = 0
    """The body's size as it came (0 when it came parsed): what a step that changed it
    leaves of how large it is."""

    @property
    def request_id(self) -> str:
        return self.outcome.request_id

    @property
    def model(self) -> str:
        """The model the caller asked for."""
        return str(self.body["model"])

    @property
    def stream(self) -> bool:
        return self.endpoint.streams(self.body)

    def changed(self) -> None:
        """Say that ``body`` was changed: it is encoded again before it is sent."""
        self.raw = None

    def payload(self) -> bytes:
        """The body to send: the caller's own bytes unless a step changed it."""
        if self.raw is None:
            self.raw = orjson.dumps(self.body)
        return self.raw
