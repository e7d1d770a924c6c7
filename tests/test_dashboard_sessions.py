"""Dashboard sessions over HTTP: the login form, the cookies' attributes, CSRF on every
change, sessions that end with their key, and the Content-Security-Policy relaxed for
the dashboard's own paths alone."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from itsdangerous.encoding import base64_decode, bytes_to_int

from careergate.auth.principal import Role
from conftest import RunningGateway, start_gateway

TLS = {"x-forwarded-proto": "https"}  # a TLS-terminating proxy on loopback said so


@pytest.fixture
def browser(gateway: RunningGateway) -> Iterator[httpx.Client]:
    """A client that keeps cookies, as a browser would."""
    with httpx.Client(base_url=gateway.base_url.removesuffix("/v1"), timeout=10) as client:
        yield client


def _log_in(client: httpx.Client, key: str, **headers: str) -> httpx.Response:
    form = client.get("/dashboard/login", headers=headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    if headers:  # the cookie is Secure, and this client talks plain HTTP to the "proxy"
        headers = {**headers, "cookie": f"careergate_login={form.cookies['careergate_login']}"}
    return client.post(
        "/dashboard/login", data={"key": key, "csrf_token": token.group(1)}, headers=headers
    )


def _csrf(client: httpx.Client) -> str:
    found = re.search(r'name="careergate-csrf" content="([^"]+)"', client.get("/dashboard").text)
    assert found is not None
    return found.group(1)


def _refusal(base: str, cookie: str) -> object:
    """The code an admin request with ``cookie`` is refused with, or the answer."""
    answer = httpx.get(f"{base}/admin/alerts", cookies={"careergate_session": cookie})
    return answer.json()["error"]["code"] if answer.status_code == 401 else answer


def _stamp(cookie: str) -> int:
    """When the session cookie was signed, in whole seconds."""
    return bytes_to_int(base64_decode(cookie.rsplit(".", 2)[1]))


def _cookie_line(response: httpx.Response, name: str) -> str:
    return next(line for line in response.headers.get_list("set-cookie") if line.startswith(name))


def test_a_login_sets_a_strict_http_only_session_cookie_secure_over_tls(
    gateway: RunningGateway, browser: httpx.Client
) -> None:
    key = gateway.create_key(role=Role.ADMIN)
    plain = _log_in(browser, key)
    assert plain.status_code == 303
    assert plain.headers["location"] == "/dashboard"
    line = _cookie_line(plain, "careergate_session=")
    assert "HttpOnly" in line
    assert "SameSite=strict" in line
    assert "Path=/;" in line or line.endswith("Path=/")
    assert "Secure" not in line
    assert key not in line
    secure = _cookie_line(_log_in(browser, key, **TLS), "careergate_session=")
    assert "Secure" in secure
    assert "HttpOnly" in secure


def test_the_dashboard_alone_may_load_its_own_scripts_and_styles(
    gateway: RunningGateway, browser: httpx.Client
) -> None:
    page = browser.get("/dashboard/login").headers
    assert "script-src 'self'" in page["content-security-policy"]
    assert "'unsafe-inline'" not in page["content-security-policy"]
    assert page["cache-control"] == "no-store"
    asset = browser.get("/dashboard/static/common.js")
    assert asset.headers["cache-control"] == "no-cache"
    assert (
        "application/javascript" in asset.headers["content-type"]
        or "text/javascript" in (asset.headers["content-type"])
    )
    api = browser.get("/v1/models").headers["content-security-policy"]
    assert api == "default-src 'none'; frame-ancestors 'none'"
    tls = browser.get("/dashboard/login", headers=TLS).headers
    assert "strict-transport-security" in tls


def test_a_login_needs_its_own_form_and_an_admin_or_reader_key(
    gateway: RunningGateway, browser: httpx.Client
) -> None:
    forged = browser.post(
        "/dashboard/login", data={"key": gateway.create_key(role=Role.ADMIN), "csrf_token": "x"}
    )
    assert forged.status_code == 403
    assert "careergate_session" not in forged.headers.get("set-cookie", "")
    service = _log_in(browser, gateway.create_key())
    assert service.status_code == 403
    assert "the dashboard takes an admin or a reader key" in service.text
    unknown = _log_in(browser, "sk-cg-" + "x" * 40)
    assert unknown.status_code == 401
    assert "x" * 40 not in unknown.text  # a secret is never echoed
    in_url = browser.get("/dashboard", params={"key": gateway.create_key(role=Role.ADMIN)})
    assert in_url.status_code == 303
    assert in_url.headers["location"] == "/dashboard/login"


def test_every_change_made_with_a_session_needs_its_csrf_token(
    gateway: RunningGateway, browser: httpx.Client
) -> None:
    _log_in(browser, gateway.create_key(role=Role.ADMIN))
    budget = {"scope": "team", "subject": "growth", "limit_usd": "10"}
    refused = browser.post("/admin/budgets", json=budget)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    wrong = browser.post("/admin/budgets", json=budget, headers={"x-csrf-token": "0" * 64})
    assert wrong.status_code == 403
    created = browser.post("/admin/budgets", json=budget, headers={"x-csrf-token": _csrf(browser)})
    assert created.status_code == 201
    assert created.json()["limit_usd"] == "10"
    assert browser.get("/admin/budgets").status_code == 200  # reads need no token
    out = browser.post("/dashboard/logout", data={"csrf_token": "forged"})
    assert out.status_code == 403
    out = browser.post("/dashboard/logout", data={"csrf_token": _csrf(browser)})
    assert out.status_code == 303
    assert browser.get("/admin/budgets").status_code == 401


def test_a_session_ends_at_once_when_its_key_is_revoked(
    gateway: RunningGateway, browser: httpx.Client, admin_key: str
) -> None:
    second = gateway.create_key(role=Role.ADMIN)
    _log_in(browser, second)
    assert browser.get("/dashboard/keys").status_code == 200
    revoked = httpx.delete(
        f"{gateway.base_url.removesuffix('/v1')}/admin/keys/{second[:14]}",
        headers={"authorization": f"Bearer {admin_key}"},
    )
    assert revoked.status_code == 200
    # No wait for the key cache: a session reads its key afresh on every request.
    api = browser.get("/admin/alerts")
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "session_key_invalid"
    page = browser.get("/dashboard/keys")
    assert (page.status_code, page.headers["location"]) == (303, "/dashboard/login")


def test_a_session_ends_when_its_key_is_rotated_or_its_cookie_tampered_with(
    gateway: RunningGateway, browser: httpx.Client, admin_key: str
) -> None:
    reader = gateway.create_key(role=Role.READER)
    _log_in(browser, reader)
    assert browser.get("/admin/usage").status_code == 200
    cookie = browser.cookies["careergate_session"]
    browser.cookies.set("careergate_session", cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))
    tampered = browser.get("/admin/usage")
    assert tampered.status_code == 401
    assert tampered.json()["error"]["code"] == "session_expired"
    browser.cookies.set("careergate_session", cookie)
    rotated = httpx.post(
        f"{gateway.base_url.removesuffix('/v1')}/admin/keys/{reader[:14]}/rotate",
        json={"grace_seconds": 0},
        headers={"authorization": f"Bearer {admin_key}"},
    )
    assert rotated.status_code == 200
    ended = browser.get("/admin/usage")
    assert ended.status_code == 401
    assert ended.json()["error"]["code"] == "session_key_invalid"


def test_a_session_opened_on_one_replica_works_on_another(
    gateway: RunningGateway, browser: httpx.Client
) -> None:
    _log_in(browser, gateway.create_key(role=Role.READER))
    cookie = browser.cookies["careergate_session"]
    for replica in start_gateway(gateway.settings, gateway.fake):  # the same database
        base = replica.base_url.removesuffix("/v1")
        answer = httpx.get(f"{base}/admin/alerts", cookies={"careergate_session": cookie})
        assert answer.status_code == 200
        page = httpx.get(f"{base}/dashboard/keys", cookies={"careergate_session": cookie})
        assert page.status_code == 200
        assert "reader" in page.text


def test_logging_out_ends_every_copy_of_the_session_cookie(
    gateway: RunningGateway, browser: httpx.Client
) -> None:
    """A cookie copied before logging out (another tab's, a stolen one) is refused after."""
    _log_in(browser, gateway.create_key(role=Role.ADMIN))
    copied = browser.cookies["careergate_session"]
    base = gateway.base_url.removesuffix("/v1")
    with httpx.Client(base_url=base, cookies={"careergate_session": copied}) as elsewhere:
        assert elsewhere.get("/admin/alerts").status_code == 200
        out = browser.post("/dashboard/logout", data={"csrf_token": _csrf(browser)})
        assert out.status_code == 303
        after = elsewhere.get("/admin/alerts")
        assert after.status_code == 401
        assert after.json()["error"]["code"] == "session_ended"
        page = elsewhere.get("/dashboard/keys")
        assert (page.status_code, page.headers["location"]) == (303, "/dashboard/login")


def test_logging_out_twice_at_once_ends_the_session_once(
    gateway: RunningGateway, browser: httpx.Client
) -> None:
    """Two tabs logging out at the same moment (or a double click) both go to the login
    page: the second finds the session ended already rather than failing."""
    _log_in(browser, gateway.create_key(role=Role.ADMIN))
    cookie = browser.cookies["careergate_session"]
    form = {"csrf_token": _csrf(browser)}
    base = gateway.base_url.removesuffix("/v1")

    def log_out(_: int) -> int:
        with httpx.Client(base_url=base, cookies={"careergate_session": cookie}) as tab:
            return tab.post("/dashboard/logout", data=form).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(log_out, range(8)))
    assert statuses == [303] * 8


