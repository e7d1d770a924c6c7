"""The operator CLI, run as a user would run it."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from careergate.security.master_key import MasterKey
from conftest import ServedProcess, cli_env, run_cli, serve_process


@pytest.fixture(name="cli_env")
def cli_env_fixture(tmp_path: Path) -> dict[str, str]:
    return cli_env(
        CAREERGATE_DATA_DIR=str(tmp_path / "data"),
        CAREERGATE_MASTER_KEY=MasterKey.generate().to_base64(),
        CAREERGATE_LOG_FORMAT="json",
        CAREERGATE_KEY_CACHE_SECONDS="0.2",
    )


def careergate(env: dict[str, str], *args: str) -> str:
    return run_cli(env, *args).stdout


@pytest.fixture
def served(cli_env: dict[str, str]) -> Iterator[ServedProcess]:
    """``careergate serve`` in sandbox mode."""
    with serve_process(cli_env) as served:
        yield served


def test_keys_create_list_and_revoke(cli_env: dict[str, str]) -> None:
    careergate(cli_env, "db", "init")  # no other command creates a data directory unasked
    created = json.loads(
        careergate(
            cli_env,
            "keys",
            "create",
            "--user",
            "u1",
            "--team",
            "t",
            "--models",
            "gpt-4o*",
            "--json",
        )
    )
    assert created["key"].startswith("sk-cg-")
    assert created["models"] == ["gpt-4o*"]

    listed = json.loads(careergate(cli_env, "keys", "list", "--json"))
    assert [k["id"] for k in listed] == [created["id"]]
    assert created["key"] not in json.dumps(listed)
    assert "sk-cg-" in careergate(cli_env, "keys", "list")  # the table shows prefixes

    shown = json.loads(careergate(cli_env, "keys", "show", created["id"], "--json"))
    assert (shown["user"], shown["state"]) == ("u1", "active")
    updated = json.loads(
        careergate(cli_env, "keys", "update", created["id"], "--rpm", "30", "--json")
    )
    assert (updated["rpm_limit"], updated["team"]) == (30, "t")
    rotated = json.loads(careergate(cli_env, "keys", "rotate", created["id"], "--json"))
    assert rotated["key"] != created["key"]
    assert rotated["previous_secret_valid_until"] is not None

    careergate(cli_env, "keys", "revoke", created["id"])
    assert json.loads(careergate(cli_env, "keys", "list", "--json")) == []
    database = (Path(cli_env["CAREERGATE_DATA_DIR"]) / "careergate.db").read_bytes()
    assert created["key"].encode() not in database


def test_make_run_serves_the_sandbox_and_its_printed_call_works(
    served: ServedProcess,
) -> None:
    base, printed = served.base_url, served.printed
    admin_key = re.search(r"sk-cg-[A-Za-z0-9_-]+", printed).group(0)  # type: ignore[union-attr]
    curl = next(line for line in printed.splitlines() if line.startswith("curl "))

    answer = subprocess.run(
        [*shlex.split(curl), "--silent", "--include"], capture_output=True, text=True, timeout=30
    ).stdout
    assert answer.startswith("HTTP/1.1 200")
    assert "x-careergate-sandbox: true" in answer
    assert "Sandbox reply" in answer

    with openai.OpenAI(base_url=base, api_key=admin_key, max_retries=0) as client:
        models = list(client.models.list())
        assert models
        assert {m.owned_by for m in models} == {"careergate-sandbox"}
        streamed = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices)


def test_a_revoked_key_is_refused_by_a_running_gateway(
    cli_env: dict[str, str], served: ServedProcess
) -> None:
    base = served.base_url
    created = json.loads(careergate(cli_env, "keys", "create", "--user", "u2", "--json"))
    with openai.OpenAI(base_url=base, api_key=created["key"], max_retries=0) as client:
        client.models.list()
        careergate(cli_env, "keys", "revoke", created["id"])
        time.sleep(0.3)  # the key cache time of this gateway
        with pytest.raises(openai.AuthenticationError):
            client.models.list()


def test_the_second_start_creates_no_new_admin_key(
    cli_env: dict[str, str], served: ServedProcess
) -> None:
    admins = [
        k for k in json.loads(careergate(cli_env, "keys", "list", "--json")) if k["role"] == "admin"
    ]
    assert len(admins) == 1


def test_a_clean_shutdown_loses_no_usage_record(
    cli_env: dict[str, str], served: ServedProcess
) -> None:
    base = served.base_url
    admin_key = re.search(r"sk-cg-[A-Za-z0-9_-]+", served.printed).group(0)  # type: ignore[union-attr]
    with openai.OpenAI(base_url=base, api_key=admin_key, max_retries=0) as client:
        for n in range(25):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": f"q{n}"}]
            )
    errors = served.stop()  # SIGTERM straight after the last answer, before any flush
    assert "Application shutdown complete" in errors  # uvicorn then re-raises SIGTERM

    stats = json.loads(careergate(cli_env, "keys", "stats", "--json"))
    assert sum(s["requests"] for s in stats) == 25


def test_bad_input_to_serve_replay_and_budgets_gets_one_line_and_no_traceback(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A config naming an unknown provider stops ``serve`` before it listens; a file that
    is no dead-letter file is refused whole by ``db replay-usage``; a budget's subject
    longer than any database keeps is refused before it reaches one; a key's allow-list
    that names nothing is refused rather than read as no restriction."""
    config = tmp_path / "bogus.yaml"
    config.write_text("deployments:\n  - name: x\n    provider: bogus\n")
    not_usage = tmp_path / "notes.jsonl"
    not_usage.write_text('{"a": 1}\n')
    run_cli(cli_env, "db", "init")
    for args, says, code in (
        (("serve", "--config", str(config)), "unknown provider 'bogus'", 2),
        (("db", "replay-usage", str(not_usage)), "line 1 is not a usage record", 1),
        (
            ("budgets", "create", "--scope", "user", "--subject", "u" * 300, "--limit-usd", "1"),
            "subject must be 1 to 200 characters",
            1,
        ),
        # An allow-list that names nothing (an unset shell variable) must not open the key.
        (("keys", "create", "--models", ""), "names nothing", 2),
        (("keys", "create", "--features", " , "), "names nothing", 2),
        (("keys", "update", "any-key", "--endpoints", ""), "names nothing", 2),
    ):
        done = run_cli(cli_env, *args, check=False)
        assert done.returncode == code, done.stderr
        assert says in done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        assert "a bug in careergate" not in done.stderr


def test_the_data_directory_is_its_owners_alone(cli_env: dict[str, str]) -> None:
    """It holds the audit log, usage records, journals and the master key: other local
    users may not list or read it, whatever the umask gives the files inside."""
    run_cli(cli_env, "db", "init")
    data = Path(cli_env["CAREERGATE_DATA_DIR"])
    assert data.stat().st_mode & 0o777 == 0o700
