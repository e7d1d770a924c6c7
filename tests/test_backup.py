"""Backup while serving, wipe, restore: the same keys work and the same totals come back."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from careergate.runtime import envelope
from careergate.security.master_key import MasterKey
from careergate.settings import Settings
from careergate.storage.backup import create_backup, restore_backup
from careergate.storage.database import Database
from careergate.testing import FakeOpenAI
from careergate.vault.store import Vault
from conftest import (
    RunningGateway,
    cli_env,
    gateway_settings,
    in_database,
    run_cli,
    start_gateway,
    usage_totals_of,
)

UPSTREAM_KEY = "sk-upstream-backup-test-9999zzzz"


cli = run_cli
env_for = cli_env


def usage_totals(settings: Settings) -> tuple[int, int, int]:
    return in_database(settings, usage_totals_of)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[RunningGateway]:
    (tmp_path / "live").mkdir()
    with FakeOpenAI(api_key=UPSTREAM_KEY) as fake:
        settings = gateway_settings(
            tmp_path / "live",
            [{"name": "openai", "provider": "openai", "base_url": fake.base_url}],
            vault_refresh_seconds=0.1,
        )

        in_database(
            settings,
            lambda db: Vault(db, envelope(settings)).add_upstream_key("openai", UPSTREAM_KEY),
        )
        yield from start_gateway(settings, fake)


def test_backup_wipe_restore_gives_back_the_same_keys_and_totals(
    served: RunningGateway, tmp_path: Path
) -> None:
    key = served.create_key(user="jo", team="core")
    client = served.client(key)
    for n in range(5):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"question {n}"}]
        )
    backup = tmp_path / "snapshot.cgbk"
    served.usage_rows(5)
    at_backup = usage_totals(served.settings)
    cli(env_for(served.settings), "backup", "create", "--out", str(backup))  # while serving

    raw = backup.read_bytes()
    assert key.encode() not in raw
    assert UPSTREAM_KEY.encode() not in raw
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    assert "is intact" in cli(env_for(served.settings), "backup", "verify", str(backup)).stderr

    restored_dir = tmp_path / "restored"
    restored_env = env_for(served.settings, CAREERGATE_DATA_DIR=str(restored_dir))
    cli(restored_env, "backup", "restore", str(backup))

    restored = served.settings.model_copy(update={"data_dir": restored_dir})
    assert usage_totals(restored) == at_backup
    assert at_backup[0] == 5
    for fake_gateway in start_gateway(restored, served.fake):
        answer = fake_gateway.client(key).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "after restore"}]
        )
        assert answer.choices[0].message.content
    assert served.fake.requests[-1].headers["Authorization"] == f"Bearer {UPSTREAM_KEY}"


def test_a_damaged_backup_is_refused(served: RunningGateway, tmp_path: Path) -> None:
    backup = tmp_path / "snapshot.cgbk"
    cli(env_for(served.settings), "backup", "create", "--out", str(backup))
    data = bytearray(backup.read_bytes())
    data[-10] ^= 0x01
    backup.write_bytes(bytes(data))

    done = cli(env_for(served.settings), "backup", "verify", str(backup), check=False)
    assert done.returncode == 1
    assert "altered or damaged" in done.stderr


def test_restore_refuses_a_database_that_is_not_empty(
    served: RunningGateway, tmp_path: Path
) -> None:
    backup = tmp_path / "snapshot.cgbk"
    served.create_key(user="kim")
    cli(env_for(served.settings), "backup", "create", "--out", str(backup))
    done = cli(env_for(served.settings), "backup", "restore", str(backup), check=False)
    assert done.returncode == 1
    assert "not empty" in done.stderr


def test_backup_out_is_a_new_path_or_a_regular_file_and_only_its_owner_reads_it(
    tmp_path: Path,
) -> None:
    env = env_for(
        CAREERGATE_DATA_DIR=str(tmp_path / "data"),
        CAREERGATE_MASTER_KEY=MasterKey.generate().to_base64(),
    )
    cli(env, "db", "init")
    precious = tmp_path / "precious"
    precious.write_text("kept")
    link = tmp_path / "link.cgbk"
    link.symlink_to(precious)
    pipe = tmp_path / "pipe.cgbk"
    os.mkfifo(pipe)
    folder = tmp_path / "folder.cgbk"
    folder.mkdir()
    for out in (link, pipe, folder):
        done = cli(env, "backup", "create", "--out", str(out), check=False)
        assert done.returncode == 2, done.stderr
        assert "is not a regular file" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert link.is_symlink()
    assert precious.read_text() == "kept"
    assert stat.S_ISFIFO(pipe.lstat().st_mode)

    old = tmp_path / "old.cgbk"
    old.write_text("an older backup")
    old.chmod(0o644)
    for out in (tmp_path / "new.cgbk", old):
        cli(env, "backup", "create", "--out", str(out))
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert cli(env, "backup", "verify", str(out)).returncode == 0
    assert not list(tmp_path.glob("*.partial"))


def test_a_backup_of_sqlite_is_one_snapshot_whatever_commits_while_it_reads(
    tmp_path: Path,
) -> None:
    """A task and its items committed together while the backup is between two tables
    are in the backup together or not at all (here not: they came after it began)."""
    source, target, out = tmp_path / "live.db", tmp_path / "restored.db", tmp_path / "b.cgbk"

    def commit_a_task() -> None:
        now = datetime.now(UTC).isoformat()
        with closing(sqlite3.connect(source, timeout=10)) as live, live:
            live.execute(
                "INSERT INTO tasks (id, kind, status, key_id, params, total, done, failed,"
                " created_at) VALUES ('t1', 'chat.completions', 'queued', 'k1', '{}', 3, 0, 0, ?)",
                (now,),
            )
            for index in range(3):
                live.execute(
                    "INSERT INTO task_items (task_id, idx, status, payload, attempts, queued_at)"
                    " VALUES ('t1', ?, 'pending', '{}', 0, ?)",
                    (index, now),
                )

    async def back_up_and_restore() -> tuple[int, int]:
        master = MasterKey.generate()
        database = Database(f"sqlite+aiosqlite:///{source}")
        await database.migrate()
        read: list[int] = []

        def progress(tables: int) -> None:
            read.append(tables)
            if len(read) == 3:  # a few tables read, tasks and task_items not yet
                commit_a_task()

        await create_backup(database, master, out, progress)
        await database.close()
        restored = Database(f"sqlite+aiosqlite:///{target}")
        summary = await restore_backup(restored, master, out)
        await restored.close()
        return summary.tables["tasks"], summary.tables["task_items"]

    assert asyncio.run(back_up_and_restore()) == (0, 0)
    with closing(sqlite3.connect(source)) as live:
        assert live.execute("SELECT count(*) FROM task_items").fetchone() == (3,)
