"""Skill inference through HTTP and the CLI: with a model (its answer checked against the
document and mapped to ESCO) and without one (the taxonomy, ``degraded: true``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from careergate.settings import PrivacyMode
from careergate.storage.database import Database
from careergate.storage.tables import FeedbackRow
from careergate.testing import FakeOpenAI, Fault
from conftest import RunningGateway, cli_env, gateway_settings, in_database, run_cli, start_gateway
from loopback import LoopbackServer, Received, Reply, chat_completion
from test_keys_access import admin_call

pytestmark = pytest.mark.breaker_never_opens
"""Tests here fail the upstream on purpose (``conftest.module_gateway``)."""

POSTING = {
    "title": "Data Engineer",
    "company": "Acme Analytics",
    "description": "Build Spark pipelines in Python and model data in SQL.",
    "responsibilities": ["Run agile development rituals", "Own project management of releases"],
    "skills": [{"name": "Databases", "keywords": ["PostgreSQL"]}],
}
ESCO_PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


def extract(gateway: RunningGateway, key: str, payload: dict[str, Any]) -> tuple[int, Any]:
    return post_feature(gateway, "skills/extract", key, payload)


def post_feature(
    gateway: RunningGateway, path: str, key: str, payload: dict[str, Any]
) -> tuple[int, Any]:
    """``POST /v1/features/PATH`` with ``key``: (status, JSON body)."""
    return admin_call(gateway, key, "POST", f"/v1/features/{path}", payload)


def labels(report: dict[str, Any]) -> dict[str, str]:
    return {s["label"]: s["source"] for s in report["skills"]}


def test_the_models_skills_are_mapped_to_esco_and_checked_against_the_document(
    gateway: RunningGateway,
) -> None:
    gateway.fake.script(
        "Spark pipelines",
        json.dumps(
            {
                "skills": [
                    {"name": "Python", "evidence": "in Python"},
                    {"name": "Apache Spark", "evidence": "Spark pipelines"},
                    {"name": "Quantum gardening", "evidence": "model data"},
                    {"name": "Java", "evidence": "ten years of Java"},  # not in the posting
                ]
            }
        ),
    )
    key = gateway.create_key(user="ann")
    status, report = extract(gateway, key, {"job": POSTING})
    assert status == 200
    assert report["degraded"] is False
    found = labels(report)
    assert found["Python (computer programming)"] == "ai"
    python = next(s for s in report["skills"] if s["source"] == "ai")
    assert python["uri"] == ESCO_PYTHON
    assert python["evidence"] == {
        "field": "description",
        "start": 22,
        "end": 31,
        "text": "in Python",
    }
    assert "Java (computer programming)" not in found  # its evidence is not in the text
    assert report["unmapped"] == ["Quantum gardening"]
    spark = next(s for s in report["skills"] if s["label"] == "Apache Spark")
    assert spark["uri"].startswith("https://lightcast.io/open-skills/skills/")  # not in ESCO
    assert spark["evidence"]["text"] == "Spark pipelines"
    assert found["SQL"] == "taxonomy"  # the taxonomy completes the model's list
    assert report["prompt_version"] == "skills-v1"
    sent = {k.lower(): v for k, v in gateway.fake.requests[-1].headers.items()}
    record = gateway.usage_record(sent["x-client-request-id"])
    assert (record.feature, record.user_id, record.status_code) == ("skills", "ann", 200)


def test_a_feature_acts_for_the_user_its_header_names(gateway: RunningGateway) -> None:
    """A service key acting for a user (``x-careergate-user``) spends as that user, on
    the model's call and in the feedback, as it does on chat; a key that may not act for
    others is refused."""
    service = gateway.create_key(user="platform", act_for_users=True)
    root = gateway.base_url.removesuffix("/v1")
    headers = {"authorization": f"Bearer {service}", "x-careergate-user": "bob"}
    answered = httpx.post(
        f"{root}/v1/features/skills/extract", json={"job": POSTING}, headers=headers
    )
    assert answered.status_code == 200, answered.text
    sent = {k.lower(): v for k, v in gateway.fake.requests[-1].headers.items()}
    assert gateway.usage_record(sent["x-client-request-id"]).user_id == "bob"
    feedback = {"feature": "skills", "action": "edited", "suggestion": "SQL", "final": "SQL."}
    given = httpx.post(f"{root}/v1/features/feedback", json=feedback, headers=headers)
    assert given.status_code == 200, given.text

    async def feedback_users(database: Database) -> list[str | None]:
        async with database.session() as session:
            return list((await session.scalars(select(FeedbackRow.user_id))).all())

    assert in_database(gateway.settings, feedback_users) == ["bob"]
    own = {"authorization": f"Bearer {gateway.create_key(user='ann')}", "x-careergate-user": "bob"}
    refused = httpx.post(f"{root}/v1/features/skills/extract", json={"job": POSTING}, headers=own)
    assert refused.status_code == 403


def test_with_the_upstream_down_the_taxonomy_answers_and_says_so(gateway: RunningGateway) -> None:
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    status, report = extract(gateway, gateway.create_key(), {"job": POSTING})
    assert status == 200
    assert report["degraded"] is True
    assert "503" in report["reason"] or "upstream" in report["reason"]
    found = labels(report)
    assert {
        "Python (computer programming)",
        "SQL",
        "Agile development",
        "project management",
    } <= set(found)
    assert set(found.values()) == {"taxonomy"}


def test_contact_details_never_reach_the_model(gateway: RunningGateway) -> None:
    resume = {
        "basics": {
            "name": "Mira Okafor",
            "email": "mira.okafor@example.org",
            "phone": "+44 20 7946 0958",
            "summary": "Nurse practitioner skilled in triage and wound care.",
            "location": {"address": "14 Mill Lane", "postalCode": "LS1 4AB", "city": "Leeds"},
        },
        "work": [{"name": "St Anne's", "position": "Nurse", "highlights": ["Led triage"]}],
    }
    status, _ = extract(gateway, gateway.create_key(), {"resume": resume})
    assert status == 200
    sent = json.dumps(gateway.fake.requests[-1].body)
    assert "mira.okafor@example.org" not in sent
    assert "7946" not in sent
    assert "Mira Okafor" not in sent
    assert "Mill Lane" not in sent
    assert "LS1" not in sent
    assert "Leeds" not in sent  # where she lives is no skill: matching reads it, not this
    assert "triage" in sent


def test_a_bad_document_gets_an_error_naming_the_field(gateway: RunningGateway) -> None:
    status, body = extract(gateway, gateway.create_key(), {"resume": {"basics": {"email": 5}}})
    assert status == 400
    assert body["error"]["param"] == "resume.basics.email"
    assert "`basics.email`" in body["error"]["message"]
    status, body = extract(gateway, gateway.create_key(), {"text": "x", "job": POSTING})
    assert status == 400
    status, body = extract(gateway, "sk-cg-wrong", {"text": "Python"})
    assert status == 401
    # A document longer than any CV or advert is refused, not read on the event loop.
    key = gateway.create_key()
    status, body = extract(gateway, key, {"text": "Python and SQL. " * 7000})
    assert (status, body["error"]["code"], body["error"]["param"]) == (
        400,
        "document_too_long",
        "text",
    )
    jobs = [{"id": "long", "job": {"title": "Engineer", "description": "SQL. " * 25000}}]
    status, body = post_feature(gateway, "jobs/match", key, {"resume": {}, "jobs": jobs})
    assert (status, body["error"]["param"]) == (400, "jobs[0].job")


def test_the_cli_answers_with_and_without_a_model(gateway: RunningGateway, tmp_path: Path) -> None:
    posting = tmp_path / "posting.json"
    posting.write_text(json.dumps(POSTING))
    env = cli_env(gateway.settings)
    offline = json.loads(run_cli(env, "skills", "extract", "--job", str(posting), "--json").stdout)
    assert offline["degraded"] is True
    assert "Python (computer programming)" in labels(offline)

    key = gateway.create_key()
    online = json.loads(
        run_cli(
            env,
            *("skills", "extract", "--job", str(posting), "--json"),
            *("--base-url", gateway.base_url, "--key", key),
        ).stdout
    )
    assert online["degraded"] is False
    assert online["model"] == "gpt-4o-mini"

    sample = resources.files("careergate.features").joinpath("data/sample.resume.json")
    table = run_cli(env, "skills", "extract", "--resume", str(sample)).stdout
    assert "JavaScript" in table


CAFE = {
    "title": "Barista",
    "description": "Java Junction Café on Ruby Street is hiring. You will serve customers "
    "and keep the café clean; a team player who stays calm under pressure.",
    "qualifications": ["Spanish work permit", "Food hygiene Level 2"],
}
ENGINEER = {
    "basics": {
        "summary": "Data engineer: Spark and Kafka pipelines, dbt on Snowflake, Airflow; "
        "reports in Excel. Built a tool from scratch and wrote clear reproduction steps."
    },
    "work": [
        {
            "name": "Orbit",
            "position": "Data Engineer",
            "highlights": [
                "Mentored two junior engineers; presented monthly reports to the board",
                "Ran Google Ads reports for marketing",
                "Moved the Tamil Nadu office's reporting onto Airflow",
            ],
        }
    ],
    "languages": [
        {"language": "Spanish", "fluency": "Native"},
        {"language": "English"},
        {"language": "Kannada", "fluency": "Fluent"},
    ],
}


def test_without_a_model_skills_are_read_in_context_with_their_evidence(
    gateway: RunningGateway,
) -> None:
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    key = gateway.create_key()
    _, cafe = extract(gateway, key, {"job": CAFE})
    found = labels(cafe)
    assert {"customer service", "work in teams", "cope with pressure"} <= set(found)
    # A café and a street named Java and Ruby, a work permit: no programming, no Spanish.
    assert not {"Java (computer programming)", "Ruby (computer programming)"} & set(found)
    assert "Spanish" not in found

    _, engineer = extract(gateway, key, {"resume": ENGINEER})
    by_label = {s["label"]: s for s in engineer["skills"]}
    technology = {
        "Apache Spark",
        "Apache Kafka",
        "Data Build Tool",
        "Snowflake (Data Warehouse)",
        "Apache Airflow",
        "Microsoft Excel",
        "Google Ads",
    }
    assert technology <= set(by_label)
    assert {"Spanish", "English", "mentor individual employees", "present reports"} <= set(by_label)
    # Every language Lightcast names is read where it is spoken, not in a place's name.
    assert "Kannada Language" in by_label
    assert all(s["evidence"]["text"] != "Tamil" for s in engineer["skills"])
    # "from scratch", "reproduction steps" and the Google of Google Ads are no skills.
    assert not {"Scratch (computer programming)", "reprography", "search engines"} & set(by_label)
    excel = by_label["Microsoft Excel"]
    assert excel["uri"].startswith("https://lightcast.io/open-skills/skills/")
    assert (
        excel["esco_uri"] == "http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be"
    )
    summary = ENGINEER["basics"]["summary"]
    for skill in engineer["skills"]:  # every skill's evidence is where it says
        evidence = skill["evidence"]
        if evidence["field"] == "basics.summary":
            assert summary[evidence["start"] : evidence["end"]] == evidence["text"]
    assert by_label["Apache Spark"]["evidence"]["text"] == "Spark"


def test_without_a_model_a_skill_stated_in_other_words_is_read_as_that_skill(
    gateway: RunningGateway,
) -> None:
    """The words a CV uses for a skill name it ("administered medicines" is giving
    medication, not the knowledge of medicines); a plural of an ambiguous word needs
    its context as the singular does; a line of business counts only where skills are
    listed; a label does not run across a comma; pastimes are no skills."""
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    key = gateway.create_key()
    nurse = {
        "basics": {"label": "Staff Nurse", "summary": "Five years in e-commerce, then nursing."},
        "work": [
            {
                "position": "Staff Nurse",
                "highlights": [
                    "Administered medicines and IV antibiotics to twelve patients a shift",
                    "Trained the ward's new chefs on allergens with the catering team",
                    "Looked after ordering, delivery and the stock cupboard",
                    "Presented market research findings to the board",
                    "Made sure the kitchen staff comply with food safety and hygiene",
                ],
            }
        ],
        "skills": [{"name": "Online retail", "keywords": ["E-Commerce"]}],
        "interests": [{"name": "Photography", "keywords": ["Italian food"]}],
    }
    _, report = extract(gateway, key, {"resume": nurse})
    by_label = {s["label"]: s for s in report["skills"]}
    assert {"administer prescribed medication", "Intravenous Therapy", "Allergens"} <= set(by_label)
    assert by_label["administer prescribed medication"]["evidence"]["text"] == (
        "Administered medicines"
    )
    assert not {"medicines", "Antibiotics"} & set(by_label)
    assert "Chef (tools for software configuration management)" not in by_label
    # "Five years in e-commerce" is where they worked; the list of skills names it.
    commerce = [s["evidence"]["field"] for s in report["skills"] if s["label"] == "E-Commerce"]
    assert commerce == ["skills[0].keywords[0]"]
    assert {"order supplies", "present reports", "market research"} <= set(by_label)
    assert "comply with food safety and hygiene" in by_label  # it says food safety already
    assert "food safety principles" not in by_label
    assert not {"Order Delivery", "photography", "Italian"} & set(by_label)
    _, listed = extract(gateway, key, {"text": "Retail manager.\nKey skills: e-commerce, payroll"})
    assert "E-Commerce" in labels(listed)


def test_without_a_model_everyday_duties_in_other_words_are_read_as_their_skills(
    gateway: RunningGateway,
) -> None:
    """Supervising, training, deadlines, a tidy workplace, strategy and root causes as
    people write them; "R" is the language only beside other technology, and keeping
    one's notes tidy is no cleaning."""
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    key = gateway.create_key()
    lead = {
        "basics": {"label": "Laboratory Supervisor"},
        "work": [
            {
                "position": "Laboratory Supervisor",
                "highlights": [
                    "Trained and supervised six lab technicians across two shifts",
                    "Never once missed regulatory submission deadlines",
                    "Kept the cold room, benches and fume hoods clean and organised",
                    "Set the department's five-year testing strategy with the director",
                    "Led root cause analyses after every failed batch",
                    "Automated trend reports in R and SQL",
                    "Reported under IFRS 9 for the group's lab spin-off",
                ],
            }
        ],
    }
    _, report = extract(gateway, key, {"resume": lead})
    found = set(labels(report))
    assert {
        "train employees",
        "supervise staff",
        "meet deadlines",
        "maintain work area cleanliness",
        "strategic planning",
        "Root Cause Analysis",
        "R",
        "international financial reporting standards",
    } <= found
    text = "Block R, second floor. I keep my case notes tidy and up to date."
    _, other = extract(gateway, key, {"text": text})
    assert not {"R", "maintain work area cleanliness"} & set(labels(other))


