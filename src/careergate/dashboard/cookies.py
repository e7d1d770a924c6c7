"""The dashboard's cookies and their attributes.

Both are ``HttpOnly`` (no script reads them), ``SameSite=Strict`` (a browser sends them
only with requests the gateway's own pages make: Lax would also send the session with
a link followed from another site, which no page here needs) and ``Secure`` whenever
the request came over TLS (served by careergate itself, or through a trusted proxy
that said so, which puts ``https`` in the request's scheme).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

LOGIN_COOKIE = "careergate_login"
"""The login form's CSRF token (double-submitted: the cookie and a hidden field must
match), so that another site cannot log a browser in with a key of its own."""
LOGIN_PATH = "/dashboard/login"
LOGIN_SECONDS = 1800


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, path: str, seconds: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=seconds,
        path=path,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def clear_cookie(response: Response, request: Request, name: str, *, path: str) -> None:
    response.delete_cookie(
        name, path=path, secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )
