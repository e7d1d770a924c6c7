"""The floor for a Python proxy: a bare Starlette pass-through with aiohttp's client.

No checks, no logging, no accounting: what any Python gateway costs at the least. The
benchmark runs it under the same server (uvicorn, uvloop, httptools) as the gateway.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

UPSTREAM = os.environ.get("FLOOR_UPSTREAM", "http://127.0.0.1:8081/v1")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.session = aiohttp.ClientSession()
    yield
    await app.state.session.close()


async def chat(request: Request) -> Response:
    body = await request.body()
    async with request.app.state.session.post(
        UPSTREAM + "/chat/completions", data=body, headers={"content-type": "application/json"}
    ) as upstream:
        return Response(await upstream.read(), upstream.status, media_type="application/json")


app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])], lifespan=lifespan)