def test_without_a_model_what_a_posting_says_of_its_employer_is_no_skill(
    gateway: RunningGateway,
) -> None:
    """An advert's sentences about the employer's business and benefits name no skill
    the post asks for; those about the post and the reader do, and a language the
    advert names stays wherever it stands. A name that is also an everyday word counts
    only as the name is written ("access to a car" is not Microsoft Access, "Sourced"
    not the Source engine); "SAP" is SAP's ERP; words that are two skills' names count
    as one."""
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    key = gateway.create_key()
    posting = {
        "title": "Buyer",
        "description": (
            "Kaveri Biologics develops and manufactures monoclonal antibodies and vaccines. "
            "Kaveri Sourcing buys everything from catering to IT and security for the group. "
            "We are looking for a buyer to manage contracts and supplier relationships. "
            "Our buyers work in SAP Ariba every day.\nExcel is essential\n"
            "English is our working language. We offer health insurance after probation."
        ),
        "qualifications": [
            "Sourced new suppliers in SAP and SAP MM",
            "Full driving licence and access to a car",
            "Experience of stock rotation",
        ],
    }
    _, report = extract(gateway, key, {"job": posting})
    by_label = {s["label"]: s for s in report["skills"]}
    assert {"manage contracts", "English", "SAP Ariba", "Microsoft Excel"} <= set(by_label)
    employer = {"Monoclonal Antibodies", "computer technology", "securities", "Probation"}
    assert not employer & set(by_label)
    assert not {"Microsoft Access", "Source (digital game creation systems)"} & set(by_label)
    sap = by_label["SAP Applications"]
    assert (
        sap["esco_uri"] == "http://data.europa.eu/esco/skill/bb99af26-71ff-4dca-bde7-1eb1f6194426"
    )
    assert "SAP Material Management" in by_label
    _, names = extract(gateway, key, {"text": "Skills: android apps, unity games, ms access"})
    assert {"Android (mobile operating systems)", "Unity (digital game creation systems)"} <= set(
        labels(names)
    )
    # One skill per place: ESCO's where a statement of it and Lightcast's label coincide.
    assert "carry out stock rotation" in by_label
    assert "Stock Rotation" not in by_label


