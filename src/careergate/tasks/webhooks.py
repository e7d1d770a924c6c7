"""Completion webhooks: where they may go, how they are signed, how they are sent.

**Where.** A webhook URL is the submitter's input, and the gateway sits inside the
platform's network: an unchecked URL would let any key holder make the gateway call
internal services (server-side request forgery). So an address must be public
(``ipaddress``'s ``is_global``), unless the operator allowed its network or host name
(``CAREERGATE_TASKS_WEBHOOK_ALLOW``). The URL is checked at submission (a 400), and
again at delivery on the addresses its name resolves to then, by the resolver the
connection uses: a name that resolved to a public address at submission and to a
private one later (DNS rebinding) is refused, not followed. Redirects are not followed.

**Signed.** ``x-careergate-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` over
``<t>.<body>`` with the webhook key, a secret of the vault (``careergate tasks
webhook-key`` prints it for receivers). Receivers check it with ``verify`` and refuse old
timestamps, so a captured delivery cannot be replayed later.

**Retried.** Connection failures, 408, 429 and 5xx are tried again after
``webhook_backoff`` seconds, doubling, up to ``webhook_attempts`` in all; another answer
ends the delivery (delivered on 2xx).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import socket
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from careergate.errors import InvalidRequest
from careergate.settings import TaskSettings

log = logging.getLogger("careergate.tasks")

SIGNATURE_HEADER = "x-careergate-signature"
EVENT_HEADER = "x-careergate-event"
RETRIED_STATUSES = frozenset({408, 425, 429})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressPolicy:
    """Which addresses and host names a webhook may reach."""

    def __init__(self, allowed: Sequence[str] = ()) -> None:
        self.networks: list[Network] = []
        self.hosts: set[str] = set()
        for entry in allowed:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry.lower().rstrip("."))

    def allows_address(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in network for network in self.networks):
            return True
        return ip.is_global and not ip.is_multicast

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def check_url(self, url: object) -> str:
        """The URL, or a 400 saying why it may not be called. Resolves its name
        (blocking: call it in a thread)."""
        if not isinstance(url, str) or len(url) > 2000:
            raise InvalidRequest("`webhook` must be a URL.", param="webhook")
        parts = urlsplit(url)
        host = parts.hostname
        if parts.scheme not in ("http", "https") or not host:
            raise InvalidRequest("`webhook` must be an http or https URL.", param="webhook")
        if parts.username or parts.password:
            raise InvalidRequest("`webhook` may not carry credentials.", param="webhook")
        if self.allows_host(host):
            return url
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise InvalidRequest(
                f"`webhook`: the host {host!r} does not resolve.", param="webhook"
            ) from None
        refused = sorted({str(i[4][0]) for i in infos if not self.allows_address(str(i[4][0]))})
        if refused:
            raise InvalidRequest(
                f"`webhook`: {host!r} resolves to an address webhooks may not reach "
                f"({', '.join(refused)}): private, loopback and link-local networks need "
                "the operator's permission (CAREERGATE_TASKS_WEBHOOK_ALLOW).",
                param="webhook",
                code="webhook_address_refused",
            )
        return url


class CheckedResolver(AbstractResolver):
    """Resolves as usual, then refuses the connection when any address is not allowed:
    the addresses connected to are the ones checked."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if self.policy.allows_host(host):
            return found
        refused = [r["host"] for r in found if not self.policy.allows_address(r["host"])]
        if refused:
            raise OSError(f"webhook host {host} resolves to a refused address {refused[0]}")
        return found

    async def close(self) -> None:
        await self._inner.close()


def sign(key: bytes, body: bytes, at: int | None = None) -> str:
    """The signature header's value for ``body`` sent at unix time ``at``."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(key, f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def verify(key: bytes, header: str, body: bytes, tolerance: float = 300.0) -> bool:
    """Whether ``header`` signs ``body`` with ``key`` within ``tolerance`` seconds of now
    (for receivers of careergate's webhooks)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        at = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - at) > tolerance:
        return False
    expected = sign(key, body, at).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


class WebhookSender:
    """Delivers signed webhooks, retrying those that may succeed later."""

    def __init__(self, settings: TaskSettings, key: bytes) -> None:
        self.settings = settings
        self.policy = AddressPolicy(settings.webhook_allow)
        self._key = key

    async def deliver(self, url: str, event: str, body: bytes) -> bool:
        """Whether the receiver took it (2xx) within the attempts allowed."""
        delay = self.settings.webhook_backoff
        timeout = aiohttp.ClientTimeout(total=self.settings.webhook_timeout)
        connector = aiohttp.TCPConnector(resolver=CheckedResolver(self.policy), force_close=True)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            for attempt in range(1, self.settings.webhook_attempts + 1):
                outcome = await self._attempt(session, url, event, body)
                if outcome is not None:
                    return outcome
                if attempt < self.settings.webhook_attempts:
                    await asyncio.sleep(delay)
                    delay *= 2
        return False

    async def _attempt(
        self, session: aiohttp.ClientSession, url: str, event: str, body: bytes
    ) -> bool | None:
        """True: delivered; False: refused for good; None: worth another attempt."""
        host = urlsplit(url).hostname or ""
        if _is_literal(host) and not (
            self.policy.allows_host(host) or self.policy.allows_address(host)
        ):
            log.warning("task webhook refused: %s is not an address webhooks may reach", host)
            return False
        headers: dict[str, Any] = {
            "content-type": "application/json",
            SIGNATURE_HEADER: sign(self._key, body),
            EVENT_HEADER: event,
        }
        try:
            async with session.post(url, data=body, headers=headers, allow_redirects=False) as r:
                status = r.status
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("task webhook to %s failed: %s", host, type(exc).__name__)
            return None
        if 200 <= status < 300:
            return True
        if status in RETRIED_STATUSES or status >= 500:
            return None
        log.warning("task webhook to %s was refused with status %d", host, status)
        return False


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
