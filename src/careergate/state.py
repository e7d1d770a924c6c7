"""The stored parts, built from the settings: the database, the master key and the
envelope that seals under it, the vault, the caller-key store and the alerts.

The gateway's composition root (``runtime.py``) builds them here, and so do the CLI's
commands; a command that lists keys imports this module, not the whole gateway (its
upstream clients, privacy models and HTTP stack), which made every call take seconds.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from careergate.audit.log import AuditLog
from careergate.auth.admin import KeyAdmin
from careergate.auth.keys import KeyHasher
from careergate.auth.store import KeyStore
from careergate.security.envelope import Envelope
from careergate.security.master_key import MasterKey
from careergate.settings import Settings
from careergate.storage.database import Database
from careergate.vault.store import Vault

if TYPE_CHECKING:
    from careergate.observability.alerts import AlertCenter


def _protect(*secrets: str) -> None:
    """Have the log handlers' secret filters mask these values. Without a handler (a CLI
    command) there is nothing to tell, and the log module is not imported."""
    if logging.getLogger().handlers:
        from careergate.observability.logs import protect_secrets

        protect_secrets(*secrets)


def master_key(settings: Settings) -> MasterKey:
    """The configured master key, else the data directory's key file (created if absent)."""
    configured = settings.master_key.get_secret_value() if settings.master_key else None
    key = MasterKey.load(configured, settings.data_dir / "master.key")
    _protect(key.to_base64())
    return key


def envelope(settings: Settings) -> Envelope:
    """Seals under the current master key; also opens what the previous one sealed."""
    previous = settings.previous_master_key
    extra = (
        [MasterKey.from_setting("CAREERGATE_PREVIOUS_MASTER_KEY", previous.get_secret_value())]
        if previous
        else []
    )
    _protect(*(key.to_base64() for key in extra))
    return Envelope(master_key(settings), *extra)


def vault(settings: Settings, database: Database) -> Vault:
    return Vault(database, envelope(settings))


async def open_database(settings: Settings) -> Database:
    """The database, migrated to the current schema (closed again if it cannot be)."""
    database = Database(settings.resolved_database_url)
    try:
        await database.migrate()
    except BaseException:
        await database.close()
        raise
    return database


async def key_store(settings: Settings, database: Database) -> KeyStore:
    # The hashing key lives in the vault, not derived from the master key, so that a
    # master-key rotation does not invalidate every caller key.
    hash_key = await vault(settings, database).internal_secret("caller-key-hash")
    return KeyStore(database, KeyHasher(hash_key), settings.key_cache_seconds)


async def key_admin(settings: Settings, database: Database) -> KeyAdmin:
    return KeyAdmin(await key_store(settings, database), AuditLog(database))


def alert_center(settings: Settings, database: Database) -> AlertCenter:
    """The alerts kept in the database and sent to the configured webhooks (imported
    here: their HTTP client is no cost for the commands that do not send)."""
    from careergate.observability.alerts import AlertCenter

    _protect(*settings.alerts.webhooks)  # a webhook URL is its own credential
    return AlertCenter(
        database, settings.alerts.webhooks, timedelta(hours=settings.alerts.quiet_hours)
    )