def test_without_a_model_a_short_name_counts_in_its_own_sense_and_a_hiring_policy_is_no_skill(
    gateway: RunningGateway,
) -> None:
    """An MRI technologist's "MRI" is the scan, not the property software Lightcast files
    as "MRI", and "espresso" the coffee, not the Android test framework; a developer's
    "Go" stays the language and "Docker" the tool. A posting's hiring policy
    ("committed to employment equity") names no skill, unless the post is about it
    ("advise on the Employment Equity Act", "lead the diversity and inclusion strategy");
    "IT" as a department and "security" as protection are no skills either."""
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    key = gateway.create_key()
    scanner = {
        "title": "MRI Technologist",
        "description": (
            "Perform MRI scans of the brain and spine; free espresso in the staff room. "
            "We are committed to employment equity and an equal opportunity employer. "
            "You will advise IT and security on the new scanners."
        ),
    }
    _, report = extract(gateway, key, {"job": scanner})
    found = set(labels(report))
    assert (
        not {
            "MRI (Property Management Software)",
            "Espresso (Android Testing Framework)",
            "Employment Equity",
            "computer technology",
            "securities",
        }
        & found
    )
    developer = {"title": "Backend Developer", "description": "Write services in Go on Docker."}
    _, report = extract(gateway, key, {"job": developer})
    assert {"Go (Programming Language)", "Docker (Software)"} <= set(labels(report))
    adviser = {
        "title": "HR Adviser",
        "description": "You will advise managers on the Employment Equity Act and its reports.",
    }
    _, report = extract(gateway, key, {"job": adviser})
    assert "Employment Equity" in set(labels(report))
    lead = {
        "title": "People Partner",
        "description": "Lead the diversity and inclusion strategy across the group.",
    }
    _, report = extract(gateway, key, {"job": lead})
    assert "Diversity And Inclusion" in set(labels(report))


