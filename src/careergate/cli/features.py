"""``careergate skills`` and ``careergate jobs``: the platform features from the command line."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated, Any

import openai
import orjson
import typer
from rich.table import Table

from careergate.cli.common import err_console, print_json, print_table
from careergate.errors import GatewayError
from careergate.features import matching
from careergate.features.documents import match_request, segments_of
from careergate.features.matching import Candidate, JobMatcher, MatchReport
from careergate.features.model_access import SdkCaller
from careergate.features.skills import FEATURE, SkillInference, SkillReport
from careergate.features.taxonomy import Taxonomy
from careergate.settings import Settings

skills_app = typer.Typer(help="Skill inference (ESCO).", no_args_is_help=True)


def _payload(resume: Path | None, job: Path | None, text: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for name, path in (("resume", resume), ("job", job)):
        if path is not None:
            try:
                payload[name] = orjson.loads(path.read_bytes())
            except (OSError, orjson.JSONDecodeError) as exc:
                raise typer.BadParameter(f"{path}: {exc}") from None
    if text is not None:
        payload["text"] = text
    return payload


@skills_app.command("extract")
def extract(
    resume: Annotated[Path | None, typer.Option(help="A JSON Resume file.")] = None,
    job: Annotated[
        Path | None, typer.Option(help="A job posting (JSON Resume job schema).")
    ] = None,
    text: Annotated[str | None, typer.Option(help="Plain text.")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="A gateway's /v1 URL; without one, no model is asked.")
    ] = None,
    key: Annotated[str | None, typer.Option(help="Its key (default: $CAREERGATE_KEY).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The skills a resume, a posting or a text shows, as ESCO concepts with evidence."""
    try:
        segments = segments_of(_payload(resume, job, text))
    except GatewayError as error:
        err_console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(1) from None
    inference = SkillInference(Taxonomy.esco(), Settings().feature_model)

    async def work() -> SkillReport:
        if base_url is None:
            return await inference.extract(segments, None)
        secret = key or os.environ.get("CAREERGATE_KEY")
        if not secret:
            raise typer.BadParameter("give --key or set CAREERGATE_KEY with --base-url")
        async with openai.AsyncOpenAI(base_url=base_url, api_key=secret, max_retries=1) as client:
            return await inference.extract(segments, SdkCaller(client, FEATURE))

    report = asyncio.run(work())
    if as_json:
        print_json(report.to_json())
        return
    if report.degraded:
        err_console.print(f"[yellow]degraded[/yellow] (taxonomy only): {report.reason}")
    table = Table("skill", "ESCO URI", "evidence", "where", "source")
    for skill in report.skills:
        table.add_row(skill.label, skill.uri, skill.evidence, skill.field, skill.source)
    print_table(table)


jobs_app = typer.Typer(help="Job matching.", no_args_is_help=True)


def _postings(path: Path) -> list[dict[str, Any]]:
    """A JSON list of ``{"id", "job"}``, or a directory of postings (id: the file name)."""
    try:
        if path.is_dir():
            return [
                {"id": file.stem, "job": orjson.loads(file.read_bytes())}
                for file in sorted(path.glob("*.json"))
            ]
        loaded = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise typer.BadParameter(f"{path}: {exc}") from None
    if not isinstance(loaded, list):
        raise typer.BadParameter(f"{path}: expected a list of {{id, job}} objects")
    return loaded


@jobs_app.command("match")
def match(
    resume: Annotated[Path, typer.Option(help="The profile (JSON Resume).")],
    jobs: Annotated[Path, typer.Option(help="Postings: a JSON list of {id, job}, or a folder.")],
    top: Annotated[int, typer.Option(min=1, max=1000, help="How many to show.")] = 10,
    base_url: Annotated[
        str | None, typer.Option(help="A gateway's /v1 URL; without one, no model is asked.")
    ] = None,
    key: Annotated[str | None, typer.Option(help="Its key (default: $CAREERGATE_KEY).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Rank postings for a profile: score, matched and missing skills, and why."""
    payload = {**_payload(resume, None, None), "jobs": _postings(jobs)}
    try:
        query, entries, _ = match_request(payload)
    except GatewayError as error:
        err_console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(1) from None
    matcher = JobMatcher(Taxonomy.esco(), Settings().feature_model)
    candidates = [Candidate(id, segments) for id, segments in entries]

    async def work() -> MatchReport:
        if base_url is None:
            return await matcher.match(query, candidates, None, query_is_posting=False, top=top)
        secret = key or os.environ.get("CAREERGATE_KEY")
        if not secret:
            raise typer.BadParameter("give --key or set CAREERGATE_KEY with --base-url")
        async with openai.AsyncOpenAI(base_url=base_url, api_key=secret, max_retries=1) as client:
            caller = SdkCaller(client, matching.FEATURE)
            return await matcher.match(query, candidates, caller, query_is_posting=False, top=top)

    report = asyncio.run(work())
    if as_json:
        print_json(report.to_json())
        return
    if report.degraded:
        err_console.print(f"[yellow]degraded[/yellow] (BM25 and skills only): {report.reason}")
    table = Table("posting", "score", "matched", "missing", "why")
    for m in report.matches:
        table.add_row(
            m.id, f"{m.score:.2f}", ", ".join(m.matched), ", ".join(m.missing), m.explanation
        )
    print_table(table)
