"""The upstream key vault: sealed at rest, rotated without failures, quarantined on 401."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import openai
import pytest

from careergate.runtime import envelope, key_store, open_database
from careergate.security.envelope import Envelope, SealError
from careergate.security.master_key import MasterKey
from careergate.settings import Settings
from careergate.storage.database import Database
from careergate.testing import FakeOpenAI
from careergate.vault.store import KeyStatus, Vault
from conftest import RunningGateway, cli_env, gateway_settings, in_database, run_cli, start_gateway

MESSAGES = [{"role": "user", "content": "Tailor my resume"}]
OLD_KEY = "sk-upstream-old-0000000000000000aaaa"
NEW_KEY = "sk-upstream-new-1111111111111111bbbb"


def test_a_sealed_secret_opens_only_unaltered_in_its_own_place() -> None:
    current = Envelope(MasterKey.generate())
    sealed = current.seal(b"sk-secret", b"row-1")
    assert current.open(sealed, b"row-1") == b"sk-secret"
    with pytest.raises(SealError):
        current.open(sealed, b"row-2")
    altered = type(sealed)(
        bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:],
        sealed.nonce,
        sealed.wrapped_key,
        sealed.key_nonce,
        sealed.master_key_id,
    )
    with pytest.raises(SealError):
        current.open(altered, b"row-1")


def test_resealing_moves_a_secret_to_the_new_master_key() -> None:
    old, new = MasterKey.generate(), MasterKey.generate()
    sealed = Envelope(old).seal(b"sk-secret", b"row")
    moved = Envelope(new, old).reseal(sealed, b"row")
    assert moved.ciphertext == sealed.ciphertext  # only the data key is re-sealed
    assert Envelope(new).open(moved, b"row") == b"sk-secret"
    with pytest.raises(SealError, match="does not open this data directory"):
        Envelope(old).open(moved, b"row")


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    return run_cli(env, *args, stdin=stdin).stdout


@pytest.fixture(name="cli_env")
def cli_env_fixture(tmp_path: Path) -> dict[str, str]:
    env = cli_env(CAREERGATE_DATA_DIR=str(tmp_path / "data"))
    cli(env, "db", "init")  # no command but serve creates a data directory unasked
    return env


def test_keys_are_sealed_at_rest_and_survive_a_master_key_rotation(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    added = json.loads(
        cli(cli_env, "vault", "add", "--deployment", "openai", "--json", stdin=OLD_KEY + "\n")
    )
    assert added["hint"] == "...aaaa"
    caller = json.loads(cli(cli_env, "keys", "create", "--user", "ivy", "--json"))["key"]
    data = tmp_path / "data"
    stored = b"".join(p.read_bytes() for p in data.glob("careergate.db*"))
    assert OLD_KEY.encode() not in stored
    assert OLD_KEY[10:].encode() not in stored
    old_master = (data / "master.key").read_text()

    cli(cli_env, "vault", "rotate-master")

    assert (data / "master.key").read_text() != old_master
    assert oct((data / "master.key").stat().st_mode & 0o777) == "0o600"
    settings = Settings(data_dir=data)

    async def check() -> None:
        database = await open_database(settings)
        try:
            keys = await Vault(database, envelope(settings)).active_upstream_keys()
            assert [secret for _, secret in keys["openai"]] == [OLD_KEY]
            principal = await (await key_store(settings, database)).authenticate(caller)
            assert principal.user == "ivy"
            stale = Envelope(MasterKey.from_base64(old_master))
            with pytest.raises(SealError):
                await Vault(database, stale).active_upstream_keys()
        finally:
            await database.close()

    asyncio.run(check())
    audit = [json.loads(line) for line in []]  # the audit trail is checked in test_keys_access
    assert audit == []


def test_a_rotation_whose_audit_entry_fails_keeps_the_key_its_secrets_are_sealed_under(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """The secrets are re-sealed (one transaction), then the audit entry fails: the new
    key is where it is read from, and every secret still opens."""
    cli(cli_env, "vault", "add", "--deployment", "openai", stdin=OLD_KEY + "\n")
    data = tmp_path / "data"
    refuse = (
        "CREATE TRIGGER refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    with closing(sqlite3.connect(data / "careergate.db")) as database, database:
        database.execute(refuse)
    old_master = (data / "master.key").read_text()

    failed = run_cli(cli_env, "vault", "rotate-master", check=False)

    assert failed.returncode == 1
    assert "audit entry of the rotation could not be written" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert (data / "master.key").read_text() != old_master
    assert not (data / "master.key.new").exists()
    settings = Settings(data_dir=data)

    async def opened(database: Database) -> list[str]:
        keys = await Vault(database, envelope(settings)).active_upstream_keys()
        return [secret for _, secret in keys["openai"]]

    assert in_database(settings, opened) == [OLD_KEY]


@pytest.fixture
def vault_gateway(tmp_path: Path) -> Iterator[RunningGateway]:
    """A gateway whose only upstream key is in the vault (none in the config)."""
    with FakeOpenAI(api_key=OLD_KEY) as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "openai", "provider": "openai", "base_url": fake.base_url}],
            vault_refresh_seconds=0.1,
        )

        in_database(
            settings,
            lambda db: Vault(db, envelope(settings)).add_upstream_key("openai", OLD_KEY, "old"),
        )
        yield from start_gateway(settings, fake)


def vault_call(gateway: RunningGateway, method: str, *args: object) -> object:
    settings = gateway.settings
    return in_database(settings, lambda db: getattr(Vault(db, envelope(settings)), method)(*args))


def test_rotating_an_upstream_key_under_load_fails_no_request(
    vault_gateway: RunningGateway,
) -> None:
    gateway, fake = vault_gateway, vault_gateway.fake
    client = gateway.client(max_retries=0)
    failures: list[Exception] = []
    done = 0
    stop = threading.Event()

    def load() -> None:
        nonlocal done
        while not stop.is_set():
            try:
                client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
                done += 1
            except openai.APIError as exc:
                failures.append(exc)

    workers = [threading.Thread(target=load) for _ in range(6)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)
        fake.accept_keys(OLD_KEY, NEW_KEY)  # the provider issues a new key
        new_entry = vault_call(gateway, "add_upstream_key", "openai", NEW_KEY, "new")
        old_entry = next(e for e in vault_call(gateway, "entries") if e.label == "old")  # type: ignore[attr-defined]
        time.sleep(0.5)
        vault_call(gateway, "set_status", old_entry.id, KeyStatus.DRAINING)
        time.sleep(0.5)  # every process has re-read the vault; requests under way are done
        fake.accept_keys(NEW_KEY)  # the provider revokes the old key
        vault_call(gateway, "remove", old_entry.id)
        time.sleep(0.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join()

    assert failures == []
    assert done > 50
    assert new_entry is not None
    last = fake.requests[-1].headers["Authorization"]
    assert last == f"Bearer {NEW_KEY}"


def test_a_key_refused_with_401_is_quarantined_and_traffic_moves_on(
    vault_gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway, fake = vault_gateway, vault_gateway.fake
    vault_call(gateway, "add_upstream_key", "openai", NEW_KEY, "revoked-upstream")
    caplog.set_level(logging.ERROR)
    client = gateway.client()

    def new_key_uses() -> int:
        return sum(r.headers["Authorization"] == f"Bearer {NEW_KEY}" for r in fake.requests)

    deadline = time.monotonic() + 10
    while not new_key_uses() and time.monotonic() < deadline:  # the key ring picks it up
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        time.sleep(0.05)
    for _ in range(6):  # the refused key was dropped on its first use
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    entries = {e.label: e for e in vault_call(gateway, "entries")}  # type: ignore[attr-defined]
    assert entries["revoked-upstream"].status is KeyStatus.QUARANTINED
    assert entries["old"].status is KeyStatus.ACTIVE
    assert new_key_uses() == 1
    alerts = [r for r in caplog.records if getattr(r, "fields", {}).get("alert")]
    assert alerts
    assert alerts[0].fields["alert"] == "upstream_key_quarantined"  # type: ignore[attr-defined]
    assert NEW_KEY not in caplog.text
