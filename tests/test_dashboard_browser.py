"""The dashboard end to end in headless Chromium (Debian's ``chromium``, driven by
Playwright): a seeded run (requests through the gateway with the official SDK, a budget,
an eval run, performance alerts), then logging in, the charts' figures against the
report API's, a reader who cannot act, and an admin's revocation refusing the key.

One gateway and one browser serve the whole module. With
``CAREERGATE_DASHBOARD_SCREENSHOTS=DIR`` each page's screenshot is saved there
(``make dashboard-screenshots`` writes ``docs/dashboard/``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from careergate.auth.principal import Role
from careergate.evaluation.report import recommend, summarise
from careergate.evaluation.runner import run_task_set
from careergate.evaluation.store import save_results
from careergate.evaluation.tasks import TaskSet
from careergate.pricing.catalogue import PriceCatalogue
from careergate.runtime import open_database
from careergate.settings import ObjectiveSettings
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, start_gateway, wait_for

playwright_api = pytest.importorskip("playwright.sync_api")

SCREENSHOTS = os.environ.get("CAREERGATE_DASHBOARD_SCREENSHOTS")
PAGES = ["", "budgets", "keys", "alerts", "upstreams", "cache", "evals"]


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is required under CI (make test-tools installs it)")
        pytest.skip("Debian's chromium is not installed (make test-tools installs it)")
    return found


@dataclass
class Seeded:
    gateway: RunningGateway
    base: str
    admin_key: str
    reader_key: str
    victim_key: str

    def admin_api(self, path: str, body: Any = None) -> Any:
        """GET ``path`` from the admin API, or POST ``body`` to it, with the admin key."""
        headers = {"authorization": f"Bearer {self.admin_key}"}
        method = "GET" if body is None else "POST"
        response = httpx.request(method, self.base + path, json=body, headers=headers, timeout=10)
        response.raise_for_status()
        return response.json()

    def new_key(self, **spec: Any) -> str:
        secret: str = self.admin_api("/admin/keys", spec)["key"]
        return secret


def _seed_requests(seeded: Seeded) -> None:
    """Chat requests through the gateway for two users and features, the victim's too."""
    gateway = seeded.gateway
    alice = gateway.client(seeded.new_key(user="alice", team="growth", feature="resume"))
    bob = gateway.client(seeded.new_key(user="bob", team="search", feature="matching"))
    messages = [{"role": "user", "content": "Write a summary for a data engineer."}]
    for _ in range(4):  # the same request at temperature 0: answered once, then cached
        alice.chat.completions.create(model="gpt-4o-mini", messages=messages, temperature=0)  # type: ignore[arg-type]
    for _ in range(2):
        bob.chat.completions.create(model="gpt-4o", messages=messages)  # type: ignore[arg-type]
    gateway.client(seeded.victim_key).chat.completions.create(
        model="gpt-4o-mini", messages=messages
    )  # type: ignore[arg-type]


def _seed_eval(gateway: RunningGateway, key: str) -> None:
    """One eval run of two models through the gateway, kept as ``careergate eval`` keeps it."""
    tasks = TaskSet.model_validate(
        {
            "name": "summaries",
            "feature": "resume",
            "tasks": [
                {
                    "id": "summary",
                    "messages": [{"role": "user", "content": "Summarise: Python, SQL, Spark."}],
                    "checks": {"keywords": ["python"]},
                }
            ],
        }
    )
    models = ["gpt-4o-mini", "gpt-4o"]

    async def work() -> None:
        async with openai.AsyncOpenAI(base_url=gateway.base_url, api_key=key) as client:
            attempts = await run_task_set(tasks, models, client, PriceCatalogue.shipped())
        summaries = summarise(attempts, models)
        best, _ = recommend(summaries)
        database = await open_database(gateway.settings)
        try:
            await save_results(
                database, tasks.name, tasks.feature, summaries, best.model if best else None
            )
        finally:
            await database.close()

    asyncio.run(work())


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    _chromium()  # skip (or fail, under CI) before seeding for nothing
    # Objectives every request misses, so the performance alerts fire in the seeded run.
    objectives = ObjectiveSettings(
        latency_ms=1, upstream_latency_ms=1, min_requests=3, check_seconds=0.2
    )
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path_factory.mktemp("dashboard"),
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            objectives=objectives,
        )
        for gateway in start_gateway(settings, fake):
            admin = gateway.create_key(role=Role.ADMIN, name="operator")
            seeded = Seeded(gateway, gateway.base_url.removesuffix("/v1"), admin, "", "")
            seeded.reader_key = seeded.new_key(role="reader", name="finance")
            seeded.victim_key = seeded.new_key(user="carol", name="leaked", feature="resume")
            _seed_requests(seeded)
            seeded.admin_api(
                "/admin/budgets", {"scope": "feature", "subject": "resume", "limit_usd": "0.05"}
            )
            _seed_eval(gateway, seeded.new_key(user="eval"))
            gateway.usage_rows(expected=9)
            wait_for(lambda: _alerted(seeded))  # noqa: B023 (waited for here, in the loop)
            wait_for(lambda: _spent(seeded) > 0)  # noqa: B023 (charged just after each answer)
            yield seeded


