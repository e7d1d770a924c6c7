"""How a feature reaches a model: through this gateway's own request path (in the
server, so the call is authenticated, rate-limited, budgeted and metered like any
other), or through a gateway's HTTP API with the official SDK (the CLI)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

import jsonschema
import orjson

from careergate.errors import GatewayError

if TYPE_CHECKING:  # neither is needed by the CLI's offline path, and each costs its start
    import openai

    from careergate.core.call import Incoming
    from careergate.privacy.subject import SubjectSpec


class ModelUnavailable(Exception):
    """No model answered usefully; the feature answers from its fallback instead."""


class ModelCaller(Protocol):
    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """The chat completion for ``body``, or ``ModelUnavailable``."""
        ...


class GatewayCaller:
    """Calls the gateway's request path in process, as the caller whose key it holds."""

    def __init__(
        self,
        run: Callable[[Incoming], Awaitable[Any]],
        secret: str | None,
        feature: str,
        user: str | None = None,
        subject: SubjectSpec | None = None,
    ) -> None:
        self._run = run
        self._secret = secret
        self._feature = feature
        self._user = user
        self._subject = subject
        """The persons of the documents the feature reads: the privacy step finds their
        values in every spelling, as it does a subject a request names."""

    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        if self._subject is not None:
            body = {**body, "careergate": {"subject": self._subject.model_dump()}}
        try:
            return await run_chat(self._run, body, self._secret, self._feature, self._user)
        except GatewayError as error:
            if error.status in (401, 403):
                raise  # the caller's own problem, not the model's: no fallback hides it
            raise ModelUnavailable(f"{error.code}: {error.message}") from error


async def run_chat(
    run: Callable[[Incoming], Awaitable[Any]],
    body: dict[str, Any],
    secret: str | None,
    feature: str | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """A (not streamed) chat completion through the request path ``run``, as the caller
    whose key is ``secret``: the answer's JSON, or the ``GatewayError`` the HTTP API
    would answer with."""
    from careergate.core.call import Incoming, Reply
    from careergate.core.request_ids import new_request_id
    from careergate.endpoints import CHAT

    raw = orjson.dumps(body)

    async def read_body() -> bytes:
        return raw

    incoming = Incoming(
        request_id=new_request_id(),
        endpoint=CHAT,
        secret=secret,
        read_body=read_body,
        user=user,
        feature=feature,
    )
    reply = await run(incoming)
    assert isinstance(reply, Reply)
    answer: dict[str, Any] = orjson.loads(reply.body)
    return answer


class SdkCaller:
    """Calls a gateway over HTTP with the official SDK."""

    def __init__(self, client: openai.AsyncOpenAI, feature: str) -> None:
        self._client = client
        self._feature = feature

    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        import openai

        try:
            answer = await self._client.chat.completions.create(
                **body, extra_headers={"x-careergate-feature": self._feature}
            )
        except (openai.AuthenticationError, openai.PermissionDeniedError):
            raise
        except openai.APIError as exc:
            raise ModelUnavailable(f"{type(exc).__name__}: {exc.message}") from exc
        dumped: dict[str, Any] = answer.model_dump()
        return dumped


MAX_CHARS_PER_TOKEN = 128
"""No token of OpenAI's tokenizers (``cl100k_base``, ``o200k_base``) spells more bytes
than this: an answer longer than its ceiling allows is an upstream's invention, and
reading it (schema, evidence) would hold the event loop for seconds."""


async def ask_structured(
    caller: ModelCaller,
    *,
    model: str,
    instructions: str,
    content: str,
    schema: dict[str, Any],
    name: str,
    max_tokens: int,
    user: str | None = None,
) -> tuple[Any, str | None]:
    """Ask for an answer shaped by ``schema`` (structured output) and check it: (the
    parsed answer, the model that gave it), or ``ModelUnavailable`` for an answer that
    cannot be read or breaks the schema."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "system", "content": instructions},
            {"role": "user", "content": content},
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": schema},
        },
        "max_completion_tokens": max_tokens,
    }
    if user:
        body["user"] = user
    answer = await caller.chat(body)
    try:
        parsed = orjson.loads(bounded_content(answer, max_tokens))
        jsonschema.validate(parsed, schema)
    except (KeyError, IndexError, TypeError, orjson.JSONDecodeError) as exc:
        raise ModelUnavailable(f"the model's answer could not be read: {exc}") from exc
    except jsonschema.ValidationError as exc:
        raise ModelUnavailable(f"the model's answer broke its schema: {exc.message}") from exc
    served = answer.get("model")
    return parsed, served if isinstance(served, str) else None


def bounded_content(answer: dict[str, Any], max_tokens: int) -> str:
    """The answer's message text; ``ModelUnavailable`` when it is longer than
    ``max_tokens`` could spell. ``KeyError``, ``IndexError`` or ``TypeError`` for an
    answer of another shape."""
    text: str = answer["choices"][0]["message"]["content"] or ""
    if len(text) > max_tokens * MAX_CHARS_PER_TOKEN:
        raise ModelUnavailable(
            f"the model's answer ({len(text):,} characters) is longer than "
            f"{max_tokens} tokens can be"
        )
    return text


def list_schema(key: str, **fields: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of ``{key: [{field: ..., ...}]}`` with every field required (what
    OpenAI's strict structured outputs ask for)."""
    item = {
        "type": "object",
        "properties": fields,
        "required": list(fields),
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {key: {"type": "array", "items": item}},
        "required": [key],
        "additionalProperties": False,
    }
