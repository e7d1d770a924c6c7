"""Feedback on suggestions: recorded per feature, model and prompt version without the
texts, reported as acceptance rate and edit distance."""

from __future__ import annotations

from careergate.auth.principal import Role
from conftest import RunningGateway
from test_keys_access import admin_call
from test_skills_feature import post_feature


def test_feedback_is_reported_per_model_and_prompt_version(gateway: RunningGateway) -> None:
    key = gateway.create_key(user="ann")
    base = {"feature": "content-optimisation", "prompt_version": "optimise-v1"}
    verdicts = [
        {**base, "model": "gpt-4o-mini", "action": "accepted"},
        {**base, "model": "gpt-4o-mini", "action": "rejected"},
        {
            **base,
            "model": "gpt-4o",
            "action": "edited",
            "suggestion": "Led the nightly SQL loads",
            "final": "Ran the nightly SQL loads",
        },
        {**base, "model": "gpt-4o", "action": "accepted"},
    ]
    answers = [post_feature(gateway, "feedback", key, verdict) for verdict in verdicts]
    assert all(status == 200 for status, _ in answers)
    assert 0 < answers[2][1]["edit_distance"] < 0.3  # "Led" became "Ran"
    assert answers[0][1]["edit_distance"] is None

    status, report = admin_call(
        gateway, gateway.create_key(role=Role.READER), "GET", "/admin/feedback?by=model"
    )
    assert status == 200
    lines = {line["group"]: line for line in report["lines"]}
    assert lines["gpt-4o-mini"]["acceptance_rate"] == 0.5
    assert lines["gpt-4o"]["acceptance_rate"] == 1.0
    assert 0 < lines["gpt-4o"]["mean_edit_distance"] < 0.3
    status, by_prompt = admin_call(
        gateway, gateway.create_key(role=Role.ADMIN), "GET", "/admin/feedback?by=prompt"
    )
    assert [(line["group"], line["count"]) for line in by_prompt["lines"]] == [("optimise-v1", 4)]
    stored = b"".join(p.read_bytes() for p in gateway.settings.data_dir.rglob("*") if p.is_file())
    assert b"nightly SQL loads" not in stored  # neither the suggestion nor the edit is kept


def test_bad_feedback_is_named(gateway: RunningGateway) -> None:
    status, body = post_feature(
        gateway, "feedback", gateway.create_key(), {"feature": "skills", "action": "loved"}
    )
    assert status == 400
    assert body["error"]["param"] == "action"


def test_feedback_refuses_credentials_in_its_labels_and_texts_too_long_to_compare(
    gateway: RunningGateway,
) -> None:
    key = gateway.create_key(user="ann")
    token = "ghp_" + "8fK2mQ9xLp4Rt7Wz1Yv6Nb3Hc5Jd0Ae2Gs4T"
    for field in ("feature", "model", "prompt_version"):
        verdict = {"feature": "skills", "action": "accepted", field: f"skills {token}"}
        status, refused = post_feature(gateway, "feedback", key, verdict)
        assert status == 400, refused
        assert refused["error"]["code"] == "secret_refused"
        assert refused["error"]["param"] == field
        assert token not in str(refused)
    stored = b"".join(p.read_bytes() for p in gateway.settings.data_dir.rglob("*") if p.is_file())
    assert token.encode() not in stored

    edited = {"feature": "skills", "action": "edited", "suggestion": "x" * 20_001, "final": ""}
    status, refused = post_feature(gateway, "feedback", key, edited)
    assert status == 400
    assert refused["error"]["param"] == "suggestion"
    # Texts of no common character, at the longest compared: answered, exactly.
    edited = {"feature": "skills", "action": "edited", "suggestion": "字" * 20_000}
    status, answer = post_feature(gateway, "feedback", key, {**edited, "final": "文" * 20_000})
    assert status == 200
    assert answer["edit_distance"] == 1.0
