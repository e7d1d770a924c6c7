"""A deployment's own Files and Batch APIs, reached with the gateway's credentials.

Every call is one request with a deadline and no retry of its own: the follower asks
again at its next look, and a caller's call fails with the upstream's (scrubbed) error.
Ids here are the upstream's; the gateway's own ids never leave the gateway.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import orjson

from careergate.errors import GatewayError
from careergate.security.secrets import SecretScanner
from careergate.upstream.client import UpstreamClient
from careergate.upstream.router import Deployment
from careergate.upstream.validation import parse_object, upstream_status_error

DEADLINE_SECONDS = 120.0
TAG = "careergate_batch"
"""The metadata key naming the gateway's batch on the upstream's."""
Json = dict[str, Any]


class BatchUpstream:
    def __init__(self, upstream: UpstreamClient, secrets_found: SecretScanner) -> None:
        self.upstream = upstream
        self.secrets = secrets_found

    async def upload(self, deployment: Deployment, filename: str, content: bytes) -> Json:
        """``POST /files`` (``purpose=batch``, multipart): the upstream's file object."""
        boundary = "careergate-" + secrets.token_hex(12)
        body = _multipart(boundary, filename, content)
        headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
        return parse_object(await self._send(deployment, "POST", "files", body, headers))

    async def create(self, deployment: Deployment, request: Json) -> Json:
        headers = {"content-type": "application/json"}
        raw = await self._send(deployment, "POST", "batches", orjson.dumps(request), headers)
        return parse_object(raw)

    async def batch(self, deployment: Deployment, batch_id: str) -> Json:
        return parse_object(await self._send(deployment, "GET", f"batches/{batch_id}"))

    async def tagged(self, deployment: Deployment, batch_id: str) -> Json | None:
        """The upstream batch whose metadata names the gateway's ``batch_id``, among its
        latest hundred (a submission whose answer was lost)."""
        listed = parse_object(await self._send(deployment, "GET", "batches?limit=100"))
        for item in listed.get("data") or ():
            metadata = item.get("metadata") if isinstance(item, dict) else None
            if isinstance(metadata, dict) and metadata.get(TAG) == batch_id:
                return dict(item)
        return None

    async def cancel(self, deployment: Deployment, batch_id: str) -> Json:
        raw = await self._send(deployment, "POST", f"batches/{batch_id}/cancel")
        return parse_object(raw)

    async def content(self, deployment: Deployment, file_id: str) -> bytes:
        return await self._send(deployment, "GET", f"files/{file_id}/content")

    async def delete(self, deployment: Deployment, file_id: str) -> None:
        await self._send(deployment, "DELETE", f"files/{file_id}")

    async def _send(
        self,
        deployment: Deployment,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> bytes:
        url = deployment.provider.url(path, "")
        credential = self.upstream.keys.credential(deployment.name)
        sent = {**credential.headers, **(headers or {})}
        deadline = asyncio.get_running_loop().time() + DEADLINE_SECONDS
        reply = await self.upstream.send_once(method, deployment.name, url, sent, deadline, body)
        if reply.status >= 400:
            raise _relayed(reply.status, reply.headers, reply.body, deployment, self.secrets)
        return reply.body


def _relayed(
    status: int, headers: Any, body: bytes, deployment: Deployment, scanner: SecretScanner
) -> GatewayError:
    return upstream_status_error(
        status, headers, body, deployment.name, scrub=lambda text: scanner.scrub(text, ())
    )


def _multipart(boundary: str, filename: str, content: bytes) -> bytes:
    """A ``multipart/form-data`` body with ``purpose=batch`` and the file."""
    safe_name = filename.replace('"', "").replace("\r", "").replace("\n", "") or "batch.jsonl"
    start = f"--{boundary}\r\n"
    return b"".join(
        [
            start.encode(),
            b'Content-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n',
            start.encode(),
            f'Content-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'.encode(),
            b"Content-Type: application/jsonl\r\n\r\n",
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
