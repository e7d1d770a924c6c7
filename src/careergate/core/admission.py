"""Admission: the start of the request path, from what the transport handed over to a
``Call`` the steps can work on (authenticated, parsed, attributed, authorized)."""

from __future__ import annotations

import asyncio
from typing import Any

from careergate.auth.authenticator import Authenticator
from careergate.auth.authorization import authorize_request
from careergate.core.call import Call, Incoming, Outcome
from careergate.errors import InvalidRequest
from careergate.security.secrets import RememberedShapes, SecretScanner

MAX_LABEL = 200
"""The longest model, user or feature name a usage record keeps."""


class Admission:
    def __init__(self, auth: Authenticator, default_timeout: float, scanner: SecretScanner) -> None:
        self.auth = auth
        self.default_timeout = default_timeout
        self.scanner = scanner
        self._shapes = RememberedShapes(scanner, entries=1024)

    async def admit(self, incoming: Incoming, outcome: Outcome) -> Call:
        """The call for ``incoming``, noting in ``outcome`` whom and what it is for as
        soon as that is known, so that even a refused request is attributed."""
        principal = await self.auth.authenticate(incoming.secret)
        outcome.principal = principal
        # The key's own attribution until the request's is read and allowed, so that even
        # a malformed request counts against its key's user and feature.
        outcome.user, outcome.feature = principal.user, principal.feature
        raw = await incoming.read_body()
        body = incoming.endpoint.parse(raw)
        known = (incoming.secret,) if incoming.secret else ()
        outcome.model = self._label(body["model"], "model", known)
        outcome.stream = incoming.endpoint.streams(body)
        named_user = self._label(incoming.user or _str_or_none(body.get("user")), "user", known)
        user: str | None
        if incoming.user_token is not None:
            # A verified token is proof of the user: no act-for-users permission needed.
            user = (await self.auth.end_user(incoming.user_token)).user
            named_user = None
        else:
            user = named_user or principal.user
        feature = self._label(incoming.feature, "x-careergate-feature", known) or principal.feature
        outcome.user, outcome.feature = user, feature
        authorize_request(principal, incoming.endpoint.path, named_user, incoming.feature)
        timeout = self.default_timeout
        if incoming.timeout is not None and 0 < incoming.timeout < timeout:
            timeout = incoming.timeout
        deadline = asyncio.get_running_loop().time() + timeout
        call = Call(incoming.endpoint, principal, body, raw, deadline, user, feature, outcome)
        call.credentials = tuple(s for s in (incoming.secret, incoming.user_token) if s)
        call.cache_control = incoming.cache_control
        call.holder = incoming.holder
        call.received_bytes = len(raw) if raw is not None else 0
        return call

    def _label(self, value: str | None, param: str, known: tuple[str, ...]) -> str | None:
        """A name careergate records and logs (model, user, feature) as the request gives
        it: refused (400) when no database could keep it, or when it holds a credential
        (which the records, the request log and the refusals that name it would otherwise
        keep and repeat: ``known`` holds the caller's own key). A refusal names the
        parameter, never the value."""
        if value is None:
            return None
        if len(value) > MAX_LABEL or "\x00" in value:
            raise InvalidRequest(
                f"'{param}' must be at most {MAX_LABEL} characters, without NUL characters.",
                param=param,
            )
        if self.scanner.find_whole(value, known, self._shapes):
            raise InvalidRequest(
                f"'{param}' holds a credential; name it with an identifier instead.",
                param=param,
                code="secret_refused",
            )
        return value


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
