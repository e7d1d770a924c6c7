"""Key monitoring and alerts: rules, webhooks (Slack JSON), the log, deduplication."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openai
import pytest

from careergate.observability.alerts import Alert, AlertCenter
from careergate.runtime import open_database
from careergate.settings import AlertSettings
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, cli_env, gateway_settings, run_cli, start_gateway
from loopback import LoopbackServer, Reply


class Webhook:
    """A Slack-like incoming webhook on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.loopback = LoopbackServer(lambda request: Reply())
        self.url = f"{self.loopback.url}/hook"

    @property
    def received(self) -> list[dict[str, Any]]:
        return [request.json() for request in self.loopback.received]

    def close(self) -> None:
        self.loopback.close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def monitored(tmp_path: Path, webhook: Webhook) -> Iterator[RunningGateway]:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            alerts=AlertSettings(webhooks=[webhook.url], unused_days=0, error_rate_min_requests=5),
        )
        yield from start_gateway(settings, fake)


def cli(gateway: RunningGateway, *args: str) -> str:
    env = cli_env(
        gateway.settings,
        CAREERGATE_ALERT_WEBHOOKS=json.dumps(gateway.settings.alerts.webhooks),
        CAREERGATE_ALERT_UNUSED_DAYS="0",
        CAREERGATE_ALERT_ERROR_RATE_MIN_REQUESTS="5",
    )
    return run_cli(env, *args).stdout


def test_the_key_rules_fire_and_reach_the_webhook(
    monitored: RunningGateway, webhook: Webhook
) -> None:
    soon = datetime.now(UTC) + timedelta(days=2)
    expiring = monitored.create_key(name="expiring", expires_at=soon)
    failing = monitored.create_key(name="failing")
    client = monitored.client(failing)
    for _ in range(6):
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(
                model="no-such-model", messages=[{"role": "user", "content": "x"}]
            )
    monitored.usage_rows(6)

    fired = json.loads(cli(monitored, "alerts", "check", "--json"))

    kinds = {(a["kind"], a["message"].split("...")[0]) for a in fired}
    assert ("key_expiring", f"Key {expiring[:14]}") in kinds
    assert ("key_error_rate", f"Key {failing[:14]}") in kinds
    assert ("key_unused", f"Key {expiring[:14]}") in kinds  # never used
    assert {b["kind"] for b in webhook.received} >= {"key_expiring", "key_error_rate"}
    assert all(b["text"].startswith(":rotating_light: careergate:") for b in webhook.received)
    sent = len(webhook.received)

    cli(monitored, "alerts", "check")  # the same findings again: counted, not re-sent
    assert len(webhook.received) == sent
    listed = json.loads(cli(monitored, "alerts", "list", "--json"))
    assert {a["count"] for a in listed if a["kind"] == "key_error_rate"} == {2}

    stats = json.loads(cli(monitored, "keys", "stats", "--json"))
    mine = next(s for s in stats if s["prefix"] == failing[:14])
    assert (mine["requests"], mine["errors"], mine["last_client"]) == (6, 6, "127.0.0.1")


def test_an_alert_is_sent_again_after_the_quiet_period(tmp_path: Path, webhook: Webhook) -> None:
    async def scenario() -> list[bool]:
        settings = gateway_settings(tmp_path, [])
        database = await open_database(settings)
        try:
            center = AlertCenter(database, [webhook.url], quiet=timedelta(seconds=0.2))
            alert = Alert("upstream_key_quarantined", "openai/abc", "Upstream key ...abcd refused")
            sent = [await center.raise_alert(alert), await center.raise_alert(alert)]
            await asyncio.sleep(0.25)
            sent.append(await center.raise_alert(alert))
            return sent
        finally:
            await database.close()

    assert asyncio.run(scenario()) == [True, False, True]
    assert len(webhook.received) == 2
    assert webhook.received[0]["subject"] == "openai/abc"
