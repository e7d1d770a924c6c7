"""``careergate``: serve the gateway, manage keys, budgets, backups, evaluations.

The top level imports nothing but typer: each subcommand's module is imported when it
runs (``cli/lazy.py``), so that ``careergate --help`` and ``careergate keys list`` do
not pay for the modules of ``eval`` or ``jobs match``. The global options choose the
data directory (``cli/data_dir.py``) and whether commands may ask questions
(``cli/prompts.py``), and pass both on through the environment, where the settings
of this process and of the gateway's workers read them. ``main`` runs the command
under the guard of ``cli/guard.py``: one line and an exit code for any error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from careergate.cli.data_dir import ENVIRONMENT_VARIABLE, ConfigFileError, locate, user_config_file
from careergate.cli.guard import USAGE, CliFailure, run_guarded
from careergate.cli.lazy import LazyGroup, Subcommand
from careergate.cli.prompts import NO_INPUT_VARIABLE

SUBCOMMANDS = (
    Subcommand("serve", "careergate.cli.serve:serve", "Start the OpenAI-compatible gateway."),
    Subcommand("worker", "careergate.cli.worker:worker", "Run background task items."),
    Subcommand("keys", "careergate.cli.keys:keys_app", "Callers' virtual keys (sk-cg-...)."),
    Subcommand("usage", "careergate.cli.usage:usage", "Usage and cost grouped by one dimension."),
    Subcommand("budgets", "careergate.cli.budgets:budgets_app", "Budgets that cannot be overrun."),
    Subcommand(
        "alerts", "careergate.cli.alerts:alerts_app", "Alerts raised, and the key rules on demand."
    ),
    Subcommand("vault", "careergate.cli.vault:vault_app", "Upstream API keys, sealed at rest."),
    Subcommand(
        "backup", "careergate.cli.backup:backup_app", "Encrypted, checked database snapshots."
    ),
    Subcommand("audit", "careergate.cli.audit:audit_app", "The tamper-evident audit log."),
    Subcommand(
        "privacy", "careergate.cli.privacy:privacy_app", "Users' data: export, erasure; retention."
    ),
    Subcommand(
        "models", "careergate.cli.model_commands:models_app", "Model catalogue and aliases."
    ),
    Subcommand("eval", "careergate.cli.evaluate:evaluate", "Compare models on a task set."),
    Subcommand(
        "tasks", "careergate.cli.tasks:tasks_app", "Background tasks: submit, follow, read, cancel."
    ),
    Subcommand(
        "batch",
        "careergate.cli.batch:batch_app",
        "Batches (half price, within 24 h): submit, status, results, cancel.",
    ),
    Subcommand("skills", "careergate.cli.features:skills_app", "Skill inference (ESCO)."),
    Subcommand("jobs", "careergate.cli.features:jobs_app", "Job matching."),
    Subcommand(
        "resumes", "careergate.cli.features:resumes_app", "Resume generation and optimisation."
    ),
    Subcommand("db", "careergate.cli.db:db_app", "The database: create it, upgrade its schema."),
    Subcommand("fake-upstream", "careergate.cli.fake:fake_upstream", "Serve the fake OpenAI API."),
)


class CareergateCommands(LazyGroup):
    subcommands = SUBCOMMANDS


app = typer.Typer(
    name="careergate",
    cls=CareergateCommands,
    help="careergate: the AI service layer of a career platform.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def options(
    context: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            file_okay=False,
            help="The data directory (database, master key). Default: CAREERGATE_DATA_DIR, "
            "else data_dir in ~/.config/careergate/config.toml, else "
            "~/.local/share/careergate.",
        ),
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input", help="Never ask: refuse what would need an answer (as without a TTY)."
        ),
    ] = False,
) -> None:
    try:
        found = locate(data_dir, os.environ, user_config_file(), Path.cwd())
    except ConfigFileError as exc:
        raise CliFailure(str(exc), USAGE) from None
    given = {ENVIRONMENT_VARIABLE: str(found.path)}
    if no_input:
        given[NO_INPUT_VARIABLE] = "1"
    earlier = {name: os.environ.get(name) for name in given}
    os.environ.update(given)
    # Put back when the command ends: run in a process that goes on (a test runner), the
    # command's data directory must not become that process's.
    context.call_on_close(lambda: _restore(earlier))


def _restore(earlier: dict[str, str | None]) -> None:
    for name, value in earlier.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def main() -> None:
    sys.exit(run_guarded(typer.main.get_command(app)))
