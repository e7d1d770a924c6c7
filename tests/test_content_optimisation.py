"""Content optimisation: edits quoting the resume verbatim, nothing invented, keyword
coverage before and after; rules without a model, the model's edits (checked) with one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from careergate.testing import Fault
from conftest import RunningGateway
from test_skills_feature import post_feature

pytestmark = pytest.mark.breaker_never_opens
"""Tests here fail the upstream on purpose (``conftest.module_gateway``)."""

RESUME = {
    "basics": {"summary": "Results-driven engineer who likes clean pipelines."},
    "work": [
        {
            "name": "Orbit",
            "position": "Data Engineer",
            "highlights": [
                "Responsible for the nightly SQL loads",
                "Built Spark pipelines in Python that cut costs by 30%",
            ],
        }
    ],
    "skills": [{"name": "Data", "keywords": ["Python", "SQL", "NoSQL"]}],
}
JOB = {
    "title": "Data Engineer",
    "description": "Data engineer building pipelines in Python on SQL and NoSQL stores.",
}


def optimise(gateway: RunningGateway) -> dict[str, Any]:
    status, report = post_feature(
        gateway, "content/optimise", gateway.create_key(), {"resume": RESUME, "job": JOB}
    )
    assert status == 200
    return report


def test_rules_edit_weak_openings_buzzwords_and_the_summary(gateway: RunningGateway) -> None:
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    report = optimise(gateway)
    assert report["degraded"] is True
    edits = {(e["field"], e["original"]): e for e in report["edits"]}
    assert edits[("work[0].highlights[0]", "Responsible for")]["replacement"] == "Owned"
    assert edits[("basics.summary", "Results-driven")]["replacement"] == ""
    summary = edits[("basics.summary", RESUME["basics"]["summary"])]
    assert summary["replacement"].endswith("Skilled in Python, SQL and NoSQL.")
    notes = {(n["field"], n["note"].split(":")[0]) for n in report["notes"]}
    assert ("work[0].highlights[0]", "No number") in notes  # a number cannot be made up
    assert ("work[0].highlights[1]", "No number") not in notes
    coverage = report["keyword_coverage"]  # the bullets name Python and SQL, not NoSQL
    assert (coverage["before"], coverage["after"]) == (0.6667, 1.0)


def test_the_models_edits_must_quote_the_resume_and_invent_nothing(gateway: RunningGateway) -> None:
    proposed = {
        "edits": [
            {
                "original": "Responsible for the nightly SQL loads",
                "replacement": "Ran the nightly SQL loads",
                "reason": "Active voice.",
            },
            {
                "original": "Responsible for the nightly SQL loads",
                "replacement": "Ran 500 nightly SQL loads",
                "reason": "Adds scale.",
            },
            {
                "original": "Managed a team of twelve",
                "replacement": "Led a team of twelve",
                "reason": "Stronger verb.",
            },
            {  # a job title: in the resume, but not offered for editing
                "original": "Data Engineer",
                "replacement": "Chief Data Officer",
                "reason": "Sounds senior.",
            },
        ]
    }
    gateway.fake.script("Resume:", json.dumps(proposed))
    report = optimise(gateway)
    assert report["degraded"] is False
    ai = [e["replacement"] for e in report["edits"] if e["source"] == "ai"]
    assert ai == ["Ran the nightly SQL loads"]
    assert len(report["dropped"]) == 3
    assert any("invents 500" in d for d in report["dropped"])
    assert sum("not in the resume's editable text" in d for d in report["dropped"]) == 2
