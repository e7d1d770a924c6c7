"""What operators set (keys, budgets, subjects, aliases, report ranges) is checked where it
enters: bad input gets a 400 in OpenAI's error format over the admin API and one line with
exit code 2 from the CLI, and nothing is written; what was refused cannot break the
listings, the audit log or the backups afterwards."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from careergate.security.master_key import MasterKey
from conftest import RunningGateway, cli_env, run_cli
from test_keys_access import admin_call

BIG = 123456789012345678901234567890


def _initialised(data_dir: Path) -> dict[str, str]:
    env = cli_env(
        CAREERGATE_DATA_DIR=str(data_dir),
        CAREERGATE_MASTER_KEY=MasterKey.generate().to_base64(),
        COLUMNS="300",  # the error panel's lines unfolded
    )
    run_cli(env, "db", "init")
    return env


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One data directory for the commands that are refused (they write nothing)."""
    return _initialised(tmp_path_factory.mktemp("refusals") / "data")


def _refused(answer: tuple[int, Any], param: str) -> str:
    status, body = answer
    assert status == 400, body
    error = body["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    return str(error["message"])


def _one_line_refusal(done: Any, option: str) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "a bug" not in done.stderr
    assert option in done.stderr
    return str(done.stderr)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"metadata": {"a": BIG}}, "metadata"),
        ({"metadata": {"a": [1, -(2**63) - 1]}}, "metadata"),
        ({"models": [""]}, "models"),
        ({"features": ["search", " "]}, "features"),
        ({"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}, "expires_at"),
    ],
)
def test_a_key_the_gateway_could_not_keep_is_refused_and_not_created(
    gateway: RunningGateway, admin_key: str, body: dict[str, Any], param: str
) -> None:
    before = admin_call(gateway, admin_key, "GET", "/admin/keys?all=1")[1]["data"]
    _refused(admin_call(gateway, admin_key, "POST", "/admin/keys", body), param)
    status, after = admin_call(gateway, admin_key, "GET", "/admin/keys?all=1")
    assert status == 200
    assert [k["id"] for k in after["data"]] == [k["id"] for k in before]
    created = admin_call(gateway, admin_key, "POST", "/admin/keys", {"name": "fine"})[1]
    _refused(admin_call(gateway, admin_key, "PATCH", f"/admin/keys/{created['id']}", body), param)


def test_the_largest_64_bit_integers_and_a_future_expiry_are_kept(
    gateway: RunningGateway, admin_key: str
) -> None:
    metadata = {"low": -(2**63), "high": 2**64 - 1, "float": 1.5}
    expires = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None).isoformat()
    status, created = admin_call(
        gateway, admin_key, "POST", "/admin/keys", {"metadata": metadata, "expires_at": expires}
    )
    assert status == 201, created
    assert created["metadata"] == metadata
    assert created["state"] == "active"
    status, audit = admin_call(gateway, admin_key, "GET", "/admin/audit")
    assert status == 200
    assert any(e["target"] == created["id"] for e in audit["data"])


def test_the_cli_refuses_an_integer_past_64_bits_in_metadata(tmp_path: Path) -> None:
    cli = _initialised(tmp_path / "data")
    done = run_cli(cli, "keys", "create", "--metadata", json.dumps({"a": BIG}), check=False)
    assert "64-bit" in _one_line_refusal(done, "--metadata")
    assert json.loads(run_cli(cli, "keys", "list", "--json").stdout) == []
    kept = json.loads(
        run_cli(cli, "keys", "create", "--metadata", '{"a": 18446744073709551615}', "--json").stdout
    )
    assert kept["metadata"] == {"a": 2**64 - 1}
    run_cli(cli, "backup", "create", "--out", str(tmp_path / "b.cgbk"))


AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"
PASSWORD = "hunter2x9"


@pytest.mark.parametrize(
    ("method", "path", "body", "param"),
    [
        ("POST", "/admin/keys", {"user": AWS_KEY_ID}, "user"),
        ("POST", "/admin/keys", {"name": GITHUB_TOKEN}, "name"),
        ("POST", "/admin/keys", {"team": f"team {AWS_KEY_ID}"}, "team"),
        ("POST", "/admin/keys", {"models": ["gpt-4o", GITHUB_TOKEN]}, "models"),
        ("POST", "/admin/keys", {"metadata": {"pw": f"password: {PASSWORD}"}}, "metadata"),
        ("POST", "/admin/keys", {"metadata": {AWS_KEY_ID: 1}}, "metadata"),
        (
            "POST",
            "/admin/budgets",
            {"scope": "team", "subject": AWS_KEY_ID, "limit_usd": "5"},
            "subject",
        ),
        (
            "POST",
            "/admin/budgets",
            {"scope": "team", "subject": "t", "name": GITHUB_TOKEN, "limit_usd": "5"},
            "name",
        ),
        ("PUT", f"/admin/privacy/subjects/{AWS_KEY_ID}", {"subject": {"names": ["Al"]}}, "user"),
    ],
)
def test_a_credential_set_as_a_label_is_refused_without_repeating_it(
    gateway: RunningGateway, admin_key: str, method: str, path: str, body: Any, param: str
) -> None:
    status, answer = admin_call(gateway, admin_key, method, path, body)
    message = _refused((status, answer), param)
    assert answer["error"]["code"] == "secret_refused"
    assert "credential" in message
    for secret in (AWS_KEY_ID, GITHUB_TOKEN, PASSWORD):
        assert secret not in json.dumps(answer)
    audit = json.dumps(admin_call(gateway, admin_key, "GET", "/admin/audit?limit=1000")[1])
    for secret in (AWS_KEY_ID, GITHUB_TOKEN, PASSWORD):
        assert secret not in audit


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("keys", "create", "--user", AWS_KEY_ID), "--user"),
        (("keys", "create", "--name", GITHUB_TOKEN), "--name"),
        (
            ("keys", "create", "--metadata", json.dumps({"pw": f"password: {PASSWORD}"})),
            "--metadata",
        ),
        (
            ("budgets", "create", "--scope", "team", "--subject", AWS_KEY_ID, "--limit-usd", "5"),
            "--subject",
        ),
        (("models", "alias", "set", "x", AWS_KEY_ID), "'model'"),
        (("models", "alias", "set", GITHUB_TOKEN, "gpt-4o-mini"), "'alias'"),
    ],
)
def test_the_cli_refuses_a_credential_as_a_label(
    cli: dict[str, str], args: tuple[str, ...], option: str
) -> None:
    done = run_cli(cli, *args, check=False)
    stderr = _one_line_refusal(done, option)
    assert "credential" in stderr
    database = b"".join(p.read_bytes() for p in Path(cli["CAREERGATE_DATA_DIR"]).glob("*.db*"))
    for secret in (AWS_KEY_ID, GITHUB_TOKEN, PASSWORD):
        assert secret not in stderr
        assert secret.encode() not in database