def _spent(seeded: Seeded) -> Decimal:
    return Decimal(seeded.admin_api("/admin/budgets")["data"][0]["spent_usd"])


def _alerted(seeded: Seeded) -> bool:
    return any(
        a["kind"] == "gateway_latency_burn" for a in seeded.admin_api("/admin/alerts")["data"]
    )


@pytest.fixture(scope="module")
def browser(seeded: Seeded) -> Iterator[Any]:
    """Started after the seeding: Playwright's synchronous API keeps an event loop
    running in this thread, where the seeding's ``asyncio.run`` could not run."""
    executable = _chromium()
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


def _log_in(browser: Any, seeded: Seeded, key: str) -> Any:
    """A new browser context logged in with ``key``; its console errors (a script
    failing, anything the Content-Security-Policy refused) are kept in ``page.errors``."""
    page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    page.set_default_timeout(90_000)  # Playwright's 30 s ran out once on a host fully taken
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(seeded.base + "/dashboard")
    assert page.url.endswith("/dashboard/login")  # no session yet
    page.fill("#key", key)
    page.click("#log-in")
    page.wait_for_selector("body[data-loaded='usage']")
    return page


def _visit(page: Any, seeded: Seeded, slug: str) -> None:
    page.goto(f"{seeded.base}/dashboard/{slug}".rstrip("/"))
    page.wait_for_selector(f"body[data-loaded='{slug or 'usage'}']")
    assert not page.is_visible("#page-error"), page.text_content("#page-error")


def _wait_unless_refused(page: Any, shown: str) -> None:
    """Wait until the JavaScript expression ``shown`` holds, or the page shows an error:
    a change the admin API refused fails with its message, not with a timeout."""
    page.wait_for_function(f"() => !document.getElementById('page-error').hidden || ({shown})")
    assert not page.is_visible("#page-error"), page.text_content("#page-error")


def _chart_total(page: Any, canvas: str) -> float:
    total: float = page.evaluate(
        """id => Chart.getChart(document.getElementById(id)).data.datasets
                 .flatMap(d => d.data).reduce((a, b) => a + Number(b || 0), 0)""",
        canvas,
    )
    return total


def test_an_admin_sees_the_seeded_run_on_every_page(browser: Any, seeded: Seeded) -> None:
    page = _log_in(browser, seeded, seeded.admin_key)
    usage = seeded.admin_api("/admin/usage?by=feature&since=30d")["total"]
    assert usage["requests"] >= 9
    assert page.text_content("#tile-requests .value") == f"{usage['requests']:,}"
    assert _chart_total(page, "requests-chart") == usage["requests"]
    assert Decimal(str(_chart_total(page, "cost-chart"))).quantize(Decimal("1e-9")) == Decimal(
        usage["cost_usd"]
    ).quantize(Decimal("1e-9"))
    assert "resume" in page.text_content("#usage-table")
    page.select_option("#by", "model")
    page.wait_for_function(
        "() => document.querySelector('#usage-table').textContent.includes('gpt-4o')"
    )
    page.select_option("#by", "key")  # keys by their prefix and name, not their id
    page.wait_for_function(
        "() => document.querySelector('#usage-table').textContent.includes('... leaked')"
    )
    for slug in PAGES[1:]:
        _visit(page, seeded, slug)
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SCREENSHOTS}/{slug}.png", full_page=True)
        _check_page(page, slug)
    _visit(page, seeded, "upstreams")
    assert _chart_total(page, "errors-chart") >= usage["requests"]  # requests by the minute
    assert _spent(seeded) > 0
    if SCREENSHOTS:
        _visit(page, seeded, "")
        page.screenshot(path=f"{SCREENSHOTS}/usage.png", full_page=True)
    assert page.errors == []  # no script failed, the policy refused nothing
    page.context.close()


