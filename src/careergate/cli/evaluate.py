"""``careergate eval``: compare models on a task set, through the gateway."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import openai
import typer
from rich.progress import Progress
from rich.table import Table

from careergate.cli.common import err_console, print_json, print_table, run, with_database
from careergate.config.deployments import load_gateway_config
from careergate.evaluation.report import ModelSummary, recommend, summarise, svg_chart
from careergate.evaluation.runner import Attempt, run_task_set
from careergate.evaluation.store import previous_results, save_results
from careergate.evaluation.tasks import TaskSet
from careergate.pricing.catalogue import PriceCatalogue
from careergate.settings import Settings
from careergate.storage.database import Database


def evaluate(
    tasks: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Task set (YAML).")],
    models: Annotated[str, typer.Option(help="Comma-separated models or aliases to compare.")],
    base_url: Annotated[
        str, typer.Option(help="The gateway's /v1 URL.")
    ] = "http://127.0.0.1:8080/v1",
    key: Annotated[
        str | None,
        typer.Option(help="A careergate key (default: $CAREERGATE_EVAL_KEY)."),
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Runs of each task per model.")] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests at once.")] = 4,
    chart: Annotated[Path | None, typer.Option(help="Write an SVG chart here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run every task on every model; report quality, latency, cost and failures, with a
    recommendation, compared with the last run of the same task set."""
    settings = Settings()
    try:
        task_set = TaskSet.load(tasks)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    candidates = [m.strip() for m in models.split(",") if m.strip()]
    secret = key or os.environ.get("CAREERGATE_EVAL_KEY")
    if not secret:
        raise typer.BadParameter("give --key or set CAREERGATE_EVAL_KEY")
    config = load_gateway_config(settings.config, settings.upstream_env)
    prices = PriceCatalogue.shipped(config.prices)

    async def work(
        database: Database,
    ) -> tuple[list[ModelSummary], dict[str, ModelSummary], str, str | None]:
        earlier = await previous_results(database, task_set.name)
        client = openai.AsyncOpenAI(base_url=base_url, api_key=secret, max_retries=2)
        total = len(task_set.tasks) * len(candidates) * repeat
        with Progress(console=err_console, transient=True) as progress:
            bar = progress.add_task(f"eval {task_set.name}", total=total)

            def advance(attempt: Attempt) -> None:
                progress.advance(bar)

            try:
                attempts = await run_task_set(
                    task_set,
                    candidates,
                    client,
                    prices,
                    repeat=repeat,
                    concurrency=concurrency,
                    progress=advance,
                )
            finally:
                await client.close()
        summaries = summarise(attempts, candidates)
        choice, reason = recommend(summaries)
        run_id = await save_results(
            database, task_set.name, task_set.feature, summaries, choice.model if choice else None
        )
        return summaries, earlier, reason, run_id

    summaries, earlier, reason, run_id = run(lambda: with_database(settings, work))
    if chart is not None:
        chart.write_text(svg_chart(summaries, f"{task_set.name}: {reason}"))
    if as_json:
        print_json(
            {
                "run": run_id,
                "task_set": task_set.name,
                "feature": task_set.feature,
                "models": [s.to_json() for s in summaries],
                "previous": {m: s.to_json() for m, s in earlier.items() if m in candidates},
                "recommendation": reason,
            }
        )
        return
    table = Table(
        "model",
        "quality",
        "p50 ms",
        "p95 ms",
        "cost per task $",
        "failures",
        "vs last run",
        title=f"{task_set.name} ({task_set.feature or 'no feature'})",
    )
    for s in summaries:
        before = earlier.get(s.model)
        change = f"quality {s.quality - before.quality:+.2f}" if before else "first run"
        table.add_row(
            s.model,
            f"{s.quality:.2f}",
            f"{s.p50_ms:,.0f}",
            f"{s.p95_ms:,.0f}",
            f"{s.cost_per_task_usd:.6f}",
            f"{s.failure_rate:.0%}",
            change,
        )
    print_table(table)
    typer.echo(f"Recommendation for {task_set.feature or task_set.name}: {reason}")
    if chart is not None:
        typer.echo(f"Chart: {chart}")
