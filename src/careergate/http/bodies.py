"""Request bodies read under a size limit, for the Starlette routes (admin, features)."""

from __future__ import annotations

from starlette.requests import Request

from careergate.errors import GatewayError, InvalidRequest


def body_too_large(limit: int, kind: type[GatewayError] = InvalidRequest) -> GatewayError:
    """The error for a body over ``limit`` bytes (a 400, or ``kind``'s status)."""
    return kind(
        f"The request body is larger than the limit of {limit} bytes.", code="request_too_large"
    )


async def bounded_body(request: Request, limit: int, too_large: type[GatewayError]) -> bytes:
    """The whole body, or ``too_large`` as soon as it is known to exceed ``limit`` bytes
    (from its declared length, or while it streams in): an oversized body is never held
    in memory whole."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise body_too_large(limit, too_large)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise body_too_large(limit, too_large)
        chunks.append(chunk)
    return b"".join(chunks)
