"""``careergate skills``, ``jobs`` and ``resumes``: the platform features from the command
line, offline (the fallbacks) or through a gateway (``--base-url``)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import Progress

from careergate.cli import flags
from careergate.cli.common import err_console, load_settings
from careergate.cli.guard import CliFailure
from careergate.cli.lazy import command_group
from careergate.cli.output import (
    Format,
    FormatOption,
    JsonOption,
    Listing,
    chosen,
    print_json,
    show,
)
from careergate.errors import GatewayError
from careergate.features import matching, optimise, resumes
from careergate.features.documents import (
    job_segments,
    match_request,
    requested_pair,
    resume_segments,
    segments_of,
)
from careergate.features.embeddings import E5Embedder
from careergate.features.extraction.finder import SkillFinder
from careergate.features.matching import Candidate, JobMatcher
from careergate.features.model_access import ModelCaller, SdkCaller
from careergate.features.optimise import ContentOptimiser
from careergate.features.resumes import ResumeBuilder
from careergate.features.skills import FEATURE, SkillInference, SkillRecommender

skills_app = command_group()
BaseUrl = Annotated[
    str | None, typer.Option(help="A gateway's /v1 URL; without one, no model is asked.")
]
Key = Annotated[str | None, typer.Option(help="Its key (default: $CAREERGATE_KEY).")]
Profile = Annotated[
    Path, typer.Option("--resume", exists=True, dir_okay=False, help="The profile (JSON Resume).")
]
Postings = Annotated[
    Path,
    typer.Option("--jobs", exists=True, help="Postings: a JSON list of {id, job}, or a folder."),
]
Posting = Annotated[
    Path,
    typer.Option(
        "--job", exists=True, dir_okay=False, help="The posting (JSON Resume job schema)."
    ),
]


def _run[T](
    base_url: str | None,
    key: str | None,
    feature: str,
    work: Callable[[ModelCaller | None], Awaitable[T]],
) -> T:
    """``work`` with a caller of the gateway at ``base_url`` (none: offline, fallback)."""

    async def main() -> T:
        if base_url is None:
            return await work(None)
        secret = key or os.environ.get("CAREERGATE_KEY")
        if not secret:
            raise typer.BadParameter(
                "give a key with --base-url (or set CAREERGATE_KEY)", param_hint="'--key'"
            )
        import openai  # only with a gateway to call: the offline path goes without it

        async with openai.AsyncOpenAI(base_url=base_url, api_key=secret, max_retries=1) as client:
            return await work(SdkCaller(client, feature))

    return asyncio.run(main())


def _checked[T](read: Callable[[], T]) -> T:
    """A document read and validated, or the error that names the field."""
    try:
        return read()
    except GatewayError as error:
        raise CliFailure(error.message) from None


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
    resume: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="A JSON Resume file.")
    ] = None,
    job: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="A job posting (JSON Resume job schema)."),
    ] = None,
    text: Annotated[str | None, typer.Option(help="Plain text.")] = None,
    base_url: BaseUrl = None,
    key: Key = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """The skills a resume, a posting or a text shows, as ESCO concepts with evidence."""
    segments = _checked(lambda: segments_of(_payload(resume, job, text)))
    inference = SkillInference(SkillFinder.shipped(), load_settings().feature_model)
    report = _run(base_url, key, FEATURE, lambda caller: inference.extract(segments, caller))
    output = chosen(output, as_json)
    if report.degraded and output is Format.TABLE:
        err_console.print(f"[yellow]degraded[/yellow] (taxonomy only): {report.reason}")
    listing = Listing(["skill", "ESCO URI", "evidence", "where", "source"])
    for skill in report.skills:
        listing.add(skill.label, skill.uri, skill.evidence, skill.field, skill.source)
    show(output, listing, report.to_json())


jobs_app = command_group()


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
    resume: Profile,
    jobs: Postings,
    top: Annotated[
        int, typer.Option(parser=flags.whole_number(1, 1000), help="How many to show.")
    ] = 10,
    base_url: BaseUrl = None,
    key: Key = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Rank postings for a profile: score, matched and missing skills, and why."""
    payload = {**_payload(resume, None, None), "jobs": _postings(jobs)}
    query, entries, _ = _checked(lambda: match_request(payload))
    settings = load_settings()
    matcher = JobMatcher(
        SkillFinder.shipped(),
        settings.feature_model,
        E5Embedder() if settings.matching_embeddings else None,
    )
    candidates = [Candidate(id, segments) for id, segments in entries]
    with Progress(console=err_console, transient=True) as progress:
        bar = progress.add_task("ranking postings", total=len(candidates))
        report = _run(
            base_url,
            key,
            matching.FEATURE,
            lambda caller: matcher.match(
                query,
                candidates,
                caller,
                query_is_posting=False,
                top=top,
                progress=lambda done: progress.advance(bar, done),
            ),
        )
    output = chosen(output, as_json)
    if report.degraded and output is Format.TABLE:
        err_console.print(f"[yellow]degraded[/yellow] (BM25 and skills only): {report.reason}")
    listing = Listing(["posting", "score", "matched", "missing", "why"])
    for m in report.matches:
        listing.add(m.id, f"{m.score:.2f}", m.matched, m.missing, m.explanation)
    show(output, listing, report.to_json())


