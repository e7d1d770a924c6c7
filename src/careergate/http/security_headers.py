"""Security headers on every response, as precomputed raw header lists.

The gateway serves JSON and server-sent events to programs, never pages to browsers, so
the headers say so as strictly as possible: no content-type sniffing, no referrer, no
framing, a Content-Security-Policy that allows nothing, and ``Cache-Control: no-store``
(answers carry keys, usage and personal data; no cache in between may keep them).

HSTS is sent only on requests that arrived over TLS: served by careergate itself
(``--ssl-certfile``), or through a trusted TLS-terminating proxy that said so in
``X-Forwarded-Proto`` (the server puts either into the ASGI scope's ``scheme``). Over
plain HTTP the header means nothing and would only mislead.

The lists are built once; a response appends one of them, which costs a list extend on
the hot path rather than a middleware wrapping every response.
"""

from __future__ import annotations

from starlette.types import Scope

_COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cache-control", b"no-store"),
)
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")

OVER_TLS: tuple[tuple[bytes, bytes], ...] = (*_COMMON, _HSTS)


def security_headers(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    """The headers for a response to the request of ``scope``."""
    return OVER_TLS if scope.get("scheme") == "https" else _COMMON