def test_without_a_model_languages_are_read_by_their_own_names_and_a_translators_pairs(
    gateway: RunningGateway,
) -> None:
    """ "isiXhosa" and "Gaeilge" are Xhosa and Irish; a translator's "from English into
    French" names languages; Lightcast's "French Language" is ESCO's French. "Good" alone
    is no language's cue ("a good English breakfast is served to our guests")."""
    gateway.fake.faults.add_rate(Fault(status=503), 1.0)
    key = gateway.create_key()
    posting = {
        "title": "Translator",
        "qualifications": [
            "Translate contracts from English into French",
            "Fluent isiXhosa, and Gaeilge at conversational level",
        ],
        "description": "A good English breakfast is served to our guests every morning.",
    }
    _, report = extract(gateway, key, {"job": posting})
    found = {s["label"]: s for s in report["skills"]}
    assert {"English", "French", "Irish", "Xhosa (Language)"} <= set(found)
    assert found["English"]["evidence"]["field"] != "description"
    _, report = extract(gateway, key, {"text": "Languages: French Language (native)"})
    assert "French" in set(labels(report))


def own_gateway(fake: FakeOpenAI, tmp_path: Path) -> Iterator[RunningGateway]:
    """A gateway of its own, on the module's upstream: a test that must see the model's
    prompt cannot share the module's gateway, whose breaker a test of a failing
    upstream may have left open."""
    deployment = {"name": "own", "provider": "openai-compatible", "base_url": fake.base_url}
    fake.reset()
    yield from start_gateway(gateway_settings(tmp_path, [deployment]), fake)


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("skills/recommend", {"role": "Data Engineer", "jobs": [{"id": "j", "job": POSTING}]}),
        ("jobs/match", {"jobs": [{"id": "j", "job": POSTING}]}),
        ("content/optimise", {"job": POSTING}),
        ("resumes/generate", {"job": POSTING}),
    ],
)
def test_what_a_feature_cuts_to_fit_its_prompt_is_cut_between_values(
    module_fake: FakeOpenAI, tmp_path: Path, path: str, extra: dict[str, Any]
) -> None:
    """A feature cuts a long document to fit its prompt before the privacy step reads it:
    an email cut in two would no longer look like one, and reach the upstream."""
    for gateway in own_gateway(module_fake, tmp_path):
        _cut_between_values(gateway, path, extra)


