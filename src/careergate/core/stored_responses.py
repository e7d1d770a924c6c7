"""``GET`` and ``DELETE /v1/responses/{id}``: an answer the upstream keeps, fetched or
deleted through the gateway by the caller that made it.

Only answers the gateway recorded for this caller (``vault/conversations.py``) are
passed through, to the deployment that served them: the upstream would hand any answer
made with the gateway's credentials to whoever names its id. The answer fetched is
restored like any other (its texts were pseudonymised on the way up); a deleted one's
record goes too.
"""

from __future__ import annotations

import asyncio

import orjson

from careergate.auth.authenticator import Authenticator
from careergate.auth.authorization import authorize_request
from careergate.core.steps.conversation import not_found
from careergate.endpoints import RESPONSES
from careergate.privacy.placeholders import Placeholders
from careergate.privacy.subject import Subject
from careergate.security.secrets import SecretScanner
from careergate.upstream.client import UpstreamClient
from careergate.upstream.router import Router
from careergate.upstream.validation import parse_object, upstream_status_error
from careergate.vault.conversations import Conversations, Recorded

DEADLINE_SECONDS = 30.0


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
        self, method: str, recorded: Recorded, response_id: str, secret: str | None
    ) -> bytes:
        deployment = next(
            (d for d in self.router.deployments if d.name == recorded.deployment), None
        )
        if deployment is None:
            raise not_found(response_id)  # its deployment is no longer configured
        url = deployment.provider.url(f"{RESPONSES.path}/{response_id}", recorded.model)
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
