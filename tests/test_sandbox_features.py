"""The platform's features on a gateway that runs on the sandbox upstream (no upstream
configured): sensible, labelled answers, and the rule-based results kept wherever the
sandbox's model gives nothing better."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, start_gateway
from test_content_optimisation import JOB, RESUME
from test_skills_feature import post_feature


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    settings = gateway_settings(tmp_path_factory.mktemp("sandboxed"), [], matching_embeddings=False)
    with FakeOpenAI() as unused:  # the gateway starts its own sandbox; this one is idle
        yield from start_gateway(settings, unused)


def feature(gateway: RunningGateway, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    status, report = post_feature(gateway, path, gateway.create_key(), payload)
    assert status == 200, report
    assert report["sandbox"] is True
    return dict(report)


def test_skills_through_the_sandbox_are_evidenced_and_nothing_is_made_up(
    sandboxed: RunningGateway,
) -> None:
    report = feature(sandboxed, "skills/extract", {"resume": RESUME})
    labels = {skill["label"] for skill in report["skills"]}
    assert {"Python (computer programming)", "SQL"} <= labels
    text = str(RESUME)
    assert all(name in text for name in report["unmapped"])
    for skill in report["skills"]:
        assert skill["evidence"]["text"] in text


def test_optimisation_through_the_sandbox_keeps_the_rule_based_edits(
    sandboxed: RunningGateway,
) -> None:
    report = feature(sandboxed, "content/optimise", {"resume": RESUME, "job": JOB})
    rules = [edit for edit in report["edits"] if edit["source"] == "rules"]
    assert any(edit["original"] == "Responsible for" for edit in rules)
    assert any(edit["original"] == "Results-driven" for edit in rules)
    assert all(edit["original"] != edit["replacement"] for edit in report["edits"])
    if report["degraded"]:
        assert "rule-based edits stand" in report["reason"]


def test_a_resume_generated_through_the_sandbox_keeps_the_profiles_facts(
    sandboxed: RunningGateway,
) -> None:
    report = feature(sandboxed, "resumes/generate", {"resume": RESUME, "job": JOB})
    assert report["degraded"] is False
    assert report["resume"]["work"][0]["name"] == "Orbit"
    assert report["flags"] == []
