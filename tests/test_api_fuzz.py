"""The HTTP API fuzzed from its OpenAPI description (``schemathesis``) against the live
gateway (a real server on loopback in front of the fake OpenAI): no answer is a server
error, and every answer conforms to the description. ``make fuzz`` runs it longer."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from careergate.auth.principal import Role
from careergate.http.app import create_app
from careergate.http.operations_api import openapi_document
from careergate.settings import Settings
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, start_gateway
from test_keys_access import admin_call

EXAMPLES = int(os.environ.get("CAREERGATE_FUZZ_EXAMPLES", "8"))
# The short run in the suite is the same every time; a long run (make fuzz) explores.
REPEATABLE = "CAREERGATE_FUZZ_EXAMPLES" not in os.environ
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def fuzzed(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        tmp_path_factory.mktemp("fuzzed"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        extra_config={"privacy": {"mode": "pseudonymise"}},  # the default, fuzzed too
        admin_rpm=1_000_000,
    )
    yield from start_gateway(settings, module_fake)


@pytest.fixture(scope="module")
def fuzz_key(fuzzed: RunningGateway) -> str:
    return fuzzed.create_key(role=Role.ADMIN)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=REPEATABLE,
    database=None,
)
def test_the_api_answers_every_input_without_a_server_error(
    case: schemathesis.Case, fuzzed: RunningGateway, fuzz_key: str
) -> None:
    case.call_and_validate(
        base_url=fuzzed.base_url.removesuffix("/v1"),
        headers={"authorization": f"Bearer {fuzz_key}"},
        checks=CHECKS,
        timeout=30,
    )


def test_the_served_description_is_the_reviewed_one(gateway: RunningGateway) -> None:
    served = httpx2.get(gateway.base_url.removesuffix("/v1") + "/openapi.json")
    assert served.status_code == 200
    assert served.json() == openapi_document()


def test_every_route_is_described() -> None:
    """Every route of the API; the dashboard's pages and assets (HTML, scripts) are for
    browsers, not part of the API the description is for."""
    paths = openapi_document()["paths"]
    app = create_app(Settings())
    assert isinstance(app.fallback, Starlette)
    for route in app.fallback.routes:
        if isinstance(route, Mount) or route.path.startswith("/dashboard"):  # type: ignore[attr-defined]
            continue
        assert isinstance(route, Route)
        path = route.path.replace("{model:path}", "{model}")
        for method in (route.methods or set()) - {"HEAD"}:
            assert method.lower() in paths.get(path, {}), f"{method} {path}"


# Regressions: inputs the fuzzer found that were answered with a server error.


def test_limits_beyond_what_the_database_holds_are_refused(
    gateway: RunningGateway, admin_key: str
) -> None:
    for field, value in (
        ("tpm_limit", 2577498928168872968192),
        ("rpm_limit", 2**31),
        ("budget_usd", "1e30"),
        ("budget_usd", "0.0000000001"),
    ):
        status, body = admin_call(gateway, admin_key, "POST", "/admin/keys", {field: value})
        assert status == 400, (field, value, body)
        assert body["error"]["param"] == field


def test_candidates_without_a_single_word_are_ranked(gateway: RunningGateway) -> None:
    wordless = [
        {"job": {"title": "Data Engineer"}, "resumes": [{"id": "a", "resume": {}}]},
        {"resume": {"basics": {"label": "the"}}, "jobs": [{"id": "j", "job": {"title": "a"}}]},
    ]
    key = gateway.create_key()
    for body in wordless:
        answer = httpx2.post(
            f"{gateway.base_url}/features/jobs/match",
            json=body,
            headers={"authorization": f"Bearer {key}"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["matches"][0]["lexical"] == 0.0
