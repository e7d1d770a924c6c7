"""The features' CLI commands offline (their fallbacks): recommendations, resume
generation in each format, content optimisation; and a bad document named."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunningGateway, cli_env, run_cli
from test_content_optimisation import JOB as OPTIMISE_JOB
from test_content_optimisation import RESUME as OPTIMISE_RESUME
from test_job_matching import POSTINGS, PROFILE
from test_resume_generation import JOB
from test_resume_generation import PROFILE as FULL_PROFILE


def write(path: Path, value: object) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def test_the_feature_commands_answer_offline(gateway: RunningGateway, tmp_path: Path) -> None:
    env = cli_env(gateway.settings)
    profile = write(tmp_path / "profile.json", PROFILE)
    postings = write(tmp_path / "postings.json", POSTINGS)
    recommended = json.loads(
        run_cli(
            env,
            "skills",
            "recommend",
            "--resume",
            profile,
            "--role",
            "Data Engineer",
            "--jobs",
            postings,
        ).stdout
    )
    assert recommended["degraded"] is True
    assert recommended["recommendations"][0]["label"] == "NoSQL"

    full = write(tmp_path / "full.json", FULL_PROFILE)
    job = write(tmp_path / "job.json", JOB)
    generated = json.loads(
        run_cli(env, "resumes", "generate", "--resume", full, "--job", job).stdout
    )
    assert generated["degraded"] is True
    assert generated["resume"]["work"][0]["name"] == "Orbit"
    markdown = run_cli(
        env, "resumes", "generate", "--resume", full, "--job", job, "--format", "markdown"
    ).stdout
    assert markdown.startswith("# Mira Okafor")
    page = run_cli(
        env, "resumes", "generate", "--resume", full, "--job", job, "--format", "html"
    ).stdout
    assert "<h1>Mira Okafor</h1>" in page

    optimised = json.loads(
        run_cli(
            env,
            *("resumes", "optimise"),
            *("--resume", write(tmp_path / "r.json", OPTIMISE_RESUME)),
            *("--job", write(tmp_path / "j.json", OPTIMISE_JOB)),
        ).stdout
    )
    assert any(e["original"] == "Responsible for" for e in optimised["edits"])

    bad = run_cli(
        env,
        "resumes",
        "generate",
        "--resume",
        write(tmp_path / "bad.json", {"work": "x"}),
        "--job",
        job,
        check=False,
    )
    assert bad.returncode == 1
    assert "`work`" in bad.stderr
