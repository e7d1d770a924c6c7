"""``careergate eval``: compare models on a task set, through the gateway."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import openai
import typer
from rich.progress import Progress

from careergate.cli import flags
from careergate.cli.common import err_console, load_settings, run, with_database
from careergate.cli.output import Format, FormatOption, JsonOption, Listing, Usd, chosen, show
from careergate.config.deployments import load_gateway_config
from careergate.evaluation.attempt import Attempt
from careergate.evaluation.checks import Scorer, load_scorers
from careergate.evaluation.feature_run import FeatureEvaluation
from careergate.evaluation.report import ModelSummary, recommend, summarise, svg_chart
from careergate.evaluation.runner import run_task_set
from careergate.evaluation.splits import SPLITS
from careergate.evaluation.store import previous_results, save_results
from careergate.evaluation.tasks import TaskSet
from careergate.features.embeddings import E5Embedder
from careergate.features.extraction.finder import SkillFinder
from careergate.features.feedback import FeedbackLine, per_model
from careergate.features.model_access import SdkCaller
from careergate.pricing.catalogue import PriceCatalogue
from careergate.storage.database import Database


def evaluate(
    tasks: Annotated[
        str, typer.Argument(help="A task set (YAML), or `features` for the platform features.")
    ],
    models: Annotated[
        str | None, typer.Option(help="Comma-separated models or aliases to compare.")
    ] = None,
    base_url: Annotated[
        str, typer.Option(help="The gateway's /v1 URL.")
    ] = "http://127.0.0.1:8080/v1",
    key: Annotated[
        str | None,
        typer.Option(help="A careergate key (default: $CAREERGATE_EVAL_KEY)."),
    ] = None,
    repeat: Annotated[
        int, typer.Option(parser=flags.whole_number(1, 100), help="Runs of each task per model.")
    ] = 1,
    concurrency: Annotated[
        int, typer.Option(parser=flags.whole_number(1, 64), help="Requests at once.")
    ] = 4,
    chart: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write an SVG chart here.")
    ] = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
    embeddings: Annotated[
        bool,
        typer.Option(help="`eval features`: measure the re-ranking by local embeddings too."),
    ] = True,
) -> None:
    """Run every task on every model; report quality, latency, cost and failures, with a
    recommendation, compared with the last run of the same task set, and the users'
    feedback on the task set's feature per model and prompt version when there is some
    (acceptance rate, mean edit distance, count). ``eval features``
    scores the platform features on the project's test and development splits instead
    (with ``--base-url`` and ``--key``, through that server's model too)."""
    settings = load_settings()
    secret = key or os.environ.get("CAREERGATE_EVAL_KEY")
    output = chosen(output, as_json)
    if tasks == "features":
        evaluate_features(base_url if secret else None, secret, output, embeddings, concurrency)
        return
    if not models:
        raise typer.BadParameter("give the models to compare", param_hint="'--models'")
    if not secret:
        raise typer.BadParameter("give a key here or in CAREERGATE_EVAL_KEY", param_hint="'--key'")
    try:
        task_set = TaskSet.load(Path(tasks))
        scorers = load_scorers(task_set, Path(tasks).parent)
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="TASKS") from None
    candidates = [m.strip() for m in models.split(",") if m.strip()]
    config = load_gateway_config(settings.config, settings.upstream_env)
    comparison = _Comparison(
        task_set,
        scorers,
        candidates,
        PriceCatalogue.shipped(config.prices),
        base_url,
        secret,
        repeat,
        concurrency,
    )
    outcome = run(lambda: with_database(settings, comparison.run))
    if chart is not None:
        chart.write_text(svg_chart(outcome.summaries, f"{task_set.name}: {outcome.reason}"))
    show(output, outcome.listing(task_set), outcome.to_json(task_set, candidates))
    if output is not Format.TABLE:
        return
    typer.echo(f"Recommendation for {task_set.feature or task_set.name}: {outcome.reason}")
    if chart is not None:
        typer.echo(f"Chart: {chart}")


@dataclass(frozen=True)
class _Outcome:
    """A comparison's results, with the last run's and the users' feedback beside them."""

    summaries: list[ModelSummary]
    earlier: dict[str, ModelSummary]
    reason: str
    run_id: str | None
    feedback: dict[str, list[FeedbackLine]]

    def to_json(self, task_set: TaskSet, candidates: list[str]) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "task_set": task_set.name,
            "feature": task_set.feature,
            "models": [
                {**s.to_json(), "feedback": [f.to_json() for f in self.feedback.get(s.model, [])]}
                for s in self.summaries
            ],
            "previous": {m: s.to_json() for m, s in self.earlier.items() if m in candidates},
            "recommendation": self.reason,
        }

    def listing(self, task_set: TaskSet) -> Listing:
        columns = ["model", "quality", "p50 ms", "p95 ms", "cost per task $", "failures"]
        columns.append("vs last run")
        if self.feedback:
            columns.append("users' feedback per prompt version")
        listing = Listing(columns, title=f"{task_set.name} ({task_set.feature or 'no feature'})")
        for s in self.summaries:
            before = self.earlier.get(s.model)
            change = f"quality {s.quality - before.quality:+.2f}" if before else "first run"
            cells: list[Any] = [
                s.model,
                f"{s.quality:.2f}",
                f"{s.p50_ms:,.0f}",
                f"{s.p95_ms:,.0f}",
                Usd(s.cost_per_task_usd),
                f"{s.failure_rate:.0%}",
                change,
            ]
            if self.feedback:
                lines = self.feedback.get(s.model, [])
                cells.append("\n".join(_feedback_cell(f) for f in lines) or "none")
            listing.add(*cells)
        return listing


