"""careergate as a library: the gateway in process, for the platform's Python code.

``open_gateway`` starts what ``careergate serve`` starts (database, upstream client,
limits, budgets, the privacy step, usage and audit records) without the HTTP server,
and answers what the HTTP API answers, as JSON: ``chat`` for a chat completion, one
method per platform feature. Every call runs under the careergate key it was opened
with, through the same request path as an HTTP call (its permissions, limits, budgets,
usage and audit entries); what the HTTP API answers with an error status is raised as
that ``GatewayError``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from careergate.errors import InvalidRequest
from careergate.features.model_access import run_chat
from careergate.runtime import Runtime
from careergate.settings import Settings


class LocalGateway:
    """A started gateway and the key its calls run under. Get one from ``open_gateway``."""

    def __init__(self, runtime: Runtime, key: str) -> None:
        self.runtime = runtime
        """Everything the gateway runs on, for what this class does not offer."""
        self._key = key
        self._features = runtime.features

    async def chat(
        self, body: dict[str, Any], *, feature: str | None = None, user: str | None = None
    ) -> dict[str, Any]:
        """``POST /v1/chat/completions``: ``body`` as the OpenAI API takes it, the
        completion as it answers it. ``feature`` and ``user`` attribute the call as the
        ``x-careergate-feature`` and ``x-careergate-user`` headers do. Streams are for
        the HTTP API: in process the whole answer is as quick to wait for."""
        if body.get("stream"):
            raise InvalidRequest(
                "Streams are served over HTTP; leave out `stream`.", param="stream"
            )
        return await run_chat(self.runtime.gateway.run, body, self._key, feature, user)

    async def extract_skills(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/features/skills/extract``: ESCO skills of a resume, job or text."""
        return await self._features.extract_skills(payload, self._key)

    async def recommend_skills(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/features/skills/recommend``: skills to learn for a target role."""
        return await self._features.recommend_skills(payload, self._key)

    async def match_jobs(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/features/jobs/match``: postings for a resume, or resumes for a job."""
        return await self._features.match_jobs(payload, self._key)

    async def optimise_content(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/features/content/optimise``: edits that fit a resume to a job."""
        return await self._features.optimise_content(payload, self._key)

    async def generate_resume(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/features/resumes/generate``: a JSON Resume tailored to a job."""
        return await self._features.generate_resume(payload, self._key)


@asynccontextmanager
async def open_gateway(key: str, settings: Settings | None = None) -> AsyncIterator[LocalGateway]:
    """The gateway in process, its calls made under the careergate key ``key``; closed
    (records written, connections closed) on leaving the block. ``settings`` default to
    the environment's (``CAREERGATE_*``), as for ``careergate serve``. A key that is not
    valid is refused here, not at the first call."""
    async with await Runtime.start(settings or Settings()) as runtime:
        await runtime.auth.authenticate(key)
        yield LocalGateway(runtime, key)