def test_a_cookie_copy_is_refused_after_logout_and_from_the_end_of_its_lifetime(
    gateway: RunningGateway,
) -> None:
    """A copy of a logged-out cookie stays refused, also once another logout has cleared
    the ended sessions meanwhile; and a cookie ends with its lifetime, when the browser
    drops it (``Max-Age``), not up to a second later as its whole-second stamp allows."""
    lifetime = 5  # seconds: room for a busy machine between the login and the logout
    dashboard = gateway.settings.dashboard.model_copy(update={"session_hours": lifetime / 3600})
    settings = gateway.settings.model_copy(update={"dashboard": dashboard})
    key = gateway.create_key(role=Role.ADMIN)
    for replica in start_gateway(settings, gateway.fake):
        base = replica.base_url.removesuffix("/v1")
        with httpx.Client(base_url=base) as browser, httpx.Client(base_url=base) as other:
            _log_in(browser, key)
            logged_out = browser.cookies["careergate_session"]
            _log_in(other, key)
            untouched = other.cookies["careergate_session"]
            ended = browser.post("/dashboard/logout", data={"csrf_token": _csrf(browser)})
            assert ended.status_code == 303, ended.text
            assert _refusal(base, logged_out) == "session_ended"
            time.sleep(max(0.0, _stamp(untouched) + lifetime + 0.05 - time.time()))
            assert _refusal(base, untouched) == "session_expired"
        with httpx.Client(base_url=base) as third:
            _log_in(third, key)  # its logout clears the expired sessions
            third.post("/dashboard/logout", data={"csrf_token": _csrf(third)})
        assert _refusal(base, logged_out) in ("session_ended", "session_expired")
