"""The admin API's own caps: a small body limit (413) and requests per minute per key
(429), both answered in OpenAI's error format; and no error echoes a whole secret."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from careergate.auth.principal import Role
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, start_gateway

ADMIN_RPM = 4
ADMIN_MAX_BODY = 2048


@pytest.fixture(scope="module")
def capped(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        tmp_path_factory.mktemp("capped"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        admin_rpm=ADMIN_RPM,
        admin_max_body_bytes=ADMIN_MAX_BODY,
    )
    yield from start_gateway(settings, module_fake)


def _admin(gateway: RunningGateway, key: str) -> httpx2.Client:
    return httpx2.Client(
        base_url=gateway.base_url.removesuffix("/v1"), headers={"authorization": f"Bearer {key}"}
    )


def _assert_openai_error(response: httpx2.Response, status: int, code: str) -> None:
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["x-request-id"]


def test_an_oversized_admin_body_gets_413_declared_or_streamed(capped: RunningGateway) -> None:
    big = {"name": "x" * ADMIN_MAX_BODY}
    with _admin(capped, capped.create_key(role=Role.ADMIN)) as admin:
        _assert_openai_error(admin.post("/admin/keys", json=big), 413, "request_too_large")
        chunks = iter([b'{"name": "', b"x" * ADMIN_MAX_BODY, b'"}'])
        _assert_openai_error(admin.post("/admin/keys", content=chunks), 413, "request_too_large")
        assert admin.post("/admin/keys", json={"name": "small"}).status_code == 201


def test_each_key_gets_its_own_minute_of_admin_requests(capped: RunningGateway) -> None:
    first, second = (capped.create_key(role=Role.ADMIN) for _ in range(2))
    with _admin(capped, first) as admin:
        answers = [admin.get("/admin/audit") for _ in range(ADMIN_RPM + 1)]
    assert [a.status_code for a in answers[:ADMIN_RPM]] == [200] * ADMIN_RPM
    refused = answers[-1]
    _assert_openai_error(refused, 429, "rate_limit_exceeded")
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-should-retry"] == "true"
    with _admin(capped, second) as admin:
        assert admin.get("/admin/audit").status_code == 200
    # The model calls have their own windows: the capped key still calls models.
    chat = capped.client(first).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
    )
    assert chat.choices[0].message.content


def test_a_whole_secret_given_as_a_key_id_is_not_echoed(
    gateway: RunningGateway, admin_key: str
) -> None:
    unknown = "sk-cg-" + "Z" * 43
    with _admin(gateway, admin_key) as admin:
        response = admin.get(f"/admin/keys/{unknown}")
    _assert_openai_error(response, 404, "key_not_found")
    assert unknown not in response.text
    assert "sk-cg-ZZZZZZZZ..." in response.json()["error"]["message"]


def test_a_wrong_key_is_named_by_its_prefix_only(gateway: RunningGateway) -> None:
    wrong = "sk-cg-" + "Q" * 43
    response = httpx2.get(
        f"{gateway.base_url}/models", headers={"authorization": f"Bearer {wrong}"}
    )
    _assert_openai_error(response, 401, "invalid_api_key")
    assert wrong not in response.text
    assert "sk-cg-QQQQQQQQ" in response.text


def test_admin_requests_need_a_key(capped: RunningGateway) -> None:
    response = httpx2.get(capped.base_url.removesuffix("/v1") + "/admin/keys")
    _assert_openai_error(response, 401, "invalid_api_key")
