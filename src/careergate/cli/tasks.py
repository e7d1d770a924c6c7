"""``careergate tasks``: submit background tasks to a gateway, follow them with a
progress bar, read their results, cancel them; ``webhook-key`` prints the key their
webhooks are signed with (from the local vault)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer

from careergate.cli import following
from careergate.cli.common import err_console, load_settings, run, with_database
from careergate.cli.following import Standing
from careergate.cli.lazy import command_group
from careergate.cli.output import Format, FormatOption, JsonOption, chosen, show_record

tasks_app = command_group()

BaseUrl = Annotated[
    str,
    typer.Option(envvar="CAREERGATE_BASE_URL", help="The gateway's /v1 URL."),
]
Key = Annotated[str | None, typer.Option(help="Its key (default: $CAREERGATE_KEY).")]
TaskId = Annotated[str, typer.Argument(help="The task's id (task_...).")]
AsJson = JsonOption
DEFAULT_URL = "http://127.0.0.1:8080/v1"
ENDED = ("completed", "cancelled", "erased")


class Gateway:
    """The gateway's task API; an error answer ends the command with its message."""

    def __init__(self, base_url: str, key: str | None) -> None:
        secret = key or os.environ.get("CAREERGATE_KEY")
        if not secret:
            raise typer.BadParameter("give a key or set CAREERGATE_KEY", param_hint="'--key'")
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"authorization": f"Bearer {secret}"},
            timeout=60,
        )

    def call(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        try:
            answer = self.client.request(method, path, **options)
        except httpx.HTTPError as exc:
            err_console.print(f"[red]error:[/red] the gateway could not be reached: {exc}")
            raise typer.Exit(1) from None
        try:
            body: dict[str, Any] = answer.json()
        except ValueError:
            body = {"error": {"message": f"status {answer.status_code}, not JSON"}}
        if answer.status_code >= 400:
            message = (body.get("error") or {}).get("message") or f"status {answer.status_code}"
            err_console.print(f"[red]error:[/red] {message}")
            raise typer.Exit(1)
        return body

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def raw(self, method: str, path: str) -> bytes:
        """An answer that is not JSON (a file's content); an error ends the command."""
        try:
            answer = self.client.request(method, path)
        except httpx.HTTPError as exc:
            err_console.print(f"[red]error:[/red] the gateway could not be reached: {exc}")
            raise typer.Exit(1) from None
        if answer.status_code >= 400:
            try:
                message = answer.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = f"status {answer.status_code}"
            err_console.print(f"[red]error:[/red] {message}")
            raise typer.Exit(1)
        return answer.content


def _show(task: dict[str, Any]) -> None:
    progress = task["progress"]
    eta = progress.get("eta_seconds")
    err_console.print(
        f"{task['id']} [bold]{task['status']}[/bold] ({task['kind']}): "
        f"{progress['done']} done, {progress['failed']} failed of {progress['total']}"
        + (f", about {eta:.0f} s left" if eta is not None else "")
    )


def print_record(record: dict[str, Any], output: Format, line: Any) -> None:
    """``line(record)`` (one line on standard error) for ``table``; else the record as
    JSON or CSV on standard output."""
    if output is Format.TABLE:
        line(record)
    else:
        show_record(output, record)


def follow(gateway: Gateway, task_id: str, every: float = 0.5) -> dict[str, Any]:
    """Poll the task with a progress bar until it ends; its last status."""

    def look() -> tuple[dict[str, Any], Standing]:
        task = gateway.call("GET", f"/tasks/{task_id}")
        progress = task["progress"]
        finished = progress["done"] + progress["failed"]
        ended = task["status"] in ENDED
        standing = Standing(progress["total"], finished, progress["failed"], task["status"], ended)
        return task, standing

    return following.follow(task_id, look, every)


@tasks_app.command("submit")
def submit(
    body: Annotated[Path, typer.Argument(help="The task as JSON: {kind, ...} (- for stdin).")],
    kind: Annotated[str | None, typer.Option(help="The kind, if the file does not say.")] = None,
    webhook: Annotated[str | None, typer.Option(help="URL told when the task ends.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Follow it until it ends.")] = False,
    base_url: BaseUrl = DEFAULT_URL,
    key: Key = None,
    output: FormatOption = Format.TABLE,
    as_json: AsJson = False,
) -> None:
    """Submit a task; print its id (and follow it with --wait)."""
    try:
        raw = typer.get_text_stream("stdin").read() if str(body) == "-" else body.read_text()
        payload = orjson.loads(raw)
    except (OSError, orjson.JSONDecodeError) as exc:
        raise typer.BadParameter(f"{body}: {exc}", param_hint="BODY") from None
    if not isinstance(payload, dict):
        raise typer.BadParameter(f"{body}: expected a JSON object", param_hint="BODY")
    if kind is not None:
        payload["kind"] = kind
    if webhook is not None:
        payload["webhook"] = webhook
    with Gateway(base_url, key) as gateway:
        task = gateway.call("POST", "/tasks", content=orjson.dumps(payload))
        if wait:
            task = follow(gateway, task["id"])
    output = chosen(output, as_json)
    if output is Format.TABLE:
        typer.echo(task["id"])
    print_record(task, output, _show)


@tasks_app.command("status")
def status(
    task_id: TaskId,
    base_url: BaseUrl = DEFAULT_URL,
    key: Key = None,
    output: FormatOption = Format.TABLE,
    as_json: AsJson = False,
) -> None:
    """A task's status and progress."""
    with Gateway(base_url, key) as gateway:
        task = gateway.call("GET", f"/tasks/{task_id}")
    print_record(task, chosen(output, as_json), _show)


@tasks_app.command("wait")
def wait_for(
    task_id: TaskId,
    base_url: BaseUrl = DEFAULT_URL,
    key: Key = None,
    output: FormatOption = Format.TABLE,
    as_json: AsJson = False,
) -> None:
    """Follow a task with a progress bar until it ends; exit 1 if any item failed or it
    was cancelled."""
    with Gateway(base_url, key) as gateway:
        task = follow(gateway, task_id)
    print_record(task, chosen(output, as_json), _show)
    if task["status"] != "completed" or task["progress"]["failed"]:
        raise typer.Exit(1)


@tasks_app.command("cancel")
def cancel(task_id: TaskId, base_url: BaseUrl = DEFAULT_URL, key: Key = None) -> None:
    """Cancel a task: its waiting items do not run."""
    with Gateway(base_url, key) as gateway:
        _show(gateway.call("POST", f"/tasks/{task_id}/cancel"))


@tasks_app.command("results")
def results(
    task_id: TaskId,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write JSON lines here, not stdout.")
    ] = None,
    base_url: BaseUrl = DEFAULT_URL,
    key: Key = None,
) -> None:
    """Every item's outcome as a JSON line (index, status, result or error); the summary
    of a task that has ended last, as {"summary": ...}."""
    lines: list[bytes] = []
    after = -1
    with Gateway(base_url, key) as gateway:
        while True:
            page = gateway.call(
                "GET", f"/tasks/{task_id}/results", params={"after": after, "limit": 1000}
            )
            lines.extend(orjson.dumps(item) for item in page["data"])
            if not page["has_more"] or not page["data"]:
                break
            after = page["data"][-1]["index"]
    if page.get("summary") is not None:
        lines.append(orjson.dumps({"summary": page["summary"]}))
    text = b"\n".join(lines).decode() + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        err_console.print(f"{len(lines)} line(s) written to {out}")


@tasks_app.command("webhook-key")
def webhook_key() -> None:
    """The key task webhooks are signed with (hex), for their receivers to check
    ``x-careergate-signature``. Keep it secret."""
    from careergate.state import vault
    from careergate.tasks.runner import WEBHOOK_KEY

    settings = load_settings()

    async def work() -> bytes:
        return await with_database(
            settings,
            lambda database: vault(settings, database).internal_secret(WEBHOOK_KEY),
            master_key=True,
        )

    typer.echo(run(work).hex())
