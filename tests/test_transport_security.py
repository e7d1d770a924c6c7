"""TLS served by the gateway, security headers, and X-Forwarded-* believed only from the
proxies named in the settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx2
import openai
import pytest

from careergate.security.master_key import MasterKey
from certificates import self_signed
from conftest import RunningGateway, ServedProcess, cli_env, run_cli, serve_process

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cache-control": "no-store",
}


@pytest.fixture(name="env")
def env_fixture(tmp_path: Path) -> dict[str, str]:
    return cli_env(
        CAREERGATE_DATA_DIR=str(tmp_path / "data"),
        CAREERGATE_MASTER_KEY=MasterKey.generate().to_base64(),
        CAREERGATE_LOG_FORMAT="json",
    )


def _key(env: dict[str, str]) -> str:
    return str(json.loads(run_cli(env, "keys", "create", "--user", "u1", "--json").stdout)["key"])


def _assert_secured(response: httpx2.Response, *, hsts: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    assert ("strict-transport-security" in response.headers) is hsts


def test_serves_tls_with_the_certificate_given(env: dict[str, str], tmp_path: Path) -> None:
    cert = self_signed(tmp_path / "tls")
    trusting = cert.client_context()
    options = ("--ssl-certfile", str(cert.certfile), "--ssl-keyfile", str(cert.keyfile))
    with serve_process(env, *options, tls=trusting) as served:
        assert served.base_url.startswith("https://")
        with httpx2.Client(verify=trusting) as http:
            client = openai.OpenAI(
                base_url=served.base_url, api_key=_key(env), http_client=http, max_retries=0
            )
            answer = client.chat.completions.with_raw_response.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
            )
            assert answer.parse().choices[0].message.content
            assert answer.headers["strict-transport-security"].startswith("max-age=")
            _assert_secured(http.get(served.base_url.removesuffix("/v1") + "/healthz"), hsts=True)
        plain = served.base_url.replace("https://", "http://")
        with pytest.raises(httpx2.HTTPError), httpx2.Client() as http:
            http.get(plain.removesuffix("/v1") + "/healthz")
        with pytest.raises(httpx2.ConnectError), httpx2.Client() as http:
            http.get(served.base_url.removesuffix("/v1") + "/healthz")  # an untrusted cert


def test_a_certificate_without_its_key_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    cert = self_signed(tmp_path / "tls")
    done = run_cli(env, "serve", "--ssl-certfile", str(cert.certfile), check=False)
    assert done.returncode != 0
    assert "serving TLS needs both ssl_certfile and ssl_keyfile" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_kind_of_response_carries_the_security_headers(
    gateway: RunningGateway, admin_key: str
) -> None:
    root = gateway.base_url.removesuffix("/v1")
    key = gateway.create_key()
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    with httpx2.Client(headers={"authorization": f"Bearer {key}"}) as http:
        responses = [
            http.post(f"{root}/v1/chat/completions", json=chat),
            http.post(f"{root}/v1/chat/completions", json={**chat, "stream": True}),
            http.post(f"{root}/v1/chat/completions", json={"model": "gpt-4o-mini"}),
            http.post(f"{root}/v1/embeddings", content=b"{", headers={"authorization": "x"}),
            http.get(f"{root}/v1/models"),
            http.get(f"{root}/healthz"),
            http.get(f"{root}/metrics"),
            http.get(f"{root}/nowhere"),
            http.delete(f"{root}/v1/models"),
            http.get(f"{root}/admin/keys", headers={"authorization": f"Bearer {admin_key}"}),
        ]
    assert [r.status_code for r in responses] == [200, 200, 400, 401, 200, 200, 200, 404, 405, 200]
    for response in responses:
        _assert_secured(response, hsts=False)


@pytest.fixture
def behind_proxy(env: dict[str, str]) -> Iterator[ServedProcess]:
    """Served as if 127.0.0.1 were a TLS-terminating proxy in front of it."""
    with serve_process({**env, "CAREERGATE_FORWARDED_ALLOW_IPS": "127.0.0.1"}) as served:
        yield served


@pytest.fixture
def behind_other_proxy(env: dict[str, str]) -> Iterator[ServedProcess]:
    """Trusts a proxy at another address: this test's calls come straight from a client."""
    with serve_process({**env, "CAREERGATE_FORWARDED_ALLOW_IPS": "10.9.8.7"}) as served:
        yield served


def _through_proxy(served: ServedProcess, key: str) -> httpx2.Response:
    forwarded = {
        "authorization": f"Bearer {key}",
        "x-forwarded-for": "203.0.113.9",
        "x-forwarded-proto": "https",
    }
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    return httpx2.post(f"{served.base_url}/chat/completions", json=chat, headers=forwarded)


def _logged_clients(log: str) -> list[str]:
    lines = (json.loads(line) for line in log.splitlines() if line.startswith("{"))
    return [line["client"] for line in lines if line.get("msg") == "request"]


def test_forwarded_headers_are_believed_from_an_allowed_proxy(
    env: dict[str, str], behind_proxy: ServedProcess
) -> None:
    response = _through_proxy(behind_proxy, _key(env))
    assert response.status_code == 200
    _assert_secured(response, hsts=True)  # the proxy says the caller used TLS
    assert _logged_clients(behind_proxy.stop()) == ["203.0.113.9"]


def test_forwarded_headers_are_ignored_from_anyone_else(
    env: dict[str, str], behind_other_proxy: ServedProcess
) -> None:
    response = _through_proxy(behind_other_proxy, _key(env))
    assert response.status_code == 200
    _assert_secured(response, hsts=False)
    assert _logged_clients(behind_other_proxy.stop()) == ["127.0.0.1"]
