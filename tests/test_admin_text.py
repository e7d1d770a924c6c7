"""Admin inputs no database can keep (a NUL character, a lone surrogate) get a 400 in
OpenAI's error format naming the parameter, on SQLite and on PostgreSQL alike; the CLI
commands that take the same values refuse them with a message, not a traceback."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from careergate.auth.principal import Role
from careergate.security.master_key import MasterKey
from careergate.testing import FakeOpenAI
from conftest import CLI, RunningGateway, cli_env, gateway_settings, run_cli, start_gateway
from test_keys_access import admin_call
from test_postgres import fresh_postgres_database

NUL = "%00"

# (method, path, body, the parameter named)
CASES: list[tuple[str, str, Any, str]] = [
    ("GET", f"/admin/privacy/export?user={NUL}", None, "user"),
    ("GET", f"/admin/privacy/export?user=ann{NUL}", None, "user"),
    ("GET", f"/admin/audit/export?user={NUL}", None, "user"),
    ("GET", f"/admin/audit/verify?head={NUL}", None, "head"),
    ("GET", f"/admin/audit?limit={NUL}", None, "limit"),
    ("GET", f"/admin/usage?by={NUL}", None, "by"),
    ("GET", f"/admin/feedback?by={NUL}", None, "by"),
    ("GET", f"/admin/keys?all={NUL}", None, "all"),
    ("GET", f"/admin/keys/{NUL}abcdefgh", None, "key"),
    ("PATCH", f"/admin/keys/{NUL}abcdefgh", {"team": "t"}, "key"),
    ("DELETE", f"/admin/keys/{NUL}abcdefgh", None, "key"),
    ("POST", f"/admin/keys/{NUL}abcdefgh/rotate", {}, "key"),
    ("PUT", f"/admin/privacy/subjects/ann{NUL}", {"subject": {"names": ["Ann"]}}, "user"),
    ("DELETE", f"/admin/privacy/subjects/{NUL}", None, "user"),
    ("POST", "/admin/privacy/delete", {"user": "ann\x00"}, "user"),
    ("POST", "/admin/keys", {"user": "ann\x00"}, "user"),
    (
        "POST",
        "/admin/keys",
        {"name": "n", "metadata": {"note": ["ok", "x\x00"]}},
        "metadata.note.1",
    ),
    ("POST", "/admin/keys", {"metadata": {"k\x00": 1}}, "metadata.k\\x00"),
    ("PUT", "/admin/privacy/subjects/ann", {"subject": {"names": ["A\x00nn"]}}, "subject.names.0"),
]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def any_gateway(
    request: pytest.FixtureRequest,
    module_fake: FakeOpenAI,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    deployments = [
        {"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}
    ]
    directory = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        yield from start_gateway(gateway_settings(directory, deployments), module_fake)
        return
    with fresh_postgres_database() as url:
        yield from start_gateway(
            gateway_settings(directory, deployments, database_url=url), module_fake
        )


@pytest.mark.parametrize(("method", "path", "body", "param"), CASES)
def test_text_no_database_keeps_gets_400_naming_the_parameter(
    any_gateway: RunningGateway, method: str, path: str, body: Any, param: str
) -> None:
    admin = any_gateway.create_key(role=Role.ADMIN)
    status, answer = admin_call(any_gateway, admin, method, path, body)
    assert status == 400, answer
    error = answer["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request_error",
        "invalid_text",
        param,
    )
    assert "NUL" in error["message"]
    # The database is none the worse: the next request on the same route is answered.
    assert admin_call(any_gateway, admin, "GET", "/admin/privacy/export?user=ann")[0] == 200


def test_a_lone_surrogate_in_a_body_gets_400(any_gateway: RunningGateway) -> None:
    admin = any_gateway.create_key(role=Role.ADMIN)
    for path, body in [
        ("/admin/privacy/delete", {"user": "ann\ud800"}),
        ("/admin/keys", {"team": "\udcff"}),
        ("/admin/privacy/subjects/ann", {"subject": {"names": ["\ud800"]}}),
    ]:
        status, answer = admin_call(
            any_gateway, admin, "POST" if "subjects" not in path else "PUT", path, body
        )
        assert status == 400, (path, answer)
        assert answer["error"]["type"] == "invalid_request_error"


def test_an_unauthenticated_caller_is_refused_before_its_text_is_read(
    any_gateway: RunningGateway,
) -> None:
    status, answer = admin_call(any_gateway, "sk-cg-wrong", "GET", f"/admin/audit?limit={NUL}")
    assert status == 401
    assert answer["error"]["param"] is None


@pytest.fixture
def cli(tmp_path: Path) -> dict[str, str]:
    return cli_env(
        CAREERGATE_DATA_DIR=str(tmp_path / "data"),
        CAREERGATE_MASTER_KEY=MasterKey.generate().to_base64(),
        COLUMNS="300",  # the error panel's lines unfolded
    )


def _run_raw(env: dict[str, str], *args: bytes) -> subprocess.CompletedProcess[str]:
    """The CLI with arguments that are not UTF-8 (as a terminal in another encoding sends
    them; an argument cannot hold a NUL byte)."""
    return subprocess.run(
        [CLI.encode(), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        (b"privacy", b"export", b"--user", b"ann\xff"),
        (b"privacy", b"delete", b"--yes", b"--user", b"ann\xff"),
        (b"privacy", b"subject", b"forget", b"--user", b"\xe9"),
        (b"audit", b"export", b"--user", b"ann\xff"),
        (b"keys", b"show", b"sk-cg-\xffabcdefgh"),
        (b"keys", b"revoke", b"sk-cg-\xffabcdefgh"),
        (b"keys", b"rotate", b"sk-cg-\xffabcdefgh"),
        (b"keys", b"update", b"sk-cg-\xffabcdefgh", b"--rpm", b"5"),
        (b"keys", b"create", b"--user", b"ann\xff"),
        (b"keys", b"create", b"--team", b"\xff"),
        (b"keys", b"create", b"--metadata", b'{"note": "x\\u0000"}'),
    ],
)
def test_the_cli_refuses_text_no_database_keeps(
    cli: dict[str, str], args: tuple[bytes, ...]
) -> None:
    done = _run_raw(cli, *args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot store" in done.stderr


def test_the_cli_keeps_any_other_text(cli: dict[str, str]) -> None:
    run_cli(cli, "db", "init")
    created = json.loads(
        run_cli(
            cli, "keys", "create", "--user", "Zoë 👩‍💻", "--metadata", '{"n": "é"}', "--json"
        ).stdout
    )
    assert created["user"] == "Zoë 👩‍💻"
