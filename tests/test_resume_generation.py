"""Resume generation: valid JSON Resume, Markdown and HTML; every employer, title, date
and number traceable to the profile (what is not is dropped and flagged); contact
details never sent to the model and put back after."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from careergate.features.documents import schema
from careergate.testing import Fault
from conftest import RunningGateway
from test_skills_feature import post_feature

pytestmark = pytest.mark.breaker_never_opens
"""Tests here fail the upstream on purpose (``conftest.module_gateway``)."""

PROFILE = {
    "basics": {
        "name": "Mira Okafor",
        "email": "mira@example.org",
        "phone": "+44 20 7946 0958",
        "label": "Data engineer",
        "summary": "Data engineer with 6 years in Python and SQL.",
    },
    "work": [
        {
            "name": "Orbit",
            "position": "Data Engineer",
            "startDate": "2021-03",
            "highlights": [
                "Organised the office party",
                "Built Spark pipelines in Python that cut costs by 30%",
                "Tuned SQL warehouses for the finance team",
            ],
        },
        {
            "name": "Helix",
            "position": "Analyst",
            "startDate": "2018-09",
            "endDate": "2021-02",
            "highlights": ["Reported weekly KPIs in SQL"],
        },
    ],
    "education": [{"institution": "University of Leeds", "studyType": "BSc", "area": "Physics"}],
    "skills": [{"name": "Data", "keywords": ["SQL", "Python", "Excel"]}],
}
JOB = {"title": "Senior Data Engineer", "description": "Python and SQL pipelines at scale."}


def generate(gateway: RunningGateway) -> dict[str, Any]:
    status, report = post_feature(
        gateway, "resumes/generate", gateway.create_key(), {"resume": PROFILE, "job": JOB}
    )
    assert status == 200, report
    jsonschema.validate(report["resume"], schema("resume-schema.json"))
    return report


def test_the_models_resume_keeps_only_what_the_profile_supports(gateway: RunningGateway) -> None:
    written = copy.deepcopy(PROFILE)
    del written["basics"]["email"], written["basics"]["phone"], written["basics"]["name"]
    written["basics"]["summary"] = "Data engineer with 9 years in Python and SQL."  # 9: invented
    written["work"][0]["highlights"] = [
        "Built Spark pipelines in Python that cut costs by 30%",
        "Cut warehouse spend by 45%",  # invented number
    ]
    written["work"].append({"name": "Google", "position": "Staff Engineer"})  # invented employer
    written["education"][0]["studyType"] = "PhD"  # invented degree
    gateway.fake.script("Profile:", json.dumps(written))

    report = generate(gateway)
    assert report["degraded"] is False
    resume = report["resume"]
    assert [w["name"] for w in resume["work"]] == ["Orbit", "Helix"]
    assert resume["work"][0]["highlights"] == [
        "Built Spark pipelines in Python that cut costs by 30%"
    ]
    assert resume["basics"]["summary"] == PROFILE["basics"]["summary"]  # the profile's own
    assert resume["education"] == []
    flags = " | ".join(report["flags"])
    assert "employer 'Google'" in flags
    assert "work[0].highlights[1]" in flags
    assert "education[0]: studyType" in flags
    assert resume["basics"]["email"] == "mira@example.org"  # put back after
    sent = json.dumps(gateway.fake.requests[-1].body)
    assert "mira@example.org" not in sent
    assert "7946" not in sent
    assert "Mira Okafor" not in sent
    assert "# Mira Okafor" in report["markdown"]
    assert "<h3>Data Engineer, Orbit</h3>" in report["html"]


def test_without_a_model_the_profile_is_ordered_for_the_posting(gateway: RunningGateway) -> None:
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    report = generate(gateway)
    assert report["degraded"] is True
    highlights = report["resume"]["work"][0]["highlights"]
    assert highlights[0] == "Built Spark pipelines in Python that cut costs by 30%"
    assert highlights[-1] == "Organised the office party"
    assert report["resume"]["skills"][0]["keywords"][:2] == ["SQL", "Python"]
    assert report["resume"]["basics"]["email"] == "mira@example.org"
    assert "- Built Spark pipelines" in report["markdown"]


def test_without_a_model_at_most_four_highlights_stay_the_most_relevant(
    gateway: RunningGateway,
) -> None:
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    profile = copy.deepcopy(PROFILE)
    profile["work"][0]["highlights"] = [
        "Organised the office party",
        "Built Python pipelines for SQL warehouses",
        "Ran the book club",
        "Moved reporting to Python",
        "Wrote SQL checks for pipelines",
        "Chaired the social committee",
        "Scaled pipelines at scale in Python and SQL",
    ]
    status, report = post_feature(
        gateway, "resumes/generate", gateway.create_key(), {"resume": profile, "job": JOB}
    )
    assert status == 200
    kept = report["resume"]["work"][0]["highlights"]
    assert len(kept) == 4
    assert kept[0] == "Scaled pipelines at scale in Python and SQL"  # the posting's words most
    assert set(kept) == {
        "Built Python pipelines for SQL warehouses",
        "Moved reporting to Python",
        "Wrote SQL checks for pipelines",
        "Scaled pipelines at scale in Python and SQL",
    }
    assert report["resume"]["work"][1]["highlights"] == ["Reported weekly KPIs in SQL"]


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"inner": value}
    return value


def test_a_resume_nested_past_any_resumes_depth_is_a_400_from_every_feature(
    gateway: RunningGateway,
) -> None:
    profile = {**PROFILE, "extra": nested(600)}
    key = gateway.create_key()
    for path, payload in (
        ("resumes/generate", {"resume": profile, "job": JOB}),
        ("content/optimise", {"resume": profile, "job": JOB}),
        ("skills/extract", {"resume": profile}),
    ):
        status, refused = post_feature(gateway, path, key, payload)
        assert status == 400, (path, refused)
        assert refused["error"]["code"] == "invalid_document"
        assert "levels deep" in refused["error"]["message"]


def test_a_models_resume_nested_past_any_resumes_depth_leaves_the_fallback(
    gateway: RunningGateway,
) -> None:
    written = {**copy.deepcopy(PROFILE), "projects": [{"name": "Orbit", "meta": nested(300)}]}
    gateway.fake.script("Profile:", json.dumps(written))
    report = generate(gateway)
    assert report["degraded"] is True
    assert "not valid" in report["reason"]
    assert [w["name"] for w in report["resume"]["work"]] == ["Orbit", "Helix"]