@skills_app.command("recommend")
def recommend(
    resume: Profile,
    role: Annotated[str, typer.Option(help="The target role, e.g. 'Data Engineer'.")],
    jobs: Postings,
    top: Annotated[
        int, typer.Option(parser=flags.whole_number(1, 100), help="How many to show.")
    ] = 10,
    base_url: BaseUrl = None,
    key: Key = None,
) -> None:
    """Skills to learn for a target role (JSON)."""
    payload = {**_payload(resume, None, None), "jobs": _postings(jobs)}
    profile, entries, _ = _checked(lambda: match_request(payload))
    recommender = SkillRecommender(SkillFinder.shipped(), load_settings().feature_model)
    postings = [segments for _, segments in entries]
    report = _run(
        base_url,
        key,
        FEATURE,
        lambda caller: recommender.recommend(profile, role, postings, caller, top),
    )
    print_json(report.to_json())


resumes_app = command_group()


def _pair(resume: Path, job: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    payload = _payload(resume, job, None)
    resume_read, job_read = _checked(lambda: requested_pair(payload))
    return resume_read.document, job_read.document


@resumes_app.command("generate")
def generate(
    resume: Profile,
    job: Posting,
    output: Annotated[
        str,
        typer.Option(
            "--format",
            parser=flags.choice("json", "markdown", "html"),
            help="The resume as json, markdown or html.",
        ),
    ] = "json",
    base_url: BaseUrl = None,
    key: Key = None,
) -> None:
    """A resume tailored to a posting, with every fact traced to the profile."""
    profile, posting = _pair(resume, job)
    builder = ResumeBuilder(SkillFinder.shipped(), load_settings().feature_model)
    result = _run(
        base_url, key, resumes.FEATURE, lambda caller: builder.build(profile, posting, caller)
    )
    if output == "markdown":
        typer.echo(result.markdown, nl=False)
    elif output == "html":
        typer.echo(result.html)
    else:
        print_json(result.to_json())
    for flag in result.flags:
        err_console.print(f"[yellow]dropped[/yellow] {flag}")


@resumes_app.command("optimise")
def optimise_content(
    resume: Profile,
    job: Posting,
    base_url: BaseUrl = None,
    key: Key = None,
) -> None:
    """Edits that make the resume's bullets and summary speak to the posting (JSON)."""
    profile, posting = _pair(resume, job)
    optimiser = ContentOptimiser(SkillFinder.shipped(), load_settings().feature_model)
    report = _run(
        base_url,
        key,
        optimise.FEATURE,
        lambda caller: optimiser.optimise(resume_segments(profile), job_segments(posting), caller),
    )
    print_json(report.to_json())
