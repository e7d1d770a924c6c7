"""Request bodies read under a size limit, for the Starlette routes (admin, features)."""

from __future__ import annotations

from starlette.requests import Request

from careergate.errors import GatewayError


async def bounded_body(request: Request, limit: int, too_large: type[GatewayError]) -> bytes:
    """The whole body, or ``too_large`` as soon as it is known to exceed ``limit`` bytes
    (from its declared length, or while it streams in): an oversized body is never held
    in memory whole."""
    message = f"The request body is larger than the limit of {limit} bytes."
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(message, code="request_too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(message, code="request_too_large")
        chunks.append(chunk)
    return b"".join(chunks)
