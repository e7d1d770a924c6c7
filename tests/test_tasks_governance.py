"""Background tasks under the rules for personal data, through the public interfaces
(``/v1/tasks``, the admin API's privacy routes, the library's purge): a user's tasks are
in their export and go with their erasure, leaving nothing of what they submitted in the
database's files; ended tasks go after their retention, running ones stay; a task's
items reach the upstream pseudonymised exactly as the same request made directly."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from careergate.auth.principal import Role
from careergate.governance.retention import Purged, purge
from careergate.privacy import PrivacyMode
from careergate.sandbox.faults import Fault
from careergate.settings import RetentionSettings
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, in_database, start_gateway, wait_for
from test_keys_access import admin_call
from test_skills_feature import post_feature
from test_tasks import FAST_TASKS, Api, Receiver, apis, items_of

__all__ = ["apis"]  # the fixture, shared with test_tasks

pytestmark = pytest.mark.timeout(120)

USER = "ivy-7qz3"
OTHER = "rowan-4kd8"
SAID = "Kilimanjaro by the Machame route, 4471"
"""What the user asks in their own tasks: nowhere in the database after the erasure."""
SAID_VIA_SERVICE = "Ngorongoro crater notes, 9902"
"""What a service asks for the user in a task of its own, among other users' items."""
SAID_BY_OTHER = "Serengeti migration timing, 3318"


