"""The dashboard's routes: the login form, logging in and out, the pages and their assets.

A key is only ever sent in the login form's body (never in a URL, where it would land
in logs and browser history); what comes back is a session cookie
(``auth/sessions.py``, ``cookies.py``). A page without a valid session redirects to
the login form. Pages carry the session's CSRF token in a ``<meta>`` element for their
scripts to send with every change they ask of the admin API, and the logout form
carries it in a hidden field.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from careergate.audit.log import Actor
from careergate.auth.sessions import CSRF_FIELD, SESSION_COOKIE, Session
from careergate.dashboard.cookies import (
    LOGIN_COOKIE,
    LOGIN_PATH,
    LOGIN_SECONDS,
    clear_cookie,
    set_cookie,
)
from careergate.dashboard.pages import PAGES, Page
from careergate.errors import AuthenticationFailed, GatewayError, PermissionDenied
from careergate.runtime import Runtime

FORM_LIMIT = 8192
"""Bytes a login or logout form may hold: a key and a token."""
CHART_LIBRARY = "vendor/chart.umd.min.js"


class _FormTooLarge(Exception):
    pass


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body, bounded; the first value of each
    field."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > FORM_LIMIT:
            raise _FormTooLarge
    try:
        fields = parse_qs(raw.decode("utf-8", "replace"), max_num_fields=10)
    except ValueError:
        raise _FormTooLarge from None
    return {name: values[0] for name, values in fields.items()}


class DashboardRoutes:
    def __init__(self, runtime: Callable[[], Runtime]) -> None:
        """``runtime``: the started runtime, once the app's lifespan has started it."""
        self._runtime = runtime
        self._templates = Environment(
            loader=PackageLoader("careergate.dashboard", "templates"), autoescape=True
        )
        static = resources.files("careergate.dashboard").joinpath("static")
        self._charts = static.joinpath(CHART_LIBRARY).is_file()

    def routes(self) -> list[BaseRoute]:
        assets = StaticFiles(packages=[("careergate.dashboard", "static")])
        return [
            Route(LOGIN_PATH, self.login_form, methods=["GET"]),
            Route(LOGIN_PATH, self.log_in, methods=["POST"]),
            Route("/dashboard/logout", self.log_out, methods=["POST"]),
            Mount("/dashboard/static", app=assets, name="dashboard-static"),
            *(Route(page.path, self._page(page), methods=["GET"]) for page in PAGES),
        ]

    def _render(self, template: str, **context: Any) -> str:
        return self._templates.get_template(template).render(**context)

    def _login_page(self, request: Request, error: str | None, status: int = 200) -> Response:
        token = secrets.token_urlsafe(24)
        html = self._render("login.html", csrf=token, error=error)
        response = HTMLResponse(html, status_code=status)
        set_cookie(response, request, LOGIN_COOKIE, token, path=LOGIN_PATH, seconds=LOGIN_SECONDS)
        return response

    async def login_form(self, request: Request) -> Response:
        return self._login_page(request, None)

    async def log_in(self, request: Request) -> Response:
        try:
            form = await _form(request)
        except _FormTooLarge:
            return self._login_page(request, "The form was not a login form.", 400)
        expected = request.cookies.get(LOGIN_COOKIE, "")
        given = form.get(CSRF_FIELD, "")
        if not expected or not hmac.compare_digest(expected, given):
            message = "The login form had expired or came from elsewhere; please try again."
            return self._login_page(request, message, 403)
        runtime = self._runtime()
        try:
            cookie, session = await runtime.sessions.open(form.get("key", "").strip())
        except GatewayError as error:
            return self._login_page(request, error.message, error.status)
        await runtime.admin.audit.record(
            _actor(request, session), "dashboard.login", session.principal.key_id
        )
        response = RedirectResponse("/dashboard", status_code=303)
        seconds = int(runtime.sessions.lifetime.total_seconds())
        set_cookie(response, request, SESSION_COOKIE, cookie, path="/", seconds=seconds)
        clear_cookie(response, request, LOGIN_COOKIE, path=LOGIN_PATH)
        return response

    async def log_out(self, request: Request) -> Response:
        """End the session: in this browser, and for any copy of its cookie (the CSRF
        token keeps other sites from logging a user out)."""
        runtime = self._runtime()
        try:
            form = await _form(request)
        except _FormTooLarge:
            return PlainTextResponse("The form was not a logout form.", status_code=400)
        try:
            session = await runtime.sessions.resume(request.cookies.get(SESSION_COOKIE))
        except (AuthenticationFailed, PermissionDenied):
            session = None  # over already: forgetting the cookie is all there is to do
        # Any other error (the database out of reach) is the answer: a logout not
        # recorded must not look like one, or a copy of the cookie stays good.
        if session is not None:
            try:
                runtime.sessions.check_csrf(session, form.get(CSRF_FIELD))
            except GatewayError as error:
                return PlainTextResponse(error.message, status_code=error.status)
            await runtime.sessions.end(session)
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        clear_cookie(response, request, SESSION_COOKIE, path="/")
        return response

    def _page(self, page: Page) -> Callable[[Request], Awaitable[Response]]:
        async def show(request: Request) -> Response:
            runtime = self._runtime()
            try:
                session = await runtime.sessions.resume(request.cookies.get(SESSION_COOKIE))
            except GatewayError:
                response = RedirectResponse(LOGIN_PATH, status_code=303)
                clear_cookie(response, request, SESSION_COOKIE, path="/")
                return response
            principal = session.principal
            html = self._render(
                "page.html",
                page=page,
                pages=PAGES,
                role=principal.role.value,
                who=f"{principal.key_prefix}...",
                csrf=session.csrf_token,
                csrf_field=CSRF_FIELD,
                charts=self._charts,
                sandbox=runtime.router.sandboxed,
            )
            return HTMLResponse(html)

        return show


def _actor(request: Request, session: Session) -> Actor:
    client = request.client.host if request.client else "unknown"
    return Actor(f"key:{session.principal.key_prefix}", f"dashboard@{client}")
