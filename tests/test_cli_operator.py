"""The operator's CLI: one data directory wherever it runs, one line (never a traceback)
for bad input, one output convention, a start that imports only what a command needs,
a clear refusal of a port in use, and the evaluation chart's scales.

Most commands run in this process through the CLI's entry point (``run_guarded`` on the
``careergate`` command, as ``main`` runs it); what needs a terminal, the start-up
imports or the Makefile runs as its own process.
"""

from __future__ import annotations

import json
import os
import pty
import socket
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from careergate.cli.data_dir import locate
from careergate.cli.guard import run_guarded
from careergate.cli.lazy import as_command
from careergate.cli.main import SUBCOMMANDS, app
from careergate.cli.usage import GROUPS
from careergate.evaluation.report import CHART_WIDTH, ModelSummary, svg_chart
from careergate.pricing.amounts import readable_usd
from careergate.reports import usage as usage_report
from careergate.security.master_key import MasterKey
from careergate.storage.database import MIGRATIONS, head_revision
from conftest import CLI, cli_env, free_port, run_cli

PROJECT = Path(__file__).resolve().parent.parent
HEAVY = ("sqlalchemy", "openai", "spacy", "numpy", "alembic", "aiohttp", "uvicorn", "tiktoken")


@dataclass
class Done:
    code: int
    out: str
    err: str


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user with no careergate settings: their own config and data directories, and a
    working directory of their own."""
    for name in list(os.environ):
        if name.startswith(("CAREERGATE_", "OPENAI_", "AZURE_OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("CAREERGATE_DATA_DIR", "")  # set by the CLI; restored after the test
    monkeypatch.setenv("CAREERGATE_NO_INPUT", "")
    monkeypatch.delenv("CAREERGATE_DATA_DIR")
    monkeypatch.delenv("CAREERGATE_NO_INPUT")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return tmp_path


def careergate(capsys: pytest.CaptureFixture[str], *args: str) -> Done:
    """``careergate ARGS`` through the CLI's entry point, in this process."""
    capsys.readouterr()
    code = run_guarded(typer.main.get_command(app), list(args))
    printed = capsys.readouterr()
    return Done(code, printed.out, printed.err)


def one_line_error(done: Done, code: int, *expected: str) -> None:
    assert done.code == code, done
    assert "Traceback" not in done.err + done.out
    lines = done.err.strip().splitlines()
    assert len(lines) == 1, done.err
    assert lines[0].startswith("error: "), done.err
    for text in expected:
        assert text in lines[0], done.err


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["keys", "create", "--budget", "abc"], "'--budget'"),
        (["keys", "create", "--budget", "-5"], "'--budget'"),
        (["keys", "create", "--metadata", "notjson"], "'--metadata'"),
        (["keys", "create", "--metadata", "[1, 2]"], "'--metadata'"),
        (["keys", "create", "--expires-in-days", "-1"], "'--expires-in-days'"),
        (["keys", "create", "--rpm", "0"], "'--rpm'"),
        (["keys", "create", "--endpoints", "files"], "'--endpoints'"),
        (["keys", "update", "k", "--tpm", "many"], "'--tpm'"),
        (["keys", "rotate", "k", "--grace-minutes", "-3"], "'--grace-minutes'"),
        (["budgets", "create", "--scope", "team", "--limit-usd", "lots"], "'--limit-usd'"),
        (
            ["budgets", "create", "--scope", "team", "--limit-usd", "5", "--thresholds", "a"],
            "'--thresholds'",
        ),
        (["usage", "--by", "colour"], "'--by'"),
        (["usage", "--since", "yesterday"], "'--since'"),
        (["alerts", "list", "--limit", "0"], "'--limit'"),
        (["serve", "--port", "70000"], "'--port'"),
        (["fake-upstream", "--fault-rate", "503:2"], "'--fault-rate'"),
        (["keys", "list", "--format", "xml"], "'--format'"),
        (["eval", "tasks.yaml", "--repeat", "0"], "'--repeat'"),
    ],
)
def test_a_bad_option_value_is_one_line_naming_the_option(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], option: str
) -> None:
    done = careergate(capsys, *args)
    one_line_error(done, 2, f"Invalid value for {option}", "(see: careergate ")
    assert done.out == ""
    assert not (home / "share").exists()  # refused before anything was opened or created