@pytest.fixture(scope="module")
def tasks_gateway(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    """Privacy off unless a key asks for it; names found only when known (no name
    model to load)."""
    settings = gateway_settings(
        tmp_path_factory.mktemp("tasks-governance"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        extra_config={"privacy": {"mode": "off", "names": False}},
        tasks=FAST_TASKS,
        record_process=False,
    )
    yield from start_gateway(settings, module_fake)


@pytest.fixture
def gateway(tasks_gateway: RunningGateway) -> Iterator[RunningGateway]:
    tasks_gateway.fake.reset()
    yield tasks_gateway
    tasks_gateway.fake.reset()


def asking(text: str, user: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    if user is not None:
        body["user"] = user
    return body


def stored(gateway: RunningGateway) -> bytes:
    """Every file of the data directory (the database, its write-ahead log, the job
    queue's file, the journals), as bytes."""
    files = sorted(p for p in gateway.settings.data_dir.rglob("*") if p.is_file())
    return b"".join(path.read_bytes() for path in files)


def test_a_users_tasks_are_exported_and_erased_with_nothing_of_their_input_left(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    mine = Api(gateway.base_url, gateway.create_key(user=USER), apis)
    service = Api(gateway.base_url, gateway.create_key(act_for_users=True), apis)
    ended = mine.wait(mine.submit({"kind": "chat.completions", "requests": [asking(SAID)]})["id"])
    for_both = [asking(SAID_VIA_SERVICE, USER), asking(SAID_BY_OTHER, OTHER)]
    shared = service.wait(service.submit({"kind": "chat.completions", "requests": for_both})["id"])
    # A task of theirs still running: two items done, two calls upstream (slow ones), and
    # four waiting when the erasure comes.
    gateway.fake.faults.enqueue(Fault(), Fault())
    gateway.fake.faults.add_rate(Fault(delay=1.0), 1.0)
    earlier = len(gateway.fake.requests)
    receiver = Receiver()
    followed = {"kind": "chat.completions", "requests": [asking(SAID)] * 8}
    running = mine.submit(followed | {"webhook": receiver.url})
    wait_for(lambda: len(gateway.fake.requests) == earlier + 4)

    admin = gateway.create_key(role=Role.ADMIN)
    _, exported = admin_call(gateway, admin, "GET", f"/admin/privacy/export?user={USER}")
    assert {task["id"] for task in exported["tasks"]} == {ended["id"], running["id"]}
    theirs = [(i["task_id"], i["idx"]) for i in exported["task_items"]]
    assert (shared["id"], 0) in theirs
    assert (shared["id"], 1) not in theirs
    assert len(theirs) == 1 + 1 + 8
    assert SAID_VIA_SERVICE in json.dumps(exported)

    status, erased = admin_call(gateway, admin, "POST", "/admin/privacy/delete", {"user": USER})
    assert (status, erased["tasks"], erased["task_items"]) == (200, 2, 1)
    calls = len(gateway.fake.requests)
    try:  # the service following the task is told it ended, and why (the first is a 503)
        wait_for(lambda: len(receiver.deliveries) == 2)
    finally:
        receiver.close()
    headers, told = receiver.deliveries[-1]
    assert headers["x-careergate-event"] == "task.erased"
    assert USER.encode() not in told
    time.sleep(0.2)  # longer than a waiting item takes to start, were any left to run
    assert len(gateway.fake.requests) == calls

    operator = Api(gateway.base_url, admin, apis)  # the user's key is revoked now
    for task_id in (ended["id"], running["id"]):
        task = operator.status(task_id)
        assert (task["status"], task["user"]) == ("erased", None)
        assert task["progress"]["done"] == (1 if task_id == ended["id"] else 2)
        assert task["finished_at"]
        page = operator.results(task_id)
        assert (page["data"], "summary" in page) == ([], False)
    erased_item, kept = service.results(shared["id"])["data"]
    assert (erased_item["status"], erased_item["result"]) == ("erased", None)
    assert kept["status"] == "done"
    assert SAID_BY_OTHER in json.dumps(kept["result"])
    assert service.status(shared["id"])["progress"]["done"] == 2

    _, left = admin_call(gateway, admin, "GET", f"/admin/privacy/export?user={USER}")
    assert (left["tasks"], left["task_items"]) == ([], [])
    files = stored(gateway)
    assert SAID.encode() not in files
    assert SAID_VIA_SERVICE.encode() not in files
    assert SAID_BY_OTHER.encode() in files  # what is searched is readable there


def test_a_users_export_holds_none_of_the_items_their_task_ran_for_others(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    """A service's task submitted for one user may carry items it runs for others (each
    naming its user): those are the others' data, in their exports, not in this one."""
    service = Api(gateway.base_url, gateway.create_key(act_for_users=True), apis)
    items = [asking(SAID_VIA_SERVICE), asking(SAID_BY_OTHER, OTHER)]
    task = service.wait(
        service.submit({"kind": "chat.completions", "requests": items, "user": USER})["id"]
    )
    admin = gateway.create_key(role=Role.ADMIN)
    _, theirs = admin_call(gateway, admin, "GET", f"/admin/privacy/export?user={USER}")
    assert [task["id"]] == [t["id"] for t in theirs["tasks"]]
    assert [(task["id"], 0)] == [(i["task_id"], i["idx"]) for i in theirs["task_items"]]
    assert SAID_BY_OTHER not in json.dumps(theirs)
    _, others = admin_call(gateway, admin, "GET", f"/admin/privacy/export?user={OTHER}")
    assert (task["id"], 1) in [(i["task_id"], i["idx"]) for i in others["task_items"]]


def purged_at(gateway: RunningGateway, retention: RetentionSettings, days: float) -> Purged:
    """The retention purge as it would run ``days`` from now."""
    settings = gateway.settings
    now = datetime.now(UTC) + timedelta(days=days)
    return in_database(
        settings, lambda database: purge(database, retention, settings.dead_letter_dir, now)
    )


def test_ended_tasks_go_after_their_retention_running_ones_stay(
    gateway: RunningGateway, apis: list[Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERGATE_RETENTION_TASKS_DAYS", "2")
    others = dict.fromkeys(("usage", "audit", "feedback", "eval", "dead_letter", "responses"))
    retention = RetentionSettings(**{f"{kind}_days": None for kind in others})
    assert retention.tasks_days == 2
    api = Api(gateway.base_url, gateway.create_key(), apis)
    ended = api.wait(api.submit({"kind": "chat.completions", "requests": [asking("a")]})["id"])
    gateway.fake.faults.add_rate(Fault(delay=0.5), 1.0)
    running = api.submit({"kind": "chat.completions", "requests": [asking("b")]})
    wait_for(lambda: api.status(running["id"])["status"] == "running")

    assert purged_at(gateway, retention, 1).tasks == 0
    assert purged_at(gateway, retention, 3).tasks >= 1
    assert api.client.get(f"/tasks/{ended['id']}").status_code == 404
    assert items_of(gateway.settings, ended["id"]) == []
    assert api.status(running["id"])["status"] == "running"
    assert api.wait(running["id"])["status"] == "completed"


PROFILE = {
    "basics": {
        "name": "Marisol Quintero-Vance",
        "email": "marisol.qv@example.org",
        "phone": "+1 503 555 0147",
        "summary": "Marisol Quintero-Vance, data engineer: marisol.qv@example.org, 503 555 0147.",
    },
    "work": [
        {
            "name": "Orbit",
            "position": "Data Engineer",
            "highlights": [
                "Responsible for the nightly SQL loads, see https://github.com/mqvance",
                "Built Spark pipelines in Python that cut costs by 30%",
            ],
        }
    ],
    "skills": [{"name": "Data", "keywords": ["Python", "SQL"]}],
}
POSTING = {"title": "Data Engineer", "description": "Pipelines in Python on SQL stores."}
PERSONAL = ("Marisol", "Quintero", "marisol.qv@example.org", "555 0147", "github.com/mqvance")


def test_a_feature_tasks_items_reach_the_upstream_pseudonymised_as_direct_requests(
    gateway: RunningGateway, apis: list[Api]
) -> None:
    admin = gateway.create_key(role=Role.ADMIN)
    known = {"subject": {"names": [PROFILE["basics"]["name"]]}}  # the name model is off
    assert admin_call(gateway, admin, "PUT", "/admin/privacy/subjects/u-qv", known)[0] == 200
    key = gateway.create_key(user="u-qv", privacy=PrivacyMode.PSEUDONYMISE)
    item = {"resume": PROFILE, "job": POSTING}
    status, _ = post_feature(gateway, "content/optimise", key, item)
    assert status == 200
    direct = [request.body for request in gateway.fake.requests]
    gateway.fake.reset()
    api = Api(gateway.base_url, key, apis)
    task = api.wait(api.submit({"kind": "content.optimise", "items": [item]})["id"])
    assert task["progress"]["done"] == 1
    from_task = [request.body for request in gateway.fake.requests]
    assert from_task == direct
    sent = json.dumps(from_task)
    # The resume's own phone is the subject's: this spelling of it, its second.
    for placeholder in ("[PERSON_1]", "[EMAIL_1]", "[PHONE_1_2]", "[LINK_1]"):
        assert placeholder in sent
    for value in PERSONAL:
        assert value not in sent, value