def _cut_between_values(gateway: RunningGateway, path: str, extra: dict[str, Any]) -> None:
    summary = "Reach me at wanjiru.otieno@example.com today. " * 400  # past every cut
    resume = {
        "basics": {"label": "Data Engineer", "summary": summary},
        "work": [{"name": "Orbit", "position": "Data Engineer", "highlights": [summary]}],
    }
    key = gateway.create_key(privacy=PrivacyMode.MASK)  # the test gateway's own mode: off
    status, answer = post_feature(gateway, path, key, {"resume": resume, **extra})
    assert status == 200, answer
    sent = json.dumps([r.body for r in gateway.fake.requests])
    assert "Reach me at [EMAIL" in sent  # the document reached the model, masked
    assert not re.search(r"Reach me at [a-z]", sent)  # not even a part of it
    assert "example" not in sent


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("skills/extract", {}),
        ("content/optimise", {"job": POSTING}),
        ("resumes/generate", {"job": POSTING}),
    ],
)
def test_a_feature_keeps_the_resumes_own_person_from_the_upstream_in_any_spelling(
    module_fake: FakeOpenAI, tmp_path: Path, path: str, extra: dict[str, Any]
) -> None:
    for gateway in own_gateway(module_fake, tmp_path):
        _own_person_kept(gateway, path, extra)