@dataclass(frozen=True)
class _Comparison:
    """Every task of a set on every candidate model, through a gateway."""

    task_set: TaskSet
    scorers: dict[str, Scorer]
    candidates: list[str]
    prices: PriceCatalogue
    base_url: str
    secret: str
    repeat: int
    concurrency: int

    async def run(self, database: Database) -> _Outcome:
        """Runs the tasks, saves the results and reads the last run's and the feedback."""
        task_set = self.task_set
        earlier = await previous_results(database, task_set.name)
        feedback = (
            await per_model(database, task_set.feature, self.candidates) if task_set.feature else {}
        )
        client = openai.AsyncOpenAI(base_url=self.base_url, api_key=self.secret, max_retries=2)
        try:
            attempts = await self._attempts(client)
        finally:
            await client.close()
        summaries = summarise(attempts, self.candidates)
        choice, reason = recommend(summaries)
        run_id = await save_results(
            database, task_set.name, task_set.feature, summaries, choice.model if choice else None
        )
        return _Outcome(summaries, earlier, reason, run_id, feedback)

    async def _attempts(self, client: openai.AsyncOpenAI) -> list[Attempt]:
        total = len(self.task_set.tasks) * len(self.candidates) * self.repeat
        with Progress(console=err_console, transient=True) as progress:
            bar = progress.add_task(f"eval {self.task_set.name}", total=total)

            def advance(attempt: Attempt) -> None:
                progress.advance(bar)

            return await run_task_set(
                self.task_set,
                self.candidates,
                client,
                self.prices,
                repeat=self.repeat,
                concurrency=self.concurrency,
                progress=advance,
                scorers=self.scorers,
            )


def _feedback_cell(line: FeedbackLine) -> str:
    distance = "-" if line.mean_edit_distance is None else f"{line.mean_edit_distance:.2f}"
    return (
        f"{line.group or 'no version'}: {line.acceptance_rate:.0%} accepted, "
        f"edit distance {distance}, {line.count} verdicts"
    )


def evaluate_features(
    base_url: str | None,
    key: str | None,
    output: Format,
    embeddings: bool = True,
    concurrency: int = 4,
) -> None:
    """Skill extraction and job matching on the test and development splits, with their
    baselines, and resume generation: the fallback always, and the AI path too when a
    gateway (or any OpenAI-compatible server) and key are given, ``concurrency``
    requests at once."""
    settings = load_settings()
    embedder = E5Embedder() if embeddings or settings.matching_embeddings else None
    evaluation = FeatureEvaluation(
        SkillFinder.shipped(),
        settings.feature_model,
        embedder,
        settings.matching_embeddings,
        concurrency,
    )

    async def work() -> dict[str, Any]:
        results = {"fallback": await evaluation.score(None)}
        if base_url is not None and key is not None:
            async with openai.AsyncOpenAI(base_url=base_url, api_key=key, max_retries=1) as client:
                results["ai"] = await evaluation.score(SdkCaller(client, "evaluation"))
        return results

    results = run(work)
    show(output, _feature_listings(results), results)
    if output is Format.TABLE:
        _print_goals(results)


def _feature_listings(results: dict[str, Any]) -> list[Listing]:
    """Skills and matching per path and split; matching's methods apart; resumes."""
    table = Listing([
        "path", "split", "skill precision", "recall", "F1", "ESCO labels P / R",
        "matching nDCG@10", "MRR", "BM25 nDCG@10 / MRR",
    ])  # fmt: skip
    for path, scores in results.items():
        for split in SPLITS:
            skills, matching = scores[split]["skills"], scores[split]["matching"]
            baseline = scores[split]["skills_baseline"]["esco-labels"]
            bm25 = matching["methods"]["bm25"]
            table.add(
                path,
                split,
                f"{skills['precision']:.3f}",
                f"{skills['recall']:.3f}",
                f"{skills['f1']:.3f}",
                f"{baseline['precision']:.3f} / {baseline['recall']:.3f}",
                f"{matching['ndcg@10']:.3f}",
                f"{matching['mrr']:.3f}",
                f"{bm25['ndcg@10']:.3f} / {bm25['mrr']:.3f}",
            )
    fallback = results["fallback"]
    methods = Listing(["matching without a model", *(f"{s} nDCG@10 / MRR" for s in SPLITS)])
    for name in fallback["test"]["matching"]["methods"]:
        cells = []
        for split in SPLITS:
            scores = fallback[split]["matching"]["methods"][name]
            cells.append(f"{scores['ndcg@10']:.3f} / {scores['mrr']:.3f}")
        methods.add(name, *cells)
    resumes = Listing(["path", "valid resumes", "facts dropped", "untraceable"])
    for path, scores in results.items():
        generated = scores["resumes"]
        resumes.add(
            path,
            f"{generated['valid_share']:.0%} of {generated['pairs']}",
            generated["flagged"],
            generated["untraceable"],
        )
    return [table, methods, resumes]


def _print_goals(results: dict[str, Any]) -> None:
    test = results["fallback"]["test"]
    skills = "met" if test["skills"]["goals_met"] else "NOT met"
    ranking = "met" if test["matching"]["goals_met"] else "NOT met"
    typer.echo(
        "Goals for the fallbacks on the test split: skill precision ≥ 0.7 and recall ≥ 0.5: "
        f"{skills}; matching nDCG@10 and MRR ≥ 0.95 and above BM25's: {ranking}."
    )
