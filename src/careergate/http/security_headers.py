"""Security headers on every response, as precomputed raw header lists.

The API serves JSON and server-sent events to programs, never pages to browsers, so its
headers say so as strictly as possible: no content-type sniffing, no referrer, no
framing, a Content-Security-Policy that allows nothing, and ``Cache-Control: no-store``
(answers carry keys, usage and personal data; no cache in between may keep them).

The dashboard's own paths (``/dashboard`` and below) alone get a policy that lets a
page load the gateway's own scripts, styles and reports (``'self'``) and nothing else:
no inline script or style, no other origin, no plugin, no framing, forms posted only to
the gateway, no ``<base>``. Its pages are ``no-store`` like the API's answers (they hold
a session's CSRF token); its static assets (scripts, styles, the chart library) are
``no-cache``: kept by the browser, checked against their ETag on each use.

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

DASHBOARD_POLICY = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DASHBOARD_PREFIX = "/dashboard"
DASHBOARD_ASSETS = "/dashboard/static/"


def _dashboard(cache: bytes) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", DASHBOARD_POLICY),
        (b"cache-control", cache),
    )


_PAGES = _dashboard(b"no-store")
_ASSETS = _dashboard(b"no-cache")
_BY_TLS = {
    "api": (_COMMON, OVER_TLS),
    "pages": (_PAGES, (*_PAGES, _HSTS)),
    "assets": (_ASSETS, (*_ASSETS, _HSTS)),
}


def security_headers(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    """The API's headers for a response to the request of ``scope`` (the model-call
    handlers serve only API paths, so they need not look at the path)."""
    return OVER_TLS if scope.get("scheme") == "https" else _COMMON


def headers_for_path(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    """The headers for any path: the dashboard's for its own, the API's for the rest."""
    path: str = scope.get("path", "")
    if path.startswith(DASHBOARD_ASSETS):
        kind = "assets"
    elif path == DASHBOARD_PREFIX or path.startswith(DASHBOARD_PREFIX + "/"):
        kind = "pages"
    else:
        kind = "api"
    return _BY_TLS[kind][scope.get("scheme") == "https"]