def _own_person_kept(gateway: RunningGateway, path: str, extra: dict[str, Any]) -> None:
    """The resume's ``basics`` name the person a feature reads about: their name in
    capitals, their given name alone and their email are found as a request's subject
    would be."""
    resume = {
        "basics": {
            "name": "Wanjiru Otieno",
            "email": "w.otieno@example.org",
            "label": "Data Engineer",
            "summary": "Data engineer; colleagues call me Wanjiru. Python and SQL.",
        },
        "work": [
            {
                "name": "Orbit",
                "position": "Data Engineer",
                "highlights": ["Wrote WANJIRU OTIENO's SQL style guide for w.otieno@example.org"],
            }
        ],
    }
    key = gateway.create_key(privacy=PrivacyMode.PSEUDONYMISE)
    status, answer = post_feature(gateway, path, key, {"resume": resume, **extra})
    assert status == 200, answer
    sent = json.dumps([r.body for r in gateway.fake.requests])
    assert "SQL style guide" in sent  # the resume reached the model
    assert "careergate" not in json.dumps([list(r.body) for r in gateway.fake.requests])
    for spelling in ("Wanjiru", "WANJIRU", "Otieno", "OTIENO", "w.otieno"):
        assert spelling not in sent


def test_a_models_skill_is_kept_only_where_its_evidence_shows_it_at_the_right_place(
    gateway: RunningGateway,
) -> None:
    """Evidence must be the text's words that show the skill (its name, or what the
    taxonomy reads as it), and its offsets point at them in the text as written."""
    text = "İİİİ İstanbul office. I write PYTHON and SQL every day; I built ML models in JS."
    gateway.fake.script(
        "İstanbul office",
        json.dumps(
            {
                "skills": [
                    {"name": "Kubernetes", "evidence": "every day"},
                    {"name": "Java", "evidence": "I"},
                    {"name": "Python", "evidence": " python and "},
                    {"name": "machine learning", "evidence": "ML models"},
                    {"name": "JavaScript", "evidence": "in JS"},
                ]
            }
        ),
    )
    status, report = extract(gateway, gateway.create_key(), {"text": text})
    assert status == 200, report
    by_label = {s["label"]: s for s in report["skills"]}
    assert "Kubernetes" not in by_label
    assert "Java (computer programming)" not in by_label
    python = by_label["Python (computer programming)"]
    assert python["source"] == "ai"
    evidence = python["evidence"]
    assert text[evidence["start"] : evidence["end"]] == evidence["text"] == "PYTHON and"
    assert by_label["Machine Learning"]["source"] == "ai"  # an abbreviation shows it
    assert by_label["JavaScript"]["source"] == "ai"
    assert report["degraded"] is False