def test_the_cli_refuses_a_credential_as_a_privacy_subject(
    cli: dict[str, str], tmp_path: Path
) -> None:
    subject = tmp_path / "subject.json"
    subject.write_text(json.dumps({"subject": {"names": ["Al Smith"]}}))
    done = run_cli(
        cli, "privacy", "subject", "set", "--user", AWS_KEY_ID, str(subject), check=False
    )
    assert AWS_KEY_ID not in _one_line_refusal(done, "--user")
    run_cli(cli, "privacy", "subject", "set", "--user", "al", str(subject))


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/admin/usage?since=99999999d", "since"),
        ("/admin/usage?until=99999999d", "until"),
        ("/admin/usage?since=0001-01-01T00:00:00%2B01:00", "since"),
        ("/admin/audit/export?since=99999999d", "since"),
        ("/admin/audit/export?until=9999-12-31T23:59:59-05:00", "until"),
    ],
)
def test_a_time_out_of_range_gets_400(
    gateway: RunningGateway, admin_key: str, path: str, param: str
) -> None:
    status, answer = admin_call(gateway, admin_key, "GET", path)
    assert status == 400, answer
    assert (answer["error"]["type"], answer["error"]["param"]) == ("invalid_request_error", param)
    assert "out of range" in answer["error"]["message"]


def test_the_cli_refuses_a_time_out_of_range(cli: dict[str, str]) -> None:
    for args in (("usage", "--since", "99999999d"), ("audit", "export", "--until", "99999999d")):
        _one_line_refusal(run_cli(cli, *args, check=False), args[-2])


SUPERSCRIPT_TWO = "%C2%B2"  # "²": str.isdigit() says yes, int() says no


@pytest.mark.parametrize(
    ("method", "path", "param"),
    [
        ("GET", f"/admin/audit?limit={SUPERSCRIPT_TWO}", "limit"),
        ("GET", f"/admin/alerts?limit={SUPERSCRIPT_TWO}", "limit"),
        ("GET", f"/admin/evals?limit={SUPERSCRIPT_TWO}", "limit"),
        ("POST", f"/admin/alerts/{SUPERSCRIPT_TWO}/acknowledge", "alert"),
        ("GET", "/admin/audit?limit=%D9%A3", "limit"),  # an Arabic-Indic three
        ("GET", "/admin/audit?limit=-1", "limit"),
        ("GET", "/admin/audit?limit=" + "9" * 5000, "limit"),
        ("POST", "/admin/alerts/" + "9" * 19 + "/acknowledge", "alert"),
    ],
)
def test_a_number_that_is_not_ascii_digits_gets_400(
    gateway: RunningGateway, admin_key: str, method: str, path: str, param: str
) -> None:
    message = _refused(
        admin_call(gateway, admin_key, method, path, {} if method == "POST" else None), param
    )
    assert "whole number" in message


def test_a_listing_limit_is_still_capped(gateway: RunningGateway, admin_key: str) -> None:
    for path in ("/admin/audit?limit=99999", "/admin/alerts?limit=5", "/admin/evals?limit=0"):
        assert admin_call(gateway, admin_key, "GET", path)[0] == 200


def test_a_subject_user_over_200_characters_is_refused(
    gateway: RunningGateway, admin_key: str, cli: dict[str, str], tmp_path: Path
) -> None:
    long_user = "jane.doe@example.com-" + "x" * 280
    body = {"subject": {"names": ["Jane Doe"]}}
    path = f"/admin/privacy/subjects/{long_user}"
    assert "200" in _refused(admin_call(gateway, admin_key, "PUT", path, body), "user")
    exactly_200 = f"/admin/privacy/subjects/{long_user[:200]}"
    assert admin_call(gateway, admin_key, "PUT", exactly_200, body)[0] == 200
    subject = tmp_path / "subject.json"
    subject.write_text(json.dumps(body))
    done = run_cli(cli, "privacy", "subject", "set", "--user", long_user, str(subject), check=False)
    assert "200" in _one_line_refusal(done, "--user")
