"""Upstream deployments from the YAML config and the environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from careergate.config.deployments import ConfigError, load_gateway_config
from careergate.settings import UpstreamEnvironment
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, start_gateway

MESSAGES = [{"role": "user", "content": "Match me to a job"}]


@pytest.fixture
def two_upstreams(tmp_path: Path) -> Iterator[tuple[RunningGateway, FakeOpenAI, FakeOpenAI]]:
    with (
        FakeOpenAI(api_key="openai-secret") as openai_fake,
        FakeOpenAI(api_key="azure-secret", models=("prod-gpt4o",)) as azure_fake,
    ):
        settings = gateway_settings(
            tmp_path,
            [
                {
                    "name": "azure-eu",
                    "provider": "azure",
                    "base_url": azure_fake.root_url,
                    "api_key": "azure-secret",
                    "api_version": "2024-10-21",
                    "models": {"gpt-4o": "prod-gpt4o"},
                },
                {
                    "name": "openai",
                    "provider": "openai",
                    "base_url": openai_fake.base_url,
                    "api_key": "openai-secret",
                    "models": ["*"],
                },
            ],
        )
        for gateway in start_gateway(settings, openai_fake):
            yield gateway, openai_fake, azure_fake


def test_models_are_routed_to_their_deployments(
    two_upstreams: tuple[RunningGateway, FakeOpenAI, FakeOpenAI],
) -> None:
    gateway, openai_fake, azure_fake = two_upstreams
    client = gateway.client()

    to_azure = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
    to_openai = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES
    )

    assert to_azure.headers["x-careergate-deployment"] == "azure-eu"
    assert to_openai.headers["x-careergate-deployment"] == "openai"
    (azure_call,) = azure_fake.requests
    assert azure_call.path == "/openai/deployments/prod-gpt4o/chat/completions"
    assert azure_call.headers["api-key"] == "azure-secret"
    assert azure_call.body["model"] == "prod-gpt4o"
    (openai_call,) = openai_fake.requests
    assert openai_call.headers["Authorization"] == "Bearer openai-secret"
    ids = {m.id for m in client.models.list()}
    assert "gpt-4o" in ids
    assert "gpt-4o-mini" in ids


def test_the_environment_describes_openai_or_a_compatible_server() -> None:
    official = load_gateway_config(None, UpstreamEnvironment(openai_api_key="sk-test"))
    assert [(d.name, d.provider) for d in official.deployments] == [("openai", "openai")]

    local = load_gateway_config(
        None, UpstreamEnvironment(openai_base_url="http://127.0.0.1:8000/v1")
    ).deployments[0]
    assert (local.provider, local.base_url, local.api_key) == (
        "openai-compatible",
        "http://127.0.0.1:8000/v1",
        None,
    )

    azure = load_gateway_config(
        None,
        UpstreamEnvironment(
            azure_openai_endpoint="https://x.openai.azure.com",
            azure_openai_api_key="k",
            azure_openai_deployments="gpt-4o=prod, text-embedding-3-small",
        ),
    ).deployments[0]
    assert azure.models == {"gpt-4o": "prod", "text-embedding-3-small": "text-embedding-3-small"}

    assert load_gateway_config(None, UpstreamEnvironment()).deployments == []


def test_a_bad_config_file_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("deployments:\n  - name: x\n    flavour: y\n")
    with pytest.raises(ConfigError, match="flavour"):
        load_gateway_config(path, UpstreamEnvironment())
    path.write_text("deployments: [\n")
    with pytest.raises(ConfigError, match=r"not valid YAML: .* \(line 2, column 1\)"):
        load_gateway_config(path, UpstreamEnvironment())


def test_a_config_error_names_the_field_not_the_value(tmp_path: Path) -> None:
    """The value may be an inline key: the message (one line) names where it is wrong."""
    path = tmp_path / "bad.yaml"
    secret = "sk-proj-INLINESECRETabcdefghijklmnop"
    path.write_text(
        f"deployments:\n  - name: x\n    provider: openai\n    api_key: {secret}\n"
        "    timeout: many\n"
    )
    with pytest.raises(ConfigError) as refused:
        load_gateway_config(path, UpstreamEnvironment())
    assert "deployments.0.timeout: Extra inputs are not permitted" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert refused.value.__cause__ is None  # a debug traceback prints no input either
    assert refused.value.__suppress_context__
    assert secret not in str(refused.value)


def test_an_upstream_key_never_reaches_the_caller(
    two_upstreams: tuple[RunningGateway, FakeOpenAI, FakeOpenAI],
) -> None:
    gateway, openai_fake, _ = two_upstreams
    from careergate.testing import Fault

    openai_fake.faults.enqueue(Fault(status=401))
    with pytest.raises(openai.InternalServerError) as caught:
        gateway.client().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert "openai-secret" not in caught.value.response.text