def test_a_model_whose_every_skill_lacks_evidence_leaves_the_taxonomys_answer_said_so(
    gateway: RunningGateway,
) -> None:
    gateway.fake.script(
        "Spark pipelines", json.dumps({"skills": [{"name": "Kubernetes", "evidence": "Build"}]})
    )
    status, report = extract(gateway, gateway.create_key(), {"job": POSTING})
    assert status == 200
    assert report["degraded"] is False  # the model answered
    assert "evidence" in report["reason"]
    assert {s["source"] for s in report["skills"]} == {"taxonomy"}


@pytest.mark.parametrize(
    ("path", "payload"),
    [("skills/extract", {"job": POSTING}), ("resumes/generate", {"resume": {}, "job": POSTING})],
)
def test_an_answer_longer_than_its_ceiling_allows_is_not_read(
    tmp_path: Path, path: str, payload: dict[str, Any]
) -> None:
    """An upstream that writes far past ``max_completion_tokens`` (40,000 skills) has not
    answered: the fallback's answer stands, said so, without reading the flood."""
    flood = json.dumps({"skills": [{"name": "Python", "evidence": "in Python"}] * 40_000})

    def answer(request: Received) -> Reply:
        if request.method == "GET":
            return Reply.of_json({"object": "list", "data": []})
        return Reply.of_json(chat_completion(flood, 50, 1200))

    with LoopbackServer(answer) as upstream:
        deployment = {
            "name": "flooding",
            "provider": "openai-compatible",
            "base_url": f"{upstream.url}/v1",
        }
        for gateway in start_gateway(gateway_settings(tmp_path, [deployment]), None):  # type: ignore[arg-type]
            status, report = post_feature(gateway, path, gateway.create_key(), payload)
    assert status == 200, report
    assert report["degraded"] is True
    assert "longer than" in report["reason"]


def test_a_candidate_naming_itself_with_skills_masks_nothing_of_the_others(
    module_fake: FakeOpenAI, tmp_path: Path
) -> None:
    """Only the person a request is about is its subject: a candidate among many whose
    resume names itself "Python Developer" does not have those words masked in the
    posting and the other candidates' resumes."""
    hostile = {"basics": {"name": "Python Developer"}}
    honest = {"basics": {"label": "Data Engineer", "summary": "Python services and SQL."}}
    payload = {
        "job": POSTING,
        "resumes": [{"id": "x", "resume": hostile}, {"id": "y", "resume": honest}],
    }
    for gateway in own_gateway(module_fake, tmp_path):
        key = gateway.create_key(privacy=PrivacyMode.MASK)
        status, answer = post_feature(gateway, "jobs/match", key, payload)
        assert status == 200, answer
    sent = json.dumps([r.body for r in module_fake.requests])
    assert "Python services" in sent
    assert "Spark pipelines in Python" in sent


def test_a_possessives_s_begins_no_skill(gateway: RunningGateway) -> None:
    """ "Each child's voice" is not Samsung's S Voice: a word an apostrophe joins to the
    one before begins no skill's name; the assistant named as such still counts."""
    key = gateway.create_key()
    therapist = {"title": "Speech Therapist", "description": "Strengthen each child's voice."}
    _, report = extract(gateway, key, {"job": therapist})
    assert "S Voice" not in set(labels(report))
    developer = {"title": "Android Developer", "description": "Built S Voice integrations."}
    _, report = extract(gateway, key, {"job": developer})
    assert "S Voice" in set(labels(report))
