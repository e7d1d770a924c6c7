"""What is found in a text is remembered, and never handed to another subject or to a
request whose other texts name other people."""

from __future__ import annotations

import asyncio
from typing import Any

from careergate.endpoints import CHAT
from careergate.memo import Memo
from careergate.privacy import PrivacyMode
from careergate.privacy.detector import PiiDetector
from careergate.privacy.findings import Finding
from careergate.privacy.policy import PrivacyPolicy
from careergate.privacy.shield import PrivacyShield, Protection
from careergate.privacy.subject import Subject, SubjectSpec

TEXT = "Please ask Ruby Doe about the Acme contract; Ruby knows it best."


def _found(detector: PiiDetector, texts: list[str], subject: Subject) -> list[list[str]]:
    findings: list[list[Finding]] = asyncio.run(detector.detect(texts, subject))
    return [
        [text[f.start : f.end] for f in found] for text, found in zip(texts, findings, strict=True)
    ]


def test_a_remembered_text_is_found_again_alike() -> None:
    detector = PiiDetector()
    subject = Subject.of(SubjectSpec(names=["Ruby Doe"]))
    first = _found(detector, [TEXT], subject)
    assert first == [["Ruby Doe", "Ruby"]]
    assert _found(detector, [TEXT], subject) == first


def test_findings_for_one_subject_are_not_given_to_another() -> None:
    detector = PiiDetector()
    ruby = Subject.of(SubjectSpec(names=["Ruby Doe"]))
    assert _found(detector, [TEXT], ruby) == [["Ruby Doe", "Ruby"]]
    # Without the name model, "Ruby Doe" (a tool's name, on no list of given names) is
    # found only when it is known: for a subject who is someone else, or no one, nothing.
    assert _found(detector, [TEXT], Subject.of(SubjectSpec(names=["John Roe"]))) == [[]]
    assert _found(detector, [TEXT], Subject()) == [[]]
    assert _found(detector, [TEXT], ruby) == [["Ruby Doe", "Ruby"]]


def test_a_name_from_another_text_of_one_request_is_not_carried_to_the_next() -> None:
    detector = PiiDetector()
    follow_up = "Jane said the contract is ready."
    assert _found(detector, ["Name: Jane Doe", follow_up], Subject()) == [["Jane Doe"], ["Jane"]]
    assert _found(detector, [follow_up], Subject()) == [[]]
    assert _found(detector, ["Name: Mary Major", follow_up], Subject()) == [["Mary Major"], []]


def _protect(shield: PrivacyShield, extension: Any) -> str:
    body: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": TEXT}]}
    asyncio.run(shield.protect(CHAT, body, extension, None, None, None))
    return str(body["messages"][0]["content"])


def test_one_users_values_are_not_replaced_in_another_users_request() -> None:
    shield = PrivacyShield(PrivacyPolicy(PrivacyMode.PSEUDONYMISE), PiiDetector())
    ruby = {"subject": {"names": ["Ruby Doe"]}}
    protected = "Please ask [PERSON_1] about the Acme contract; [PERSON_1_GIVEN] knows it best."
    assert _protect(shield, ruby) == protected
    assert _protect(shield, None) == TEXT
    assert _protect(shield, {"subject": {"names": ["Mary Major"]}}) == TEXT
    assert _protect(shield, ruby) == protected


def test_the_memo_is_bounded_by_entries_and_by_characters() -> None:
    memo: Memo[int] = Memo(entries=2, characters=10)
    memo.put("a", 1, 1)
    memo.put("b", 2, 1)
    assert memo.get("a") == 1  # now the most recently used
    memo.put("c", 3, 1)
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (1, None, 3)
    memo.put("long", 4, 10)
    assert len(memo) == 1
    assert memo.get("long") == 4
    memo.put("too long", 5, 11)
    assert memo.get("too long") is None
    assert memo.get("long") == 4


def _request(
    shield: PrivacyShield, name: str | None = None, mode: PrivacyMode | None = None
) -> tuple[dict[str, Any], Protection]:
    message = {"role": "user", "content": TEXT, **({"name": name} if name else {})}
    body: dict[str, Any] = {"model": "m", "messages": [message]}
    ruby = {"subject": {"names": ["Ruby Doe"]}}
    protection = asyncio.run(shield.protect(CHAT, body, ruby, mode, None, None))
    assert protection is not None
    return body["messages"][0], protection


def test_a_request_sent_again_is_rewritten_alike_with_a_table_of_its_own() -> None:
    shield = PrivacyShield(PrivacyPolicy(PrivacyMode.PSEUDONYMISE), PiiDetector())
    first, protection = _request(shield, name="Tom_Baker")
    assert first == {
        "role": "user",
        "name": "PERSON_2",
        "content": "Please ask [PERSON_1] about the Acme contract; [PERSON_1_GIVEN] knows it best.",
    }
    assert protection.placeholders.restore("[PERSON_2] and [PERSON_1]") == "Tom Baker and Ruby Doe"
    # The same texts again, without the participant: Tom is not in this request's table.
    again, protection = _request(shield)
    assert again["content"] == first["content"]
    assert protection.placeholders.restore("[PERSON_2] and [PERSON_1]") == "[PERSON_2] and Ruby Doe"
    assert protection.kinds == ("PERSON",)
    assert protection.placeholders.kinds["PERSON"] == 2
    # Masked, the same texts are rewritten otherwise.
    masked, protection = _request(shield, mode=PrivacyMode.MASK)
    assert (
        masked["content"] == "Please ask [PERSON] about the Acme contract; [PERSON] knows it best."
    )
    assert not protection.placeholders.restorable
