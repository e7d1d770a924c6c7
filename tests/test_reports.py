"""Usage reports: by user, team, feature, model and key; the totals agree."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import quote

from careergate.auth.principal import Role
from conftest import RunningGateway, cli_env, run_cli
from test_keys_access import admin_call


def cli(gateway: RunningGateway, *args: str) -> str:
    return run_cli(cli_env(gateway.settings), *args).stdout


def test_reports_by_any_dimension_add_up_to_the_same_total(gateway: RunningGateway) -> None:
    traffic = [
        ("ana", "search", "resume", "gpt-4o-mini", 3),
        ("ben", "search", "job-match", "gpt-4o", 2),
        ("cat", "growth", "resume", "gpt-4.1-mini", 4),
    ]
    count = 0
    for user, team, feature, model, times in traffic:
        client = gateway.client(gateway.create_key(user=user, team=team, feature=feature))
        for n in range(times):
            client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": f"{user} asks {n}"}]
            )
            count += 1
    rows = gateway.usage_rows(count)
    expected = (
        len(rows),
        sum(r.prompt_tokens for r in rows),
        sum(r.completion_tokens for r in rows),
        sum(r.cost_nano_usd or 0 for r in rows),
    )

    totals = {}
    for by in ("user", "team", "feature", "model", "key"):
        report = json.loads(cli(gateway, "usage", "--by", by, "--since", "1d", "--format", "json"))
        total = report["total"]
        totals[by] = (
            total["requests"],
            total["prompt_tokens"],
            total["completion_tokens"],
            total["cost_usd"],
        )
        assert sum(line["requests"] for line in report["lines"]) == total["requests"]
    assert len(set(totals.values())) == 1
    requests, prompt, completion, cost = totals["user"]
    assert (requests, prompt, completion) == expected[:3]
    assert Decimal(cost) == Decimal(expected[3]) / 10**9  # exact, to the nano-dollar

    by_feature = json.loads(cli(gateway, "usage", "--by", "feature", "--format", "json"))
    resume = next(line for line in by_feature["lines"] if line["group"] == "resume")
    assert resume["requests"] == 7

    as_csv = list(
        csv.DictReader(io.StringIO(cli(gateway, "usage", "--by", "team", "--format", "csv")))
    )
    assert {row["group"] for row in as_csv} >= {"search", "growth"}
    table = cli(gateway, "usage", "--by", "model", "--period", "day")
    assert "gpt-4o-mini" in table
    assert "total" in table


def test_readers_can_read_reports_over_http(gateway: RunningGateway) -> None:
    reader = gateway.create_key(role=Role.READER)
    gateway.client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
    )
    gateway.usage_rows(1)
    status, report = admin_call(gateway, reader, "GET", "/admin/usage?by=model&since=1h&period=day")
    assert status == 200
    assert report["total"]["requests"] >= 1
    status, error = admin_call(gateway, reader, "GET", "/admin/usage?by=colour")
    assert (status, error["error"]["type"]) == (400, "invalid_request_error")
    status, _ = admin_call(gateway, reader, "GET", "/admin/keys")
    assert status == 403


def _counts(gateway: RunningGateway, admin: str, since: str, until: str) -> tuple[int, ...]:
    """Requests in the usage report and audit entries exported, from the CLI and over
    HTTP, since ``since`` and until ``until``."""
    query = f"since={quote(since)}&until={quote(until)}"
    usage = admin_call(gateway, admin, "GET", f"/admin/usage?{query}")[1]
    audit = admin_call(gateway, admin, "GET", f"/admin/audit/export?{query}")[1]
    report = json.loads(cli(gateway, "usage", "--since", since, "--until", until, "--json"))
    exported = cli(gateway, "audit", "export", "--since", since, "--until", until)
    return (
        usage["total"]["requests"],
        len(audit["data"]),
        report["total"]["requests"],
        len(exported.splitlines()),
    )


def test_a_time_with_a_utc_offset_selects_what_the_same_moment_in_utc_does(
    gateway: RunningGateway,
) -> None:
    admin = gateway.create_key(role=Role.ADMIN)
    written = len(gateway.usage_rows())
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    client = gateway.client()
    for n in range(2):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"hello {n}"}]
        )
    admin_call(gateway, admin, "POST", "/admin/keys", {"name": "audited now"})
    gateway.usage_rows(written + 2)
    end = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    # The reads below are audited too: they must fall after the window, and what is in
    # it must have reached the database (audit entries are written in batches).
    time.sleep((end - datetime.now(UTC)).total_seconds() + 1.1)

    def as_utc(moment: datetime) -> str:
        return moment.replace(tzinfo=None).isoformat()

    def in_paris_winter(moment: datetime) -> str:
        return moment.astimezone(timezone(timedelta(hours=1))).isoformat()

    def in_new_york(moment: datetime) -> str:
        return moment.astimezone(timezone(timedelta(hours=-5))).isoformat()

    expected = _counts(gateway, admin, as_utc(start), as_utc(end))
    for _ in range(20):
        time.sleep(0.25)
        again = _counts(gateway, admin, as_utc(start), as_utc(end))
        if again == expected:
            break
        expected = again
    assert min(expected) >= 1
    for written_as in (in_paris_winter, in_new_york):
        assert _counts(gateway, admin, written_as(start), written_as(end)) == expected


def test_the_ends_of_the_calendar_are_empty_windows_not_errors(gateway: RunningGateway) -> None:
    admin = gateway.create_key(role=Role.ADMIN)
    last, first = "9999-12-31T23:59:59", "0001-01-01T00:00:00"
    assert _counts(gateway, admin, last, last)[::2] == (0, 0)  # the usage reports
    assert _counts(gateway, admin, first, first)[::2] == (0, 0)
