"""The Files and Batch APIs over HTTP: ``/v1/files`` (upload with ``purpose=batch``,
list, retrieve, delete, ``/content``) and ``/v1/batches`` (create, list, retrieve,
``/cancel``). What they do is ``careergate.batches``'s; this module only translates.

The caller's key authenticates every call; ``x-careergate-user`` names the end user a
batch's usage is attributed to (a key that may act for users), as for model calls."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.batches.files import Upload
from careergate.errors import InvalidRequest, RequestTooLarge
from careergate.http.bodies import body_too_large, bounded_body
from careergate.http.keyed import Caller, KeyedWork, serve_keyed
from careergate.http.openai_api import RuntimeHolder
from careergate.runtime import Runtime

CREATE_LIMIT = 64 * 1024


class BatchRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes

    def routes(self) -> list[Route]:
        return [
            Route("/v1/files", self.upload, methods=["POST"]),
            Route("/v1/files", self.list_files, methods=["GET"]),
            Route("/v1/files/{file_id}", self.file, methods=["GET"]),
            Route("/v1/files/{file_id}", self.delete_file, methods=["DELETE"]),
            Route("/v1/files/{file_id}/content", self.content, methods=["GET"]),
            Route("/v1/batches", self.create, methods=["POST"]),
            Route("/v1/batches", self.list_batches, methods=["GET"]),
            Route("/v1/batches/{batch_id}", self.batch, methods=["GET"]),
            Route("/v1/batches/{batch_id}/cancel", self.cancel, methods=["POST"]),
        ]

    async def _serve(self, request: Request, work: KeyedWork) -> Response:
        return await serve_keyed(self.runtimes, request, work)

    # -- files ----------------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            upload = await _read_upload(request, runtime.settings.batches.max_file_bytes)
            own = (caller.secret,) if caller.secret else ()
            return await runtime.files.upload(caller.principal, caller.user, upload, own)

        return await self._serve(request, work)

    async def list_files(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            params = request.query_params
            limit = _integer(request, "limit", 10_000)
            return await runtime.files.list(
                caller.principal, params.get("purpose"), params.get("after"), limit
            )

        return await self._serve(request, work)

    async def file(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            return await runtime.files.retrieve(caller.principal, request.path_params["file_id"])

        return await self._serve(request, work)

    async def delete_file(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            return await runtime.files.delete(caller.principal, request.path_params["file_id"])

        return await self._serve(request, work)

    async def content(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            return await runtime.files.content(caller.principal, request.path_params["file_id"])

        return await self._serve(request, work)

    # -- batches --------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            raw = await bounded_body(request, CREATE_LIMIT, RequestTooLarge)
            try:
                payload = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InvalidRequest(f"The request body is not valid JSON: {exc}.") from None
            return await runtime.batches.create(
                caller.principal, caller.secret, caller.user, payload
            )

        return await self._serve(request, work)

    async def list_batches(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            limit = _integer(request, "limit", 20)
            after = request.query_params.get("after")
            return await runtime.batches.list(caller.principal, after, limit)

        return await self._serve(request, work)

    async def batch(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            batch_id = request.path_params["batch_id"]
            return await runtime.batches.retrieve(caller.principal, batch_id)

        return await self._serve(request, work)

    async def cancel(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            batch_id = request.path_params["batch_id"]
            return await runtime.batches.cancel(caller.principal, batch_id)

        return await self._serve(request, work)


async def _read_upload(request: Request, limit: int) -> Upload:
    """The multipart upload's ``purpose`` and ``file``; a 413 past ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise InvalidRequest("An upload must declare its Content-Length.")
    if int(declared) > limit + 64 * 1024:
        raise body_too_large(limit, RequestTooLarge)
    if "multipart/form-data" not in request.headers.get("content-type", ""):
        raise InvalidRequest("Upload the file as multipart/form-data (`file`, `purpose`).")
    try:
        form = await request.form(max_files=1, max_fields=8)
    except Exception as exc:  # the parser's own errors say what was malformed
        raise InvalidRequest(f"The multipart body could not be read: {exc}.") from None
    try:
        purpose = form.get("purpose")
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidRequest("Missing the `file` part.", param="file")
        if not isinstance(purpose, str):
            raise InvalidRequest("Missing the `purpose` part.", param="purpose")
        content = await file.read(limit + 1)
        if len(content) > limit:
            raise body_too_large(limit, RequestTooLarge)
        return Upload(purpose, file.filename or "batch.jsonl", content)
    finally:
        await form.close()


def _integer(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidRequest(f"`{name}` must be a whole number.", param=name) from None
