"""Upstream TLS is always verified: an upstream with a certificate from a private CA gets
nothing until its CA is configured (for every upstream or for its deployment)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from careergate.testing import FakeOpenAI
from certificates import Certificate, self_signed
from conftest import gateway_settings, start_gateway


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"), "upstream")


@pytest.fixture(scope="module")
def tls_fake(certificate: Certificate) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(ssl_context=certificate.server_context()) as fake:
        assert fake.base_url.startswith("https://")
        yield fake


def _chat(
    tmp_path: Path, fake: FakeOpenAI, deployment: dict[str, Any], **settings: Any
) -> openai.types.chat.ChatCompletion:
    config = {"name": "private", "provider": "openai-compatible", "base_url": fake.base_url}
    settings_ = gateway_settings(tmp_path, [{**config, **deployment}], **settings)
    with (
        contextlib.closing(start_gateway(settings_, fake)) as gateways,
        next(gateways).client() as client,
    ):
        return client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )


def test_an_upstream_with_an_untrusted_certificate_is_refused(
    tmp_path: Path, tls_fake: FakeOpenAI
) -> None:
    tls_fake.reset()
    with pytest.raises(openai.APIStatusError) as refused:
        _chat(tmp_path, tls_fake, {})
    error = refused.value
    assert error.status_code == 502
    assert error.response.headers["x-should-retry"] == "false"
    body = error.response.json()["error"]
    assert body["code"] == "upstream_tls_error"
    assert body["type"] == "upstream_error"
    assert body["request_id"] == error.response.headers["x-request-id"]
    assert "deployment 'private' could not be verified" in body["message"]
    assert "CAREERGATE_UPSTREAM_CA_FILE" in body["message"]
    assert "Traceback" not in body["message"]
    assert not [r for r in tls_fake.requests if r.path.endswith("/chat/completions")]


def test_its_ca_configured_for_every_upstream_makes_it_trusted(
    tmp_path: Path, tls_fake: FakeOpenAI, certificate: Certificate
) -> None:
    answer = _chat(tmp_path, tls_fake, {}, upstream_ca_file=certificate.cafile)
    assert answer.choices[0].message.content


def test_its_ca_configured_for_its_deployment_makes_it_trusted(
    tmp_path: Path, tls_fake: FakeOpenAI, certificate: Certificate
) -> None:
    answer = _chat(tmp_path, tls_fake, {"ca_file": str(certificate.cafile)})
    assert answer.choices[0].message.content
