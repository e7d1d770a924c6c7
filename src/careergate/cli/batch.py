"""``careergate batch``: submit a JSONL file of requests as a batch through a gateway
(uploaded, then created), follow it with a progress bar, read its results, cancel it.
Over the gateway's Files and Batch APIs, with its key, like any OpenAI client."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from careergate.cli import following
from careergate.cli.common import err_console
from careergate.cli.following import Standing
from careergate.cli.lazy import command_group
from careergate.cli.output import Format, FormatOption, chosen
from careergate.cli.tasks import DEFAULT_URL, AsJson, BaseUrl, Gateway, Key, print_record

batch_app = command_group()

BatchId = Annotated[str, typer.Argument(help="The batch's id (batch_...).")]
ENDED = ("completed", "failed", "expired", "cancelled")


def _show(batch: dict[str, Any]) -> None:
    counts = batch.get("request_counts") or {}
    err_console.print(
        f"{batch['id']} [bold]{batch['status']}[/bold] ({batch['endpoint']}): "
        f"{counts.get('completed', 0)} completed, {counts.get('failed', 0)} failed "
        f"of {counts.get('total', 0)}"
    )


def follow(gateway: Gateway, batch_id: str, every: float = 1.0) -> dict[str, Any]:
    """Poll the batch with a progress bar until it ends; its last state."""

    def look() -> tuple[dict[str, Any], Standing]:
        batch = gateway.call("GET", f"/batches/{batch_id}")
        counts = batch.get("request_counts") or {}
        failed = int(counts.get("failed", 0))
        finished = int(counts.get("completed", 0)) + failed
        ended = batch["status"] in ENDED
        return batch, Standing(
            counts.get("total") or None, finished, failed, batch["status"], ended
        )

    return following.follow(batch_id, look, every)


@batch_app.command("submit")
def submit(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="JSONL: one request per line (custom_id, method, url, body).",
        ),
    ],
    endpoint: Annotated[str, typer.Option(help="The lines' endpoint.")] = "/v1/chat/completions",
    wait: Annotated[bool, typer.Option("--wait", help="Follow it until it ends.")] = False,
    base_url: BaseUrl = DEFAULT_URL,
    key: Key = None,
    output: FormatOption = Format.TABLE,
    as_json: AsJson = False,
) -> None:
    """Upload FILE and create a batch from it; print its id (and follow it with --wait)."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"{file}: {exc.strerror}", param_hint="FILE") from None
    with Gateway(base_url, key) as gateway:
        uploaded = gateway.call(
            "POST",
            "/files",
            data={"purpose": "batch"},
            files={"file": (file.name, content, "application/jsonl")},
        )
        request = {"input_file_id": uploaded["id"], "endpoint": endpoint}
        request["completion_window"] = "24h"
        batch = gateway.call("POST", "/batches", content=orjson.dumps(request))
        if wait:
            batch = follow(gateway, batch["id"])
    output = chosen(output, as_json)
    print_record(batch, output, _show)
    if output is Format.TABLE:
        typer.echo(batch["id"])
    if wait and batch["status"] != "completed":
        raise typer.Exit(1)


@batch_app.command("status")
def status(
    batch_id: BatchId,
    wait: Annotated[bool, typer.Option("--wait", help="Follow it until it ends.")] = False,
    base_url: BaseUrl = DEFAULT_URL,
    key: Key = None,
    output: FormatOption = Format.TABLE,
    as_json: AsJson = False,
) -> None:
    """The batch's status and counts."""
    with Gateway(base_url, key) as gateway:
        batch = follow(gateway, batch_id) if wait else gateway.call("GET", f"/batches/{batch_id}")
    print_record(batch, chosen(output, as_json), _show)


@batch_app.command("results")
def results(
    batch_id: BatchId,
    errors: Annotated[bool, typer.Option("--errors", help="The error file instead.")] = False,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write to this file (default: stdout).")
    ] = None,
    base_url: BaseUrl = DEFAULT_URL,
    key: Key = None,
) -> None:
    """The batch's output file (or its error file), one JSON line per request."""
    with Gateway(base_url, key) as gateway:
        batch = gateway.call("GET", f"/batches/{batch_id}")
        file_id = batch.get("error_file_id" if errors else "output_file_id")
        if not file_id:
            state, what = batch["status"], "error" if errors else "output"
            err_console.print(f"[red]error:[/red] batch {batch_id} ({state}) has no {what} file")
            raise typer.Exit(1)
        content = gateway.raw("GET", f"/files/{file_id}/content")
    if out is None:
        sys.stdout.buffer.write(content)
    else:
        out.write_bytes(content)


@batch_app.command("cancel")
def cancel(
    batch_id: BatchId,
    base_url: BaseUrl = DEFAULT_URL,
    key: Key = None,
    output: FormatOption = Format.TABLE,
    as_json: AsJson = False,
) -> None:
    """Cancel the batch: lines not yet run will not run."""
    with Gateway(base_url, key) as gateway:
        batch = gateway.call("POST", f"/batches/{batch_id}/cancel")
    print_record(batch, chosen(output, as_json), _show)
