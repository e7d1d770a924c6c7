"""Aliases with canaries and rollbacks, per-feature model policies, and warnings about
snapshots near their shutdown date."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date

import openai
import pytest

from careergate.models.deprecations import upcoming_shutdowns
from careergate.models.policy import FeaturePolicy, PolicyBook
from careergate.models.snapshots import SnapshotCatalogue
from careergate.pricing.catalogue import PriceCatalogue
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, cli_env, gateway_settings, run_cli, start_gateway

MESSAGES = [{"role": "user", "content": "Write a summary for a data engineer"}]
MODELS = {
    "aliases": {
        "resume-writer": {"model": "gpt-4o-2024-08-06"},
        "skill-extractor": {
            "model": "gpt-4o-mini-2024-07-18",
            "canary": {"model": "gpt-4.1-mini", "percent": 10},
        },
    },
    "snapshots": {
        "gpt-4o-2024-08-06": {"deprecated_on": "2026-12-10", "replacement": "gpt-4.1"},
    },
    "features": {
        "skills": {
            "tier": "standard",
            "output": "json_schema",
            "max_tokens": 300,
            "candidates": ["gpt-4o", "gpt-4o-mini", "gpt-4.1-nano"],
        },
    },
}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path_factory.mktemp("catalogue"),
            [{"name": "openai", "provider": "openai-compatible", "base_url": fake.base_url}],
            extra_config={"models": MODELS},
            alias_refresh_seconds=0.1,
        )
        yield from start_gateway(settings, fake)


@pytest.fixture
def gateway(catalogue: RunningGateway) -> Iterator[RunningGateway]:
    catalogue.fake.reset()
    yield catalogue
    catalogue.fake.reset()


def cli(gateway: RunningGateway, *args: str) -> str:
    return run_cli(
        cli_env(gateway.settings, CAREERGATE_CONFIG=str(gateway.settings.config)), *args
    ).stdout


def test_an_alias_is_served_by_its_snapshot_and_says_so(gateway: RunningGateway) -> None:
    response = gateway.client().chat.completions.with_raw_response.create(
        model="resume-writer", messages=MESSAGES
    )
    assert response.parse().model == "gpt-4o-2024-08-06"
    assert gateway.fake.requests[-1].model == "gpt-4o-2024-08-06"
    assert response.headers["x-careergate-model"] == "gpt-4o-2024-08-06"
    assert response.headers["x-careergate-route"] == "alias resume-writer -> gpt-4o-2024-08-06"
    warning = response.headers["x-careergate-deprecation"]
    assert warning == "gpt-4o-2024-08-06 is shut down on 2026-12-10; use gpt-4.1"
    record = gateway.usage_record(response.headers["x-request-id"])
    assert (record.model_requested, record.model_served) == ("resume-writer", "gpt-4o-2024-08-06")
    assert record.route == "alias resume-writer -> gpt-4o-2024-08-06"
    assert record.cost_nano_usd


def test_operators_are_alerted_ahead_of_a_shutdown(gateway: RunningGateway) -> None:
    alerts = json.loads(cli(gateway, "alerts", "list", "--json"))
    deprecations = [a for a in alerts if a["kind"] == "model_deprecation"]
    assert [a["subject"] for a in deprecations] == ["gpt-4o-2024-08-06"]
    assert "move to gpt-4.1" in deprecations[0]["message"]


def test_a_canary_at_10_percent_gets_about_10_percent(gateway: RunningGateway) -> None:
    key = gateway.create_key()

    async def send(count: int) -> None:
        client = gateway.async_client(key)
        limit = asyncio.Semaphore(16)

        async def one() -> None:
            async with limit:
                await client.chat.completions.create(model="skill-extractor", messages=MESSAGES)

        await asyncio.gather(*(one() for _ in range(count)))
        await client.close()

    asyncio.run(send(600))
    served = Counter(r.model for r in gateway.fake.requests)
    assert set(served) == {"gpt-4o-mini-2024-07-18", "gpt-4.1-mini"}
    assert 35 <= served["gpt-4.1-mini"] <= 85  # 10% of 600 is 60; ±3.4 standard deviations


def test_alias_changes_are_recorded_and_can_be_rolled_back(gateway: RunningGateway) -> None:
    client = gateway.client()

    def served() -> str:
        time.sleep(0.3)  # every gateway process re-reads aliases within 0.1 s
        client.chat.completions.create(model="resume-writer", messages=MESSAGES)
        return str(gateway.fake.requests[-1].model)

    cli(gateway, "models", "alias", "set", "resume-writer", "gpt-4.1")
    assert served() == "gpt-4.1"
    cli(gateway, "models", "alias", "canary", "resume-writer", "gpt-4.1-mini", "--percent", "100")
    assert served() == "gpt-4.1-mini"
    cli(gateway, "models", "alias", "rollback", "resume-writer")  # ends the canary
    assert served() == "gpt-4.1"
    cli(gateway, "models", "alias", "rollback", "resume-writer")  # undoes the set
    assert served() == "gpt-4o-2024-08-06"

    history = json.loads(cli(gateway, "models", "alias", "history", "resume-writer", "--json"))
    assert [h["action"] for h in history] == [
        "alias.rolled-back",
        "alias.rolled-back",
        "alias.canary",
        "alias.set",
    ]
    assert all(h["actor"].startswith("cli:") for h in history)
    assert history[-1]["details"]["before"]["model"] == "gpt-4o-2024-08-06"
    assert "sk-" not in cli(gateway, "models", "alias", "history", "resume-writer")


def test_an_alias_cannot_point_at_a_model_nobody_serves(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path_factory.mktemp("narrow"),
            [
                {
                    "name": "openai",
                    "provider": "openai-compatible",
                    "base_url": fake.base_url,
                    "models": ["gpt-4o"],
                }
            ],
        )
        env = cli_env(settings, CAREERGATE_CONFIG=str(settings.config))
        done = run_cli(env, "models", "alias", "set", "writer", "gpt-9", check=False)
    assert done.returncode == 1
    assert "no deployment serves the model 'gpt-9'" in done.stderr


def test_an_alias_set_where_the_deployments_are_unknown_warns_of_a_typo(
    gateway: RunningGateway,
) -> None:
    """Without the gateway's config file the command cannot check the deployments: it
    says so, and names the priced model a typo was probably meant to be."""
    done = run_cli(cli_env(gateway.settings), "models", "alias", "set", "writer", "gpt-4o-mnii")
    assert "which deployments serve 'gpt-4o-mnii' is not checked" in done.stderr
    assert "has no price in the catalogue" in done.stderr
    assert "did you mean 'gpt-4o-mini'?" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("alias", "model", "what"), [("gpt-4o-mini", "", "model"), (" ", "gpt-4o", "alias")]
)
def test_a_blank_alias_or_model_is_refused(
    gateway: RunningGateway, alias: str, model: str, what: str
) -> None:
    """Every request for the alias would fail ("The model `` has no price")."""
    env = cli_env(gateway.settings)
    done = run_cli(env, "models", "alias", "set", alias, model, check=False)
    assert (done.returncode, done.stderr.strip()) == (1, f"error: the {what} must not be empty")
    answer = gateway.client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    assert answer.choices


def test_the_feature_policy_picks_the_cheapest_model_that_meets_it(gateway: RunningGateway) -> None:
    client = gateway.client(gateway.create_key(feature="skills"))
    response = client.chat.completions.with_raw_response.create(
        model="auto", messages=MESSAGES, max_tokens=2000
    )
    assert response.parse().model == "gpt-4o-mini"  # gpt-4.1-nano is basic, gpt-4o dearer
    route = response.headers["x-careergate-route"]
    assert route.startswith("policy skills: tier>=standard, json_schema -> gpt-4o-mini")
    sent = gateway.fake.requests[-1].body
    assert sent["max_completion_tokens"] == 300  # capped by the policy
    assert "max_tokens" not in sent
    record = gateway.usage_record(response.headers["x-request-id"])
    assert record.route == route

    with pytest.raises(openai.BadRequestError, match="has none"):
        gateway.client(gateway.create_key(feature="other")).chat.completions.create(
            model="auto", messages=MESSAGES
        )


def test_deferrable_work_takes_the_cheaper_model_a_latency_target_would_rule_out() -> None:
    prices = PriceCatalogue.shipped()
    snapshots = SnapshotCatalogue.shipped(snapshot_of=prices.snapshot)
    slow = {"gpt-4o-mini": 3000.0, "gpt-4.1-mini": 400.0}
    policy = {"tier": "standard", "latency_ms": 1000, "candidates": ["gpt-4o-mini", "gpt-4.1-mini"]}

    def choose(deferrable: bool) -> str:
        features = {"summaries": FeaturePolicy(**policy, deferrable=deferrable)}
        book = PolicyBook(features, snapshots, prices, latency_of=slow.get)
        return book.choose("summaries", prompt=20, requested=200).model

    assert choose(deferrable=False) == "gpt-4.1-mini"  # gpt-4o-mini is too slow here
    assert choose(deferrable=True) == "gpt-4o-mini"  # cheaper, and nobody waits for it


@pytest.mark.parametrize(
    ("today", "alerted", "when"),
    [
        (date(2026, 11, 9), False, None),  # 31 days ahead: not yet
        (date(2026, 11, 10), True, "in 30 days"),
        (date(2026, 12, 9), True, "in 1 days"),
        (date(2026, 12, 11), True, "already"),
    ],
)
def test_shutdown_alerts_start_30_days_ahead(today: date, alerted: bool, when: str | None) -> None:
    snapshots = SnapshotCatalogue.shipped(MODELS["snapshots"])  # type: ignore[arg-type]
    alerts = upcoming_shutdowns(snapshots, ["gpt-4o-2024-08-06", "gpt-4.1"], today)
    assert [a.subject for a in alerts] == (["gpt-4o-2024-08-06"] if alerted else [])
    if when is not None:
        assert f"({when})" in alerts[0].message