EXPECTED = {
    "budgets": ["feature resume", "hard"],
    "keys": ["leaked", "operator", "alice / growth"],
    "alerts": ["gateway_latency_burn", "upstream_latency_burn", "deployment:primary"],
    "upstreams": ["primary", "closed"],
    "cache": ["hits", "hit rate", "saved usd"],
    "evals": ["summaries", "gpt-4o-mini", "recommended"],
}
"""What each page must show of the seeded run."""


def _check_page(page: Any, slug: str) -> None:
    text = page.text_content("#main")
    missing = [wanted for wanted in EXPECTED[slug] if wanted not in text]
    assert not missing, f"{slug}: {missing} not shown"


def test_a_reader_looks_but_cannot_act(browser: Any, seeded: Seeded) -> None:
    page = _log_in(browser, seeded, seeded.reader_key)
    _visit(page, seeded, "budgets")
    assert not page.is_visible("#budget-form")
    _visit(page, seeded, "keys")
    assert not page.is_visible("button[data-key]")  # no revoke buttons shown...
    victim = next(
        k["id"] for k in seeded.admin_api("/admin/key-activity")["data"] if k["name"] == "leaked"
    )
    # ...and the API refuses the reader's session anyway, CSRF token and all.
    status, code = page.evaluate(
        """async id => {
             const csrf = document.querySelector('meta[name=careergate-csrf]').content;
             const r = await fetch('/admin/keys/' + id,
                                   {method: 'DELETE', headers: {'x-csrf-token': csrf}});
             return [r.status, (await r.json()).error.code];
           }""",
        victim,
    )
    assert (status, code) == (403, "admin_required")
    seeded.gateway.client(seeded.victim_key).models.list()  # the key still works
    page.context.close()


def test_an_admin_revokes_a_key_acknowledges_an_alert_and_sets_a_budget(
    browser: Any, seeded: Seeded
) -> None:
    page = _log_in(browser, seeded, seeded.admin_key)
    _visit(page, seeded, "keys")
    row = page.locator("tr", has_text="leaked")
    row.locator("button", has_text="Revoke").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#keys-table tr')].some("
        "r => r.textContent.includes('leaked') && r.textContent.includes('revoked'))"
    )
    time.sleep(seeded.gateway.settings.key_cache_seconds)  # every process's cached lookup
    with pytest.raises(openai.AuthenticationError):
        seeded.gateway.client(seeded.victim_key).models.list()
    _visit(page, seeded, "alerts")
    page.locator("tr[data-kind='gateway_latency_burn'] button").click()
    page.wait_for_selector("tr[data-kind='gateway_latency_burn'] >> text=acknowledged by")
    _visit(page, seeded, "budgets")
    page.select_option("#budget-form select[name=scope]", "team")
    page.fill("#budget-form input[name=subject]", "search")
    page.fill("#budget-form input[name=limit_usd]", "2.5")
    page.click("#create-budget")
    _wait_unless_refused(
        page,
        "[...document.querySelectorAll('article.budget')]"
        ".some(a => a.textContent.includes('team search'))",
    )
    created = [b for b in seeded.admin_api("/admin/budgets")["data"] if b["subject"] == "search"]
    assert [(b["scope"], b["limit_usd"], b["hard"]) for b in created] == [("team", "2.5", True)]
    page.wait_for_load_state("networkidle")  # the page has drawn the list it will show
    with page.expect_response(lambda answer: answer.request.method == "DELETE") as removed:
        page.locator(f"article[data-budget='{created[0]['id']}'] button", has_text="Remove").click()
    assert removed.value.ok, removed.value.text()
    page.wait_for_function("() => !document.body.textContent.includes('team search')")
    assert len(seeded.admin_api("/admin/budgets")["data"]) == 1
    page.context.close()
