"""``careergate privacy``: a user's data (export, delete), the retention purge, and the
personal data registered for the privacy step (``subject set|forget``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from careergate.audit.log import Actor, AuditLog
from careergate.cache.detached import DetachedCache
from careergate.cli.common import (
    err_console,
    label,
    load_settings,
    run,
    storable,
    with_database,
)
from careergate.cli.lazy import command_group
from careergate.cli.output import print_json
from careergate.cli.prompts import confirmed, may_ask
from careergate.errors import GatewayError
from careergate.governance.retention import Purged, purge
from careergate.governance.user_data import Erasure, erase_user, export_user
from careergate.state import vault
from careergate.storage.database import Database

privacy_app = command_group()

UserOption = Annotated[
    str,
    typer.Option("--user", help="The user id, as careergate records it.", callback=storable),
]
MAX_USER = 200
"""The longest user id careergate records (its audit entries clip a longer one)."""


def subject_user(value: str) -> str:
    """A typer callback for the user a subject is registered for: a ``label`` of at most
    ``MAX_USER`` characters, as the admin API and the request path take."""
    if len(value) > MAX_USER:
        raise typer.BadParameter(f"must be at most {MAX_USER} characters")
    return str(label(value))


NewSubjectOption = Annotated[
    str,
    typer.Option("--user", help="The user id, as careergate records it.", callback=subject_user),
]


@privacy_app.command("export")
def export(
    user: UserOption,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Everything held about the user, as one JSON document (no secrets)."""
    settings = load_settings()

    async def work(database: Database) -> dict[str, Any]:
        return await export_user(database, user, vault(settings, database), settings.journal_dir)

    document = run(lambda: with_database(settings, work, master_key=True))
    if out is None:
        print_json(document)
        return
    out.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    out.chmod(0o600)
    err_console.print(f"wrote {out}")


@privacy_app.command("delete")
def delete(
    user: UserOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase the user's personal data everywhere, keeping usage totals (see docs)."""
    if not yes:
        if not may_ask():
            raise typer.BadParameter(
                "erasing cannot be undone: confirm it with --yes", param_hint="'--yes'"
            )
        if not confirmed(f"Erase every record of user {user!r}? This cannot be undone"):
            raise typer.Abort
    settings = load_settings()

    async def work(database: Database) -> Erasure:
        return await erase_user(
            database,
            user,
            Actor.command_line(),
            settings.dead_letter_dir,
            settings.journal_dir,
            DetachedCache(settings),
            vault(settings, database),
        )

    print_json(run(lambda: with_database(settings, work, master_key=True)).to_json())


@privacy_app.command("purge")
def purge_command() -> None:
    """Delete what is older than its retention period now (the gateway does it hourly)."""
    settings = load_settings()

    async def work(database: Database) -> Purged:
        return await purge(
            database, settings.retention, settings.dead_letter_dir, actor=Actor.command_line()
        )

    print_json(run(lambda: with_database(settings, work)).to_json())


subject_app = command_group(
    "Personal data the privacy step finds in a user's requests without it being sent."
)
privacy_app.add_typer(subject_app, name="subject")


@subject_app.command("set")
def set_subject(
    user: NewSubjectOption,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help='JSON: {"subject": {"names": [...], "emails": [...], ...}} or '
            '{"resume": <JSON Resume>}.',
        ),
    ],
) -> None:
    """Register (replace) what is known of the user; sealed in the vault, never shown."""
    from careergate.privacy.shield import subject_of_document
    from careergate.privacy.subject_directory import SubjectDirectory

    settings = load_settings()
    try:
        spec = subject_of_document(orjson.loads(file.read_bytes()), str(file))
    except orjson.JSONDecodeError as exc:
        raise typer.BadParameter(f"{file} is not JSON: {exc}") from None
    except GatewayError as error:
        raise typer.BadParameter(error.message) from None

    async def work(database: Database) -> dict[str, Any]:
        await SubjectDirectory(vault(settings, database)).put(user, spec)
        await AuditLog(database).record(
            Actor.command_line(), "privacy.subject_set", None, user=user
        )
        return {"user": user, "known": spec.counts()}

    print_json(run(lambda: with_database(settings, work, master_key=True)))


@subject_app.command("forget")
def forget_subject(user: UserOption) -> None:
    """Delete what was registered of the user."""
    from careergate.privacy.subject_directory import SubjectDirectory

    settings = load_settings()

    async def work(database: Database) -> dict[str, Any]:
        forgotten = await SubjectDirectory(vault(settings, database)).forget(user)
        await AuditLog(database).record(
            Actor.command_line(), "privacy.subject_forgotten", None, user=user
        )
        return {"user": user, "forgotten": forgotten}

    print_json(run(lambda: with_database(settings, work, master_key=True)))
