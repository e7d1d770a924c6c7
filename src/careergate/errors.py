"""Errors that careergate answers with, in OpenAI's error format.

Every failure a caller can see is one of these: the HTTP layer turns it into
``{"error": {"message", "type", "param", "code"}}`` with the status code that the
official SDKs map to the matching exception class. Messages say what is wrong and never
carry a secret or a stack trace.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar


class GatewayError(Exception):
    """Base of every error careergate reports to its callers."""

    status: int = 500
    type: str = "server_error"
    default_code: ClassVar[str] = "internal_error"
    retryable: bool = False
    """Whether the same request may succeed later (sent to SDKs as ``x-should-retry``)."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.param = param
        self.headers = headers or {}

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.type,
            "param": self.param,
            "code": self.code,
        }
        if request_id is not None:
            error["request_id"] = request_id
        return {"error": error}


class InternalError(GatewayError):
    """Something unexpected broke inside careergate; details are in its log, not here."""


class InvalidRequest(GatewayError):
    status = 400
    type = "invalid_request_error"
    default_code = "invalid_request"


class AuthenticationFailed(GatewayError):
    status = 401
    type = "invalid_request_error"
    default_code = "invalid_api_key"


class PermissionDenied(GatewayError):
    status = 403
    type = "permission_error"
    default_code = "permission_denied"


class NotFound(GatewayError):
    status = 404
    type = "invalid_request_error"
    default_code = "not_found"


class RequestTooLarge(GatewayError):
    status = 413
    type = "invalid_request_error"
    default_code = "request_too_large"


class MethodNotAllowed(GatewayError):
    status = 405
    type = "invalid_request_error"
    default_code = "method_not_allowed"


class RateLimited(GatewayError):
    status = 429
    type = "rate_limit_error"
    default_code = "rate_limit_exceeded"
    retryable = True


def retry_headers(wait: float) -> dict[str, str]:
    """When to come back (``wait`` seconds), in the headers OpenAI's SDKs read."""
    return {"retry-after": str(math.ceil(wait)), "retry-after-ms": str(math.ceil(wait * 1000))}


STORAGE_RETRY_SECONDS = 2.0
"""How soon a caller refused during a storage outage is told to come back."""


class NameModelUnavailable(GatewayError):
    """The privacy step's name model could not read the request's texts (its process
    would not start, or died twice on them): the request is not sent, since its names
    could not be looked for. A 503: a model's process that died is started again for
    the next request."""

    status = 503
    type = "server_error"
    default_code = "privacy_unavailable"
    retryable = True


class StorageUnavailable(GatewayError):
    """A store careergate needs for the request (its database, Redis) cannot be reached
    right now. Nothing is wrong with the request and nothing broke in careergate: the
    same request may succeed shortly, so it is a 503 the SDKs retry, with ``retry-after``.
    """

    status = 503
    type = "server_error"
    default_code = "storage_unavailable"
    retryable = True

    @classmethod
    def of(cls, store: str) -> StorageUnavailable:
        """The error for ``store`` (named as a caller reads it: "the database", "Redis")."""
        return cls(
            f"careergate cannot reach {store} right now; the request was not carried out. "
            "Try again shortly.",
            headers=retry_headers(STORAGE_RETRY_SECONDS),
        )


class UpstreamError(GatewayError):
    """The upstream answered in a way that is nobody's fault on the caller's side."""

    status = 502
    type = "upstream_error"
    default_code = "upstream_error"
    retryable = True


class UpstreamAnswerBroken(UpstreamError):
    """The upstream began a whole answer (a 2xx status) and the connection broke before
    its end. Not retried: the upstream bills an answer it generated, received or not,
    and a retry would be billed again. ``target`` is where it was sent (``Target``) and
    ``attempts`` how many were made, for its usage record."""

    default_code = "upstream_answer_interrupted"
    retryable = False  # the SDKs would send it again, and it would be billed again

    def __init__(self, message: str, target: Any, attempts: int) -> None:
        super().__init__(message)
        self.target = target
        self.attempts = attempts


class UpstreamUnavailable(UpstreamError):
    status = 503
    default_code = "upstream_unavailable"


class RouteExhausted(UpstreamUnavailable):
    """Every target of the request's route failed; ``last`` is the last one's own error
    (a ``DeadlineExceeded`` says it had the request when the deadline passed, so it may
    bill it)."""

    def __init__(self, message: str, last: GatewayError) -> None:
        super().__init__(message, headers={"retry-after": "2"})
        self.last = last


class UpstreamTlsError(UpstreamUnavailable):
    """The upstream's TLS certificate could not be verified: nothing was sent to it.

    A subclass of ``UpstreamUnavailable`` so that the request moves on to another
    deployment, but a 502 that is not retried: the certificate will not change by itself.
    """

    status = 502
    default_code = "upstream_tls_error"
    retryable = False


class UpstreamInvalidResponse(UpstreamError):
    """The upstream answered, but not an answer the caller can be given (not JSON, not
    the results asked for). Not retried, for ``UpstreamAnswerBroken``'s reason: the
    upstream bills what it answered."""

    status = 502
    default_code = "upstream_invalid_response"
    retryable = False


class DeadlineExceeded(GatewayError):
    status = 504
    type = "timeout"
    default_code = "deadline_exceeded"
    retryable = True


class GivenUpUpstream(DeadlineExceeded):
    """An upstream was handed the request and given up before its answer came: it may
    bill that answer, so the request is not sent again (to it or elsewhere); it is
    metered as a request given up, at its most."""


class AnswerCutOff(GivenUpUpstream):
    """The time given passed while an answer the upstream had begun (its 2xx status
    sent) was being read: the upstream bills it."""


class UpstreamStatusError(GatewayError):
    """An error status from the upstream that careergate passes on (after any retries).

    The status and the upstream's own message are kept, so the caller sees what OpenAI
    would have told it directly; only the request id is careergate's.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str,
        code: str | None,
        param: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, code=code, param=param, headers=headers)
        self.status = status
        self.type = error_type
        self.retryable = status in (408, 409, 429) or status >= 500
