"""``GET`` and ``DELETE /v1/responses/{id}`` and ``GET /v1/responses/{id}/input_items``:
an answer the upstream keeps, fetched, deleted or its input listed through the gateway
by the caller that made it.

Only answers the gateway recorded for this caller (``vault/conversations.py``) are
passed through, to the deployment that served them: the upstream would hand any answer
made with the gateway's credentials to whoever names its id. The answer fetched, and
the input items listed, are restored like any other answer (their texts were
pseudonymised on the way up) with the placeholders recorded for the answer, which hold
those of the earlier turns it continues too; a deleted one's record goes too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import quote, urlencode

import orjson

from careergate.auth.authenticator import Authenticator
from careergate.auth.authorization import authorize_request
from careergate.core.steps.conversation import not_found
from careergate.endpoints import RESPONSES
from careergate.endpoints.responses import output_slots
from careergate.errors import InvalidRequest
from careergate.privacy.placeholders import Placeholders
from careergate.privacy.subject import Subject
from careergate.security.secrets import SecretScanner
from careergate.upstream.client import UpstreamClient
from careergate.upstream.router import Router
from careergate.upstream.validation import parse_object, upstream_status_error
from careergate.vault.conversations import Conversations, Recorded

DEADLINE_SECONDS = 30.0
MAX_ITEMS_PAGE = 100
LIST_PARAMETERS = frozenset({"after", "limit", "order", "include[]", "include"})


class StoredResponses:
    def __init__(
        self,
        auth: Authenticator,
        conversations: Conversations,
        router: Router,
        upstream: UpstreamClient,
        secrets: SecretScanner,
    ) -> None:
        self.auth = auth
        self.conversations = conversations
        self.router = router
        self.upstream = upstream
        self.secrets = secrets

    async def fetch(self, secret: str | None, response_id: str, user: str | None) -> bytes:
        """The kept answer's JSON, restored."""
        recorded = await self._owned(secret, response_id, user)
        body = await self._send("GET", recorded, response_id, secret)
        answer = parse_object(body)
        placeholders = Placeholders(Subject(), earlier=recorded.placeholders)
        if not placeholders.restorable:
            return body
        for slot in RESPONSES.answer_slots(answer, RESPONSES.structured(answer)):
            slot.set(placeholders.restore(slot.get(), in_json=slot.in_json))
        return orjson.dumps(answer)

    async def input_items(
        self,
        secret: str | None,
        response_id: str,
        user: str | None,
        query: Sequence[tuple[str, str]],
    ) -> bytes:
        """A page of the items the kept answer was made from (``after``, ``limit``,
        ``order`` and ``include`` as OpenAI takes them), restored."""
        recorded = await self._owned(secret, response_id, user)
        body = await self._send(
            "GET", recorded, response_id, secret, "/input_items", _list_query(query)
        )
        listed = parse_object(body)
        placeholders = Placeholders(Subject(), earlier=recorded.placeholders)
        if not placeholders.restorable:
            return body
        for slot in output_slots(listed.get("data"), structured=False):
            slot.set(placeholders.restore(slot.get(), in_json=slot.in_json))
        return orjson.dumps(listed)

    async def delete(self, secret: str | None, response_id: str, user: str | None) -> bytes:
        """Delete the kept answer upstream, then the gateway's record of it."""
        recorded = await self._owned(secret, response_id, user)
        body = await self._send("DELETE", recorded, response_id, secret)
        await self.conversations.forget(response_id)
        return body

    async def _owned(self, secret: str | None, response_id: str, user: str | None) -> Recorded:
        principal = await self.auth.authenticate(secret)
        authorize_request(principal, RESPONSES.path, None, None)
        recorded = await self.conversations.recall(response_id)
        if recorded is None or not recorded.open_to(principal.key_id, user or principal.user):
            raise not_found(response_id)
        return recorded

    async def _send(
        self,
        method: str,
        recorded: Recorded,
        response_id: str,
        secret: str | None,
        below: str = "",
        query: str = "",
    ) -> bytes:
        deployment = next(
            (d for d in self.router.deployments if d.name == recorded.deployment), None
        )
        if deployment is None:
            raise not_found(response_id)  # its deployment is no longer configured
        path = f"{RESPONSES.path}/{quote(response_id, safe='')}{below}"
        url = deployment.provider.url(path, recorded.model)
        if query:
            url += ("&" if "?" in url else "?") + query
        credential = self.upstream.keys.credential(deployment.name)
        deadline = asyncio.get_running_loop().time() + DEADLINE_SECONDS
        reply = await self.upstream.send_once(
            method, deployment.name, url, credential.headers, deadline
        )
        if reply.status >= 400:
            known = tuple(s for s in (secret,) if s)
            raise upstream_status_error(
                reply.status,
                reply.headers,
                reply.body,
                deployment.name,
                scrub=lambda text: self.secrets.scrub(text, known),
            )
        return reply.body


def _list_query(query: Sequence[tuple[str, str]]) -> str:
    """The list parameters to pass on (``query``: the caller's, name and value pairs),
    checked as OpenAI checks them (a 400 naming the one out of range); nothing else of
    the caller's query reaches the upstream."""
    passed = [(name, value) for name, value in query if name in LIST_PARAMETERS]
    for name, value in passed:
        if name == "order" and value not in ("asc", "desc"):
            raise InvalidRequest("`order` must be asc or desc.", param="order")
        if name == "limit" and not (value.isdigit() and 1 <= int(value) <= MAX_ITEMS_PAGE):
            raise InvalidRequest(
                f"`limit` must be a whole number from 1 to {MAX_ITEMS_PAGE}.", param="limit"
            )
    return urlencode(passed)
