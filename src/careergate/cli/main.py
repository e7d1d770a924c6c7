"""``careergate``: serve the gateway, manage keys, run the fake upstream."""

from __future__ import annotations

import typer

from careergate.cli.alerts import alerts_app
from careergate.cli.audit import audit_app
from careergate.cli.backup import backup_app
from careergate.cli.batch import batch_app
from careergate.cli.budgets import budgets_app
from careergate.cli.db import db_app
from careergate.cli.evaluate import evaluate
from careergate.cli.fake import fake_upstream
from careergate.cli.features import jobs_app, resumes_app, skills_app
from careergate.cli.keys import keys_app
from careergate.cli.model_commands import models_app
from careergate.cli.privacy import privacy_app
from careergate.cli.serve import serve
from careergate.cli.tasks import tasks_app
from careergate.cli.usage import usage
from careergate.cli.vault import vault_app
from careergate.cli.worker import worker

app = typer.Typer(
    name="careergate",
    help="careergate: the AI service layer of a career platform.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback's local variables could hold a secret (a key being added, say).
    pretty_exceptions_show_locals=False,
)
app.command()(serve)
app.command()(worker)
app.command("fake-upstream")(fake_upstream)
app.command("usage")(usage)
app.command("eval")(evaluate)
app.add_typer(keys_app, name="keys")
app.add_typer(batch_app, name="batch")
app.add_typer(vault_app, name="vault")
app.add_typer(backup_app, name="backup")
app.add_typer(alerts_app, name="alerts")
app.add_typer(budgets_app, name="budgets")
app.add_typer(db_app, name="db")
app.add_typer(models_app, name="models")
app.add_typer(audit_app, name="audit")
app.add_typer(privacy_app, name="privacy")
app.add_typer(skills_app, name="skills")
app.add_typer(jobs_app, name="jobs")
app.add_typer(resumes_app, name="resumes")
app.add_typer(tasks_app, name="tasks")


def main() -> None:
    app()
