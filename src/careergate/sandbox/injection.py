"""How a request's fault changes a whole answer: latency, an error status, a broken body,
a dropped connection or a stall. (A stream's faults act per chunk, in ``streaming``.)"""

from __future__ import annotations

import asyncio

from aiohttp import web

from careergate.sandbox.faults import Fault
from careergate.sandbox.state import ReceivedRequest
from careergate.sandbox.wire import error_response


async def fault_refusal(fault: Fault | None) -> web.Response | None:
    """Wait the fault's delay; then the error it answers with, if it has a status."""
    if fault is not None and fault.delay:
        await asyncio.sleep(fault.delay)
    if fault is None or fault.status is None:
        return None
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["retry-after"] = f"{fault.retry_after:g}"
    if fault.retry_after_ms is not None:
        headers["retry-after-ms"] = str(fault.retry_after_ms)
    return error_response(
        fault.status, f"Injected fault: HTTP {fault.status}.", headers, fault.error_code
    )


def spoiled(payload: bytes, fault: Fault | None) -> bytes:
    """The body as sent: cut in half, so not valid JSON, when the fault is ``malformed``."""
    if fault is not None and fault.malformed:
        return payload[: len(payload) // 2]
    return payload


async def send_plain(
    request: web.Request, record: ReceivedRequest, payload: bytes
) -> web.StreamResponse:
    """Answer ``payload`` (JSON) with the request's fault: spoiled, cut off midway by a
    dropped connection, or held back by a stall; ``record.completed`` when sent whole."""
    fault = record.fault
    payload = spoiled(payload, fault)
    if fault is not None and fault.disconnect_after_chunks is not None:
        response = web.StreamResponse(headers={"content-type": "application/json"})
        response.content_length = len(payload)
        await response.prepare(request)
        await response.write(payload[: len(payload) // 2])
        assert request.transport is not None
        request.transport.close()
        return response
    if fault is not None and fault.stall_after_chunks is not None:
        await asyncio.sleep(fault.stall_seconds)
    record.completed = True
    return web.Response(body=payload, content_type="application/json")
