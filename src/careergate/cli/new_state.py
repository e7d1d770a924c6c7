"""No command but ``serve``, ``db init`` and ``backup restore`` creates a database or a
master key without asking.

A command run against the wrong data directory used to create a fresh database and
master key there, and wrote (say) a new key into a database no gateway serves. Now a
command that finds neither asks first, naming the directory, and refuses where it
cannot ask (``prompts.may_ask``). Only a SQLite file can be created by accident; a
server database (PostgreSQL) is the operator's to create.
"""

from __future__ import annotations

from pathlib import Path

from careergate.cli.data_dir import ENVIRONMENT_VARIABLE, user_config_file
from careergate.cli.guard import CliFailure
from careergate.cli.prompts import confirmed, may_ask
from careergate.settings import Settings


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for another database or an in-memory one)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def missing_state(settings: Settings, *, database: bool, master_key: bool) -> list[str]:
    """What the command would create of what it uses: the database file, the master
    key file."""
    missing = []
    database_file = sqlite_file(settings.resolved_database_url) if database else None
    if database_file is not None and not database_file.exists():
        missing.append(f"a new database ({database_file})")
    key_file = settings.data_dir / "master.key"
    if master_key and settings.master_key is None and not key_file.exists():
        missing.append(f"a new master key ({key_file})")
    return missing


def confirm_new_state(settings: Settings, *, database: bool = True, master_key: bool) -> None:
    """Return if nothing would be created or the operator agrees; else end the command."""
    missing = missing_state(settings, database=database, master_key=master_key)
    if not missing:
        return
    found = f"careergate has no data in {settings.data_dir}: this command would create " + (
        " and ".join(missing)
    )
    if may_ask():
        if confirmed(f"{found}. Create {'them' if len(missing) > 1 else 'it'}?"):
            return
        raise CliFailure("nothing was created")
    raise CliFailure(
        f"{found}. Point at the gateway's data directory with --data-dir, "
        f"{ENVIRONMENT_VARIABLE} or data_dir in {user_config_file()}, or create one "
        "there with `careergate db init`"
    )