def test_an_unreachable_database_is_one_line_without_its_password(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens on it
    url = f"postgresql+asyncpg://ops:hunter2pass@127.0.0.1:{port}/careergate"
    monkeypatch.setenv("CAREERGATE_DATABASE_URL", url)
    done = careergate(capsys, "usage", "--by", "team")
    one_line_error(done, 1, "cannot open the database", f"@127.0.0.1:{port}/careergate")
    assert "hunter2pass" not in done.err


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://ops:hunter2pass@127.0.0.1:99999/careergate",
        "postgresql://ops:hunter2pass@127.0.0.1/careergate",
        "postgresql+asyncpg://ops:hunter2pass@127.0.0.1/careergate?sslmode=require",
    ],
    ids=["port-out-of-range", "sync-driver", "unknown-option"],
)
def test_a_database_url_its_driver_cannot_take_is_one_line_without_its_password(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("CAREERGATE_DATABASE_URL", url)
    done = careergate(capsys, "usage", "--by", "team")
    one_line_error(done, 2, "the database URL", "cannot be used")
    assert "hunter2pass" not in done.err


def test_a_config_file_that_is_not_text_is_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = home / "config.yaml"
    config.write_bytes(b"\xff\xfe deployments: []")
    monkeypatch.setenv("CAREERGATE_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("CAREERGATE_CONFIG", str(config))
    done = careergate(capsys, "models", "list")
    one_line_error(done, 2, "not UTF-8 text")


def test_serve_with_a_redis_out_of_reach_is_one_line_without_its_password(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens on it
    monkeypatch.setenv("CAREERGATE_REDIS_URL", f"redis://:hunter2pass@127.0.0.1:{port}/0")
    monkeypatch.setenv("CAREERGATE_DATA_DIR", str(home / "data"))
    done = careergate(capsys, "serve", "--port", str(port))
    one_line_error(done, 1, "cannot reach Redis at", f"redis://:***@127.0.0.1:{port}/0")
    assert "hunter2pass" not in done.err


def test_another_programs_database_is_left_as_it_is(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data directory whose careergate.db is another program's SQLite file: a clear
    error, and careergate adds none of its tables to it."""
    data = home / "data"
    data.mkdir(mode=0o700)
    with closing(sqlite3.connect(data / "careergate.db")) as foreign, foreign:
        foreign.execute("CREATE TABLE customers (name TEXT, card TEXT)")
    (data / "master.key").write_text(MasterKey.generate().to_base64() + "\n")
    (data / "master.key").chmod(0o600)
    monkeypatch.setenv("CAREERGATE_DATA_DIR", str(data))
    done = careergate(capsys, "--no-input", "keys", "list")
    one_line_error(done, 2, "not careergate's (customers)")
    with closing(sqlite3.connect(data / "careergate.db")) as foreign:
        assert foreign.execute("SELECT name FROM sqlite_master").fetchall() == [("customers",)]


def test_the_data_directory_is_the_same_wherever_the_cli_runs(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = home / "config" / "careergate" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('data_dir = "../../gateway-data"\n')  # relative to the file
    data = home / "gateway-data"

    refused = careergate(capsys, "keys", "create", "--user", "ann")
    one_line_error(refused, 1, f"no data in {data}", "careergate db init")
    assert not data.exists()  # stdin is no terminal here: nothing was created

    initialised = careergate(capsys, "db", "init")
    assert initialised.code == 0, initialised.err
    assert (data / "careergate.db").exists()
    assert oct((data / "master.key").stat().st_mode & 0o777) == "0o600"

    created = careergate(capsys, "keys", "create", "--user", "ann", "--json")
    assert created.code == 0, created.err
    monkeypatch.chdir(home)  # another directory, the same data
    listed = json.loads(careergate(capsys, "keys", "list", "--format", "json").out)
    assert [k["user"] for k in listed] == ["ann"]
    assert not list(home.glob("**/.careergate"))  # never the working directory's

    other = home / "other"
    assert careergate(capsys, "--data-dir", str(other), "db", "init").code == 0
    monkeypatch.setenv("CAREERGATE_DATA_DIR", str(data))
    assert careergate(capsys, "--data-dir", str(other), "keys", "list", "--json").out == "[]\n"


def test_a_config_files_data_dir_with_a_nul_is_one_line_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = home / "config" / "careergate" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('data_dir = "gateway\\u0000data"\n')  # TOML's escape: a NUL
    one_line_error(careergate(capsys, "keys", "list"), 2, "data_dir holds a NUL character")


def test_the_data_directory_option_then_variable_then_config_file_then_default(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('data_dir = "~/cg"\n')
    environment = {"CAREERGATE_DATA_DIR": "relative"}
    chosen = locate(Path("given"), environment, config, tmp_path)
    assert (chosen.path, chosen.source) == (tmp_path / "given", "--data-dir")
    assert locate(None, environment, config, tmp_path).path == tmp_path / "relative"
    assert locate(None, {}, config, tmp_path).path == Path("~/cg").expanduser()
    default = locate(None, {}, tmp_path / "absent.toml", tmp_path)
    assert default.source == "the default"
    assert default.path.is_absolute()


def test_a_command_asks_before_creating_a_data_directory(home: Path) -> None:
    """On a terminal the command asks; yes creates the database and the key, and the key
    is created too."""
    env = {**os.environ, "CAREERGATE_DATA_DIR": str(home / "fresh")}
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [CLI, "keys", "create", "--user", "bo", "--json"],
        env=env,
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as asked:
        os.close(follower)
        os.write(leader, b"y\n")
        out, err = asked.communicate(timeout=60)
    os.close(leader)
    assert asked.returncode == 0, err
    assert f"careergate has no data in {home / 'fresh'}" in err
    assert "Create them?" in err
    assert json.loads(out)["user"] == "bo"
    no_input = subprocess.run(
        [CLI, "--data-dir", str(home / "second"), "--no-input", "keys", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert no_input.returncode == 1
    assert "no data in" in no_input.stderr
    assert not (home / "second").exists()


def test_one_format_option_across_commands_and_costs_keep_their_digits(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERGATE_DATA_DIR", str(home / "data"))
    assert careergate(capsys, "db", "init").code == 0
    limit = ["budgets", "create", "--scope", "team", "--subject", "growth", "--limit-usd"]
    created = careergate(capsys, *limit, "0.00002", "--format", "json")
    assert json.loads(created.out)["limit_usd"] == "0.00002"

    table = careergate(capsys, "budgets", "list").out
    assert "0.0000200" in table  # not 0.0000
    csv_lines = careergate(capsys, "budgets", "list", "--format", "csv").out.splitlines()
    assert csv_lines[0].startswith("id,name,scope,subject,period,limit $")
    assert ",0.00002," in csv_lines[1]
    as_json = careergate(capsys, "budgets", "list", "--json").out
    assert as_json == careergate(capsys, "budgets", "list", "--format", "json").out
    assert json.loads(as_json)[0]["subject"] == "growth"

    key = json.loads(careergate(capsys, "keys", "create", "--user", "cy", "--json").out)
    shown = careergate(capsys, "keys", "show", key["id"]).out  # a record: field and value
    assert "user" in shown
    assert "cy" in shown
    record = careergate(capsys, "keys", "show", key["id"], "--format", "csv").out.splitlines()
    assert record[0].startswith("id,prefix,name,role,user")
    assert len(record) == 2
    usage_csv = careergate(capsys, "usage", "--by", "user", "--format", "csv").out
    assert usage_csv.startswith("group,period,requests")


def test_amounts_show_their_first_significant_digits() -> None:
    from decimal import Decimal

    assert readable_usd(Decimal("0.00002")) == "0.0000200"
    assert readable_usd(Decimal("0.000000001")) == "0.000000001"
    assert readable_usd(Decimal("1234.5")) == "1,234.5000"
    assert readable_usd(Decimal(0)) == "0.0000"


def test_a_port_in_use_is_one_line_before_anything_else(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERGATE_DATA_DIR", str(home / "data"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for command in (["serve", "--port", port], ["fake-upstream", "--port", port]):
            done = careergate(capsys, *command)
            one_line_error(done, 1, f"port {port} on 127.0.0.1 is already in use", "--port")
            assert done.out == ""
    assert not (home / "data").exists()  # no database, no admin key


def test_make_run_takes_the_port_and_the_checkouts_data_directory() -> None:
    planned = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "run", "PORT=9123"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    line = next(line for line in planned.splitlines() if "careergate serve" in line)
    assert f'CAREERGATE_DATA_DIR="{PROJECT}/.careergate"' in line
    assert line.endswith("serve --port 9123")


def _imported(*args: str) -> set[str]:
    """The modules ``careergate ARGS`` imported, from ``python -X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "careergate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": "100"},
    )
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_help_and_a_simple_command_import_no_heavy_module(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    helped = _imported("--help")
    assert "typer" in helped
    assert not {m for m in helped if m.split(".")[0] in (*HEAVY, "pydantic_settings")}
    assert not {m for m in helped if m.startswith(("careergate.runtime", "careergate.storage"))}

    monkeypatch.setenv("CAREERGATE_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("CAREERGATE_MASTER_KEY", MasterKey.generate().to_base64())
    assert careergate(capsys, "db", "init").code == 0
    listed = _imported("keys", "list")
    assert "sqlalchemy" in listed
    light = {m for m in listed if m.split(".")[0] in HEAVY and m.split(".")[0] != "sqlalchemy"}
    assert not light
    assert not {m for m in listed if m.startswith(("careergate.runtime", "careergate.features"))}


def test_every_subcommand_loads_with_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    listed = careergate(capsys, "--help").out
    for subcommand in SUBCOMMANDS:
        assert subcommand.name in listed
        command = as_command(subcommand)
        assert command.name == subcommand.name
        # a group stays a group even with one command (``jobs match``)
        assert isinstance(command, TyperGroup) == isinstance(subcommand.load(), typer.Typer)
    assert set(GROUPS) == set(usage_report.GROUPS)  # the CLI's choices, the report's groups
    assert careergate(capsys, "kesy", "list").err.startswith("error: no such command 'kesy'")


def test_the_schema_head_read_from_the_files_is_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_the_eval_chart_draws_quality_on_an_absolute_scale_and_its_title_fits() -> None:
    summaries = [
        ModelSummary("gpt-4o-mini", 10, 0.25, 120.0, 300.0, 20_000, 0.0),
        ModelSummary("gpt-4.1-nano", 10, 0.125, 80.0, 150.0, 5_000, 0.0),
    ]
    title = "skills: " + "gpt-4.1-nano: the cheapest of 2 model(s) within 5% of the best " * 3
    root = ElementTree.fromstring(svg_chart(summaries, title))  # noqa: S314 (drawn just now)
    spaced = "{http://www.w3.org/2000/svg}"
    bars = [r for r in root.iter(f"{spaced}rect") if r.get("fill") == "#4c78a8"]
    tracks = [r for r in root.iter(f"{spaced}rect") if r.get("fill") == "#e8e8e8"]
    full = float(tracks[0].get("width", "0"))
    assert float(bars[0].get("width", "0")) == pytest.approx(full / 4)  # 0.25 of 0..1
    assert float(bars[1].get("width", "0")) == pytest.approx(full / 8)
    titles = [t.text or "" for t in root.iter(f"{spaced}text") if t.get("font-size") == "16"]
    assert len(titles) > 1
    assert " ".join(titles) == " ".join(title.split())
    assert all(10 + len(line) * 16 * 0.6 <= CHART_WIDTH for line in titles)
    assert "0.00000500" in "".join(t.text or "" for t in root.iter(f"{spaced}text"))


def test_another_data_directorys_master_key_is_one_line_naming_the_setting(
    tmp_path: Path,
) -> None:
    right = cli_env(
        CAREERGATE_DATA_DIR=str(tmp_path / "data"),
        CAREERGATE_MASTER_KEY=MasterKey.generate().to_base64(),
    )
    run_cli(right, "db", "init")
    run_cli(right, "keys", "create", "--user", "ann")
    wrong = right | {"CAREERGATE_MASTER_KEY": MasterKey.generate().to_base64()}
    for args in (("keys", "list"), ("keys", "create", "--user", "bob")):
        done = run_cli(wrong, *args, check=False)
        assert done.returncode == 2, done.stderr
        assert "the master key does not open this data directory's secrets" in done.stderr
        assert "CAREERGATE_MASTER_KEY" in done.stderr
        assert "a bug" not in done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert wrong["CAREERGATE_MASTER_KEY"] not in done.stderr
    assert len(json.loads(run_cli(right, "keys", "list", "--json").stdout)) == 1


@pytest.mark.parametrize("variable", ["CAREERGATE_MASTER_KEY", "CAREERGATE_PREVIOUS_MASTER_KEY"])
def test_a_malformed_master_key_setting_is_a_setting_to_fix_exit_2_naming_it(
    tmp_path: Path, variable: str
) -> None:
    env = cli_env(CAREERGATE_DATA_DIR=str(tmp_path / "data"))
    run_cli(env, "db", "init")
    for value in ("not base64!", "c2hvcnQ="):  # not base64; base64 of 5 bytes
        done = run_cli(env | {variable: value}, "keys", "list", check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"error: {variable}: the master key must be")
        assert len(done.stderr.strip().splitlines()) == 1
        assert value not in done.stderr
