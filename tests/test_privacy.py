"""Personal data kept from the upstream and restored in answers, through the gateway."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from careergate.auth.principal import Role
from careergate.config.deployments import load_gateway_config
from careergate.endpoints import CHAT
from careergate.privacy import PiiKind, PrivacyMode
from careergate.privacy.detector import PiiDetector
from careergate.privacy.findings import resolve_overlaps
from careergate.privacy.known import find_name_parts
from careergate.privacy.name_words import by_word, find_names_by_word
from careergate.privacy.names import NameFinder
from careergate.privacy.patterns import find_patterns
from careergate.privacy.placeholders import Placeholders
from careergate.privacy.policy import PrivacyPolicy
from careergate.privacy.reading import reading_of
from careergate.privacy.shield import PrivacyShield, Protection
from careergate.privacy.subject import Subject, SubjectSpec
from careergate.settings import UpstreamEnvironment
from careergate.testing import FakeOpenAI
from careergate.testing.personal_data import labelled_documents
from conftest import (
    RunningGateway,
    cli_env,
    gateway_settings,
    run_cli,
    start_gateway,
)

SUBJECT = {
    "names": ["Jane Doe"],
    "emails": ["jane.doe@example.com"],
    "phones": ["+44 20 7946 0958"],
    "addresses": ["12 Baker Street, London NW1 6XE"],
    "links": ["https://linkedin.com/in/janedoe"],
}
RESUME_TEXT = (
    "Please tailor my resume. I am Jane Doe, born 14/03/1988, living at 12 Baker Street, "
    "London NW1 6XE. Reach me at jane.doe@example.com or 020 7946 0958; my profile is "
    "https://linkedin.com/in/janedoe and my SSN is 078-05-1120. References: Michael Chen "
    "(michael.chen@acme.io) and Priya Patel. Jane led a team of 6 engineers at Acme Corp."
)
SECRETS = [
    "Jane",
    "Doe",
    "14/03/1988",
    "12 Baker Street",
    "NW1 6XE",
    "jane.doe@example.com",
    "7946",
    "linkedin.com/in/janedoe",
    "078-05-1120",
    "Michael Chen",
    "michael.chen@acme.io",
    "Priya Patel",
]
LETTER = (
    "Dear hiring manager, I am [PERSON_1] ([EMAIL_1], [PHONE_1]). [PERSON_1_GIVEN] worked "
    "with [PERSON_2] and [PERSON_3]; see [LINK_1]."
)
RESTORED = (
    "Dear hiring manager, I am Jane Doe (jane.doe@example.com, +44 20 7946 0958). Jane worked "
    "with Michael Chen and Priya Patel; see https://linkedin.com/in/janedoe."
)


@pytest.fixture(scope="module")
def private(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    """Pseudonymise by default; the `search` feature is off, `screening` masks."""
    settings = gateway_settings(
        tmp_path_factory.mktemp("privacy"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        extra_config={
            "privacy": {
                "mode": "pseudonymise",
                "features": {"search": "off", "screening": "mask"},
            }
        },
    )
    yield from start_gateway(settings, module_fake)


@pytest.fixture
def gateway(private: RunningGateway) -> Iterator[RunningGateway]:
    private.fake.reset()
    yield private
    private.close_clients()
    private.fake.reset()


def _sent(fake: FakeOpenAI) -> str:
    """Everything the upstream received in the last request, as text."""
    return str(fake.requests[-1].body)


def _ask(client: openai.OpenAI, text: str, **options: Any) -> Any:
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": text}],
        extra_body={"careergate": {"subject": SUBJECT}},
        **options,
    )


def test_no_personal_data_reaches_the_upstream_and_the_answer_carries_it_back(
    gateway: RunningGateway,
) -> None:
    gateway.fake.script("Please tailor", LETTER)
    raw = gateway.client().with_raw_response.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": RESUME_TEXT}],
        extra_body={"careergate": {"subject": SUBJECT}},
    )
    answer = raw.parse()
    sent = _sent(gateway.fake)
    for value in SECRETS:
        assert value not in sent, value
    assert "careergate" not in gateway.fake.requests[-1].body
    assert "[PERSON_1]" in sent
    assert "[NATIONAL_ID_1]" in sent
    assert "[DATE_OF_BIRTH_1]" in sent
    assert "Acme Corp" in sent
    assert "6 engineers" in sent
    assert answer.choices[0].message.content == RESTORED
    entry = _audit_entry(gateway, raw.headers["x-request-id"])
    assert entry["pii_action"] == "pseudonymised"
    assert {"PERSON", "EMAIL", "NATIONAL_ID"} <= set(entry["pii_kinds"])
    assert "Jane" not in json.dumps(entry)


def _audit_entry(gateway: RunningGateway, request_id: str) -> dict[str, Any]:
    """The audit entry of one request, once it is written (in batches, by the record
    process: seconds on a busy machine)."""
    deadline = time.monotonic() + 30
    while True:
        lines = run_cli(cli_env(gateway.settings), "audit", "export").stdout.splitlines()
        found = [e for e in map(json.loads, lines) if e["request_id"] == request_id]
        if found or time.monotonic() > deadline:
            assert found, f"no audit entry for {request_id}"
            return dict(found[0])
        time.sleep(0.1)


def test_a_name_on_a_line_of_over_a_million_characters_is_found(
    gateway: RunningGateway,
) -> None:
    """The name model reads no text of over a million characters (it refused such a line,
    a pasted export without line breaks, with a server error): a long line is read in
    pieces, and a name in it is found as anywhere else."""
    filler = "a" * 600_000
    text = f"{filler} Please forward this to Michael Chen today. {filler}"
    answer = _ask(gateway.client(), text)
    sent = _sent(gateway.fake)
    assert "Michael Chen" not in sent
    assert "[PERSON_" in sent
    assert answer.choices[0].message.content


def test_the_callers_person_by_a_short_form_reaches_the_upstream_masked(
    gateway: RunningGateway,
) -> None:
    """The caller names Robert Fischer; the text says "Robbie Fischer" and "Robbie": the
    upstream sees neither."""
    gateway.client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "I met Robbie Fischer; Robbie starts Monday."}],
        extra_body={"careergate": {"subject": {"names": ["Robert Fischer"]}}},
    )
    sent = _sent(gateway.fake)
    assert "Robbie" not in sent
    assert "Fischer" not in sent


@pytest.mark.parametrize("cut_in", [1, 6])
def test_a_name_where_a_long_line_is_cut_into_pieces_is_found(
    gateway: RunningGateway, cut_in: int
) -> None:
    """A line is read in pieces of 5,000 characters: a name astride a cut (here ``cut_in``
    letters of it before the cut) is read with the words that lead to it, as anywhere
    else in the line, by the piece that holds both."""
    lead = "we then talked about the release plan with "
    filler = "and we kept on going with the rest of the plan, "
    before = (filler * 120)[: 5_000 - cut_in - len(lead) - 1] + " "
    text = f"{before}{lead}Evelien Groote and the team agreed on the next steps, {filler * 40}"
    assert text.index("Evelien") == 5_000 - cut_in
    _ask(gateway.client(), text)
    sent = _sent(gateway.fake)
    assert "Evelien" not in sent
    assert "Groote" not in sent


def test_placeholders_split_across_stream_chunks_are_restored(gateway: RunningGateway) -> None:
    gateway.fake.script("Please tailor", LETTER)
    gateway.fake.stream_in_pieces(3)
    stream = _ask(
        gateway.client(), RESUME_TEXT, stream=True, stream_options={"include_usage": True}
    )
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert "".join(pieces) == RESTORED
    assert any("[" in piece for piece in gateway.fake.requests[-1].body["messages"][0]["content"])
    for value in SECRETS:
        assert value not in _sent(gateway.fake)


def test_a_person_keeps_one_placeholder_throughout_a_conversation(gateway: RunningGateway) -> None:
    client = gateway.client()
    first = [{"role": "user", "content": "My manager Priya Patel asked me to call Tom Baker."}]
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=first)  # type: ignore[arg-type]
    turn_one = gateway.fake.requests[-1].body["messages"][0]["content"]
    second = [
        *first,
        {"role": "assistant", "content": reply.choices[0].message.content},
        {"role": "user", "content": "Priya also said Tom should email me."},
    ]
    client.chat.completions.create(model="gpt-4o-mini", messages=second)  # type: ignore[arg-type]
    sent = gateway.fake.requests[-1].body["messages"]
    assert sent[0]["content"] == turn_one
    assert turn_one == "My manager [PERSON_1] asked me to call [PERSON_2]."
    assert "Priya Patel" in (reply.choices[0].message.content or "")  # restored for the caller
    assert "[PERSON_1]" in sent[1]["content"]  # the restored answer went back pseudonymised
    assert sent[2]["content"] == "[PERSON_1_GIVEN] also said [PERSON_2_GIVEN] should email me."


def test_a_placeholder_written_by_the_caller_is_left_as_it_is(gateway: RunningGateway) -> None:
    text = "Our template greets [PERSON_1]; please fill it in for Michael Chen."
    gateway.fake.script("Our template", "Hello [PERSON_1]! Hello [PERSON_2]!")
    answer = gateway.client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )
    sent = gateway.fake.requests[-1].body["messages"][0]["content"]
    assert sent == "Our template greets [PERSON_1]; please fill it in for [PERSON_2]."
    assert answer.choices[0].message.content == "Hello [PERSON_1]! Hello Michael Chen!"


def test_the_names_of_a_conversations_participants_are_pseudonymised(
    gateway: RunningGateway,
) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "get_jobs", "arguments": "{}"}}
    messages = [
        {"role": "user", "name": "Jane_Doe", "content": "I am Jane Doe. Rewrite my summary."},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "name": "get_jobs", "tool_call_id": "call_1", "content": "[]"},
        {"role": "user", "name": "Tom-Baker", "content": "I am her colleague."},
    ]
    client = gateway.client()
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,  # type: ignore[arg-type]
        extra_body={"careergate": {"subject": SUBJECT}},
    )
    sent = gateway.fake.requests[-1].body["messages"]
    assert [m.get("name") for m in sent] == ["PERSON_1", None, "get_jobs", "PERSON_2"]
    assert sent[0]["content"] == "I am [PERSON_1]. Rewrite my summary."  # one person
    assert "Jane" not in _sent(gateway.fake)
    assert "Tom" not in _sent(gateway.fake)
    refusing = gateway.client(gateway.create_key(privacy=PrivacyMode.REFUSE))
    with pytest.raises(openai.BadRequestError, match=r"PERSON \(1\)"):
        refusing.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "name": "anon42", "content": "Improve this bullet."}],
        )


def test_a_tools_json_output_is_read_through_its_escapes_and_restored_as_meant(
    gateway: RunningGateway,
) -> None:
    """A tool's output as ``json.dumps`` writes it: "José" is ``Jos\\u00e9`` and a
    letter's lines are ``\\n`` apart. The value is masked whole; the model's answer gets
    the name back as it reads ("José", not its escapes): in prose, in a structured answer
    (escaped for JSON there, once), and in the tool's JSON echoed back, which stays the
    same JSON."""
    output = json.dumps({"letter": "Thank you.\nKind regards,\nJosé Álvarez Muñoz"})
    call = {"id": "call_1", "type": "function", "function": {"name": "letter", "arguments": "{}"}}
    messages: Any = [
        {"role": "user", "content": "Summarise the letter Muñoz sent."},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": output},
    ]
    echoed = gateway.client().chat.completions.create(model="gpt-4o-mini", messages=messages)
    sent = gateway.fake.requests[-1].body["messages"][2]["content"]
    assert re.fullmatch(
        r"\{\"letter\": \"Thank you\.\\nKind regards,\\n\[PERSON_1(_\d)?\]\"\}", sent
    )
    # The family name alone, in prose, is the same person's.
    asked = gateway.fake.requests[-1].body["messages"][0]["content"]
    assert re.fullmatch(r"Summarise the letter \[PERSON_1_FAMILY(_\d)?\] sent\.", asked)
    # The sandbox echoes the tool's output: the same JSON comes back.
    content = echoed.choices[0].message.content or ""
    assert json.loads(content[content.index("{") : content.rindex("}") + 1]) == json.loads(output)

    placeholder = re.search(r"\[PERSON_1(_\d)?\]", sent)
    assert placeholder is not None
    gateway.fake.script("Kind regards", f"{placeholder.group()} thanks you.")
    gateway.fake.script("who wrote it", json.dumps({"author": placeholder.group()}))
    prose = gateway.client().chat.completions.create(model="gpt-4o-mini", messages=messages)
    assert prose.choices[0].message.content == "José Álvarez Muñoz thanks you."

    structured = gateway.client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[*messages, {"role": "user", "content": "As JSON: who wrote it?"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(structured.choices[0].message.content or "") == {
        "author": "José Álvarez Muñoz"
    }


def test_values_with_escapes_in_a_tools_json_come_back_as_the_same_json(
    gateway: RunningGateway,
) -> None:
    """Values whose JSON holds a tab, a line break or quotes: echoed in prose they come
    back as written (the JSON stays valid), inside a structured answer as they mean."""
    output = json.dumps(
        {
            "name": "Jane\tDoe",
            "to": "12 Baker Street,\nLondon NW1 6XE",
            "ok": "Zoë \U0001f600",
            "cc": 'Robert "Bobby" Tables',  # a name the model reads with the string's end
        }
    )
    call = {"id": "call_1", "type": "function", "function": {"name": "card", "arguments": "{}"}}
    messages: Any = [
        {"role": "user", "content": "Summarise the card."},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": output},
    ]
    subject = {"names": ["Jane Doe"], "addresses": ["12 Baker Street, London NW1 6XE"]}
    client = gateway.client()
    echoed = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, extra_body={"careergate": {"subject": subject}}
    )
    sent = gateway.fake.requests[-1].body["messages"][2]["content"]
    assert "Jane" not in sent
    assert "Baker" not in sent
    assert "Bobby" not in json.loads(sent)["cc"]  # still JSON: no quote masked with it
    content = echoed.choices[0].message.content or ""
    assert json.loads(content[content.index("{") : content.rindex("}") + 1]) == json.loads(output)

    who = re.findall(r"\[PERSON_\d+(?:_\d)?\]", sent)[0]
    where = re.findall(r"\[ADDRESS_\d+(?:_\d)?\]", sent)[0]
    gateway.fake.script("as JSON", json.dumps({"who": who, "where": where}))

    structured = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[*messages, {"role": "user", "content": "Say it as JSON."}],
        response_format={"type": "json_object"},
        extra_body={"careergate": {"subject": subject}},
    )
    assert json.loads(structured.choices[0].message.content or "") == {
        "who": "Jane\tDoe",
        "where": "12 Baker Street,\nLondon NW1 6XE",
    }


def test_a_serialised_document_inside_a_tools_json_is_read_through_both_escapes(
    gateway: RunningGateway,
) -> None:
    """A tool's output that carries a serialised document (JSON in a JSON string) has its
    escapes escaped again ("Jos\\\\u00e9"): read through both, the caller's subject is
    masked there too, and the echo gives the same JSON back."""
    inner = json.dumps({"from": "José Álvarez", "note": "ask Siobhán"})
    output = json.dumps({"payload": inner})
    call = {"id": "call_1", "type": "function", "function": {"name": "mail", "arguments": "{}"}}
    echoed = gateway.client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "user", "content": "Summarise the mail."},
            {"role": "assistant", "content": None, "tool_calls": [call]},  # type: ignore[list-item]
            {"role": "tool", "tool_call_id": "call_1", "content": output},
        ],
        extra_body={"careergate": {"subject": {"names": ["José Álvarez", "Siobhán Murphy"]}}},
    )
    sent = gateway.fake.requests[-1].body["messages"][2]["content"]
    for letters in ("Jos", "lvarez", "Siobh"):
        assert letters not in sent
    content = echoed.choices[0].message.content or ""
    assert json.loads(content[content.index("{") : content.rindex("}") + 1]) == json.loads(output)


def test_a_refusing_key_gets_a_400_naming_kinds_not_values(gateway: RunningGateway) -> None:
    key = gateway.create_key(privacy=PrivacyMode.REFUSE)
    with pytest.raises(openai.BadRequestError) as caught:
        _ask(gateway.client(key), RESUME_TEXT)
    error = caught.value.body
    assert isinstance(error, dict)
    assert error["code"] == "personal_data_refused"
    assert "PERSON" in error["message"]
    assert "EMAIL" in error["message"]
    assert not any(value in error["message"] for value in SECRETS)
    assert gateway.fake.requests == []
    request_id = caught.value.response.headers["x-request-id"]
    record = gateway.usage_record(request_id)
    assert (record.status_code, record.error_code) == (400, "personal_data_refused")

    entry = _audit_entry(gateway, request_id)  # written in batches, off the request path
    assert entry["decision"] == "refused"
    assert entry["pii_action"] == "refused"
    assert {"PERSON", "EMAIL", "PHONE", "ADDRESS", "NATIONAL_ID"} <= set(entry["pii_kinds"])
    exported = run_cli(cli_env(gateway.settings), "audit", "export").stdout
    assert not any(value in exported for value in SECRETS)


def test_feature_modes_mask_or_switch_off_and_a_key_cannot_loosen_them(
    gateway: RunningGateway,
) -> None:
    masked = gateway.client(gateway.create_key(feature="screening"))
    gateway.fake.script("Please tailor", "Thanks [PERSON_1]")
    answer = _ask(masked, RESUME_TEXT)
    assert "[PERSON]" in _sent(gateway.fake)
    assert "[PERSON_1]" not in _sent(gateway.fake)
    assert answer.choices[0].message.content == "Thanks [PERSON_1]"  # nothing to restore

    plain = gateway.client(gateway.create_key(feature="search"))
    _ask(plain, RESUME_TEXT)
    assert "jane.doe@example.com" in _sent(gateway.fake)  # off for this feature
    assert "careergate" not in gateway.fake.requests[-1].body

    stricter = gateway.client(gateway.create_key(feature="search", privacy=PrivacyMode.MASK))
    _ask(stricter, RESUME_TEXT)
    assert "[EMAIL]" in _sent(gateway.fake)


def test_a_registered_subject_is_found_without_being_sent(gateway: RunningGateway) -> None:
    admin = gateway.create_key(role=Role.ADMIN)
    root = gateway.base_url.removesuffix("/v1")
    headers = {"authorization": f"Bearer {admin}"}
    put = httpx.put(
        f"{root}/admin/privacy/subjects/u-77",
        json={"subject": {"names": ["Zoë Kowalczyk-Brandt"], "phones": ["+1 415 555 0199"]}},
        headers=headers,
    )
    assert put.status_code == 200
    assert put.json()["known"]["names"] == 1
    bad = httpx.put(
        f"{root}/admin/privacy/subjects/u-77", json={"subject": {"names": "x"}}, headers=headers
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "body.subject.names"

    client = gateway.client(gateway.create_key(user="u-77"))
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "zoë kowalczyk-brandt, call 415.555.0199"}],
    )
    # The subject's placeholder, in its variant for the spelling this text uses.
    assert _sent(gateway.fake).count("[PERSON_1_2]") == 1
    assert "0199" not in _sent(gateway.fake)

    forget = httpx.delete(f"{root}/admin/privacy/subjects/u-77", headers=headers)
    assert forget.json()["forgotten"] is True


def test_embeddings_input_is_masked(gateway: RunningGateway) -> None:
    gateway.client().embeddings.create(
        model="text-embedding-3-small", input=["Jane Doe, jane.doe@example.com", "Python"]
    )
    assert gateway.fake.requests[-1].body["input"] == ["[PERSON_1], [EMAIL_1]", "Python"]


def test_tool_arguments_and_structured_answers_get_json_escaped_values() -> None:
    """A value put back inside JSON text must keep the JSON valid."""
    subject = Subject.of(SubjectSpec(names=['Ann "Nan" Lee']))
    placeholders = Placeholders(subject)
    protection = Protection(CHAT, PrivacyMode.PSEUDONYMISE, placeholders, structured=True)
    answer = {
        "choices": [
            {
                "index": 0,
                "message": {
                    "content": '{"name": "[PERSON_1]"}',
                    "tool_calls": [
                        {"function": {"name": "save", "arguments": '{"who": "[PERSON_1]"}'}}
                    ],
                },
            }
        ]
    }
    assert protection.restore_answer(answer)
    message = answer["choices"][0]["message"]
    assert json.loads(message["content"]) == {"name": 'Ann "Nan" Lee'}  # type: ignore[index]
    arguments = message["tool_calls"][0]["function"]["arguments"]  # type: ignore[index]
    assert json.loads(arguments) == {"who": 'Ann "Nan" Lee'}

    restorer = protection.stream_restorer()
    assert restorer is not None
    pieces = ['{"who": "[PER', "SON_1", ']"}']
    chunks = [
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": p}}]},
                    "finish_reason": None,
                }
            ]
        }
        for p in pieces
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    streamed = ""
    for chunk in chunks:
        restorer.restore(chunk)
        for choice in chunk["choices"]:
            for call in choice["delta"].get("tool_calls") or ():
                streamed += call["function"]["arguments"]
    assert json.loads(streamed) == {"who": 'Ann "Nan" Lee'}


def test_a_bare_off_in_the_yaml_config_means_off(tmp_path: Path) -> None:
    config = tmp_path / "careergate.yaml"
    config.write_text(
        "privacy:\n  mode: off\n  features:\n    resume: pseudonymise\n    search: off\n"
    )
    loaded = load_gateway_config(config, UpstreamEnvironment())
    assert loaded.privacy.mode is PrivacyMode.OFF
    assert loaded.privacy.features == {
        "resume": PrivacyMode.PSEUDONYMISE,
        "search": PrivacyMode.OFF,
    }


def test_shapes_are_found_without_the_name_model() -> None:
    text = (
        "Call +1 (415) 555-0199, write to a.b@example.org, visit github.com/abc-dev; "
        "lives at 221B Baker St, Apt 4; Hauptstraße 5; born on March 3, 1990; "
        "SSN 078-05-1120; NI AB 12 34 56 C; IBAN GB82 WEST 1234 5698 7654 32. "
        "Led 12 people from 2019 - 2023 and grew revenue 35% to $1,200,000."
    )
    findings = asyncio.run(PiiDetector().detect([text], Subject()))[0]
    found = {(f.kind.value, text[f.start : f.end]) for f in findings}
    assert found == {
        ("PHONE", "+1 (415) 555-0199"),
        ("EMAIL", "a.b@example.org"),
        ("LINK", "github.com/abc-dev"),
        ("ADDRESS", "221B Baker St, Apt 4"),
        ("ADDRESS", "Hauptstraße 5"),
        ("DATE_OF_BIRTH", "March 3, 1990"),
        ("NATIONAL_ID", "078-05-1120"),
        ("NATIONAL_ID", "AB 12 34 56 C"),
        ("NATIONAL_ID", "GB82 WEST 1234 5698 7654 32"),
    }


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Bitte wenden Sie sich an Herrn Obermaier aus der Buchhaltung.", "Obermaier"),
        ("oi, aqui é Manuela, da entrevista de ontem", "Manuela"),
        ("Hola, soy Ximena y te escribo por la vacante.", "Ximena"),
        ("Bom dia, sou Iracema, a candidata da vaga de QA.", "Iracema"),
    ],
)
def test_a_name_after_a_title_or_a_self_introduction_is_found_without_the_model(
    text: str, name: str
) -> None:
    """German "Herrn" (the title's dative), Portuguese "aqui é" and "sou", Spanish "soy":
    what follows is a person, whether or not the name model knows the name."""
    findings = asyncio.run(PiiDetector().detect([text], Subject()))[0]
    assert [text[f.start : f.end] for f in findings] == [name]


def test_leakage_on_labelled_documents_stays_under_the_measured_bound() -> None:
    """Documents not used when the detectors were written (another seed): every shaped
    value found, and at most 3% of names missed with the subject's own name known."""
    documents = labelled_documents(40, seed=2027)
    detector = PiiDetector(NameFinder())
    shield = PrivacyShield(PrivacyPolicy(PrivacyMode.PSEUDONYMISE), detector)
    missed: list[tuple[str, str]] = []
    names = 0
    for document in documents:
        body: dict[str, Any] = {
            "messages": [{"role": "user", "content": document.text}],
            "careergate": {"subject": document.subject},
        }
        asyncio.run(shield.protect(CHAT, body, body.pop("careergate"), None, None, None))
        out = body["messages"][0]["content"]
        for kind, value in document.values:
            names += kind is PiiKind.PERSON
            if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", out):
                missed.append((kind.value, value))
        assert all(phrase in out for phrase in document.keep), out
    detector.names.close()  # type: ignore[union-attr]
    assert [kind for kind, _ in missed if kind != "PERSON"] == []
    assert len(missed) <= 0.03 * names, missed


RESUME = {
    "basics": {
        "name": "Oluwaseun Adeyemi-Hart",
        "email": "seun.hart@example.net",
        "phone": "(415) 555-0142",
        "url": "https://seunhart.example.dev",
        "location": {"address": "742 Evergreen Terrace", "postalCode": "97403", "city": "Eugene"},
        "profiles": [
            {"network": "GitHub", "username": "seunhart", "url": "https://github.com/seunhart"}
        ],
    },
    "work": [{"name": "Globex", "position": "Staff Nurse", "startDate": "2019-04-01"}],
}


def test_a_pasted_json_resume_is_its_own_subject_also_when_streamed(
    gateway: RunningGateway,
) -> None:
    gateway.fake.script("Improve", "Thanks [PERSON_1_GIVEN]! I kept [EMAIL_1] and [LINK_2].")
    gateway.fake.stream_in_pieces(4)
    stream = gateway.client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "user",
                "content": 'Improve my resume (style: {"tone": "warm"}):\n' + json.dumps(RESUME),
            }
        ],
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    sent = _sent(gateway.fake)
    for value in ("Adeyemi", "seun.hart", "555-0142", "seunhart", "742 Evergreen", "97403"):
        assert value not in sent, value
    assert "Globex" in sent
    assert "Staff Nurse" in sent
    assert text == (
        "Thanks Oluwaseun! I kept seun.hart@example.net and https://github.com/seunhart."
    )


def test_a_registered_subject_is_exported_and_erased_with_its_user(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    env = cli_env(gateway.settings)
    known = tmp_path / "known.json"
    known.write_text(json.dumps({"resume": RESUME}))
    set_done = json.loads(
        run_cli(env, "privacy", "subject", "set", "--user", "u-88", str(known)).stdout
    )
    assert set_done["known"]["names"] == 1
    assert set_done["known"]["links"] == 3

    client = gateway.client(gateway.create_key(user="u-88"))
    client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "I am seunhart on GitHub"}]
    )
    assert "seunhart" not in _sent(gateway.fake)

    exported = json.loads(run_cli(env, "privacy", "export", "--user", "u-88").stdout)
    assert exported["privacy_subject"]["names"] == ["Oluwaseun Adeyemi-Hart"]
    erased = json.loads(run_cli(env, "privacy", "delete", "--user", "u-88", "--yes").stdout)
    assert erased["privacy_subject"] == 1
    exported = json.loads(run_cli(env, "privacy", "export", "--user", "u-88").stdout)
    assert exported["privacy_subject"] is None
    stored = b"".join(p.read_bytes() for p in gateway.settings.data_dir.glob("careergate.db*"))
    assert b"u-88" not in stored


def test_tools_named_like_people_are_not_people() -> None:
    texts = [
        "Built pipelines with Jenkins; queues on Kafka; tickets in Jira; Ruby on Rails.",
        "My manager Ruby Chen reviewed it.",
    ]
    detector = PiiDetector(NameFinder())
    findings = asyncio.run(detector.detect(texts, Subject()))
    detector.names.close()  # type: ignore[union-attr]
    assert findings[0] == []
    assert [texts[1][f.start : f.end] for f in findings[1]] == ["Ruby Chen"]


FOUND_BY_PLACE: dict[str, set[tuple[str, str]]] = {
    "Name / Nombre / Nom: Ruby Benavídez": {("PERSON", "Ruby Benavídez")},
    "Dear Ruby,\nthe Ruby on Rails upgrade is done.": set(),
    "Cristian Tijerina told me to message you.": {("PERSON", "Cristian Tijerina")},
    "I want to add Evelien Groote as a beneficiary.": {("PERSON", "Evelien Groote")},
    "Here's Carolina's address; she named him Aishani.": {
        ("PERSON", "Carolina"),
        ("PERSON", "Aishani"),
    },
    "Financial Controller, Nichols LLC (2019–2020), Leeds": set(),
    # A record's keys, a form's table, greetings and introductions of other languages.
    'imie="Kajetan" nazwisko="Ficoń" status=active': {
        ("PERSON", "Kajetan"),
        ("PERSON", "Ficoń"),
    },
    '{"firstName": "Jacobo", "lastName": "Núñez", "work": [{"name": "Acme Ltd"}]}': {
        ("PERSON", "Jacobo"),
        ("PERSON", "Núñez"),
    },
    "| 姓名 | 鲁旭 | 性别 | 男 |": {("PERSON", "鲁旭")},
    "| Name | Jane Doe | Role | Nurse |": {("PERSON", "Jane Doe")},
    "oi Maud, tudo bem? aqui é Manuela, da entrevista": {
        ("PERSON", "Maud"),
        ("PERSON", "Manuela"),
    },
    "merhaba Ugo, ben Basriye Demirel.": {("PERSON", "Ugo"), ("PERSON", "Basriye Demirel")},
    "Please write to zryu@nate.com로 (a Korean particle right after it)": {
        ("EMAIL", "zryu@nate.com")
    },
    "Kontakt: jan.kowalski@firma.pl-tel. 601 234 567": {
        ("EMAIL", "jan.kowalski@firma.pl"),
        ("PHONE", "601 234 567"),
    },
    "Dear Van,\nthanks for the call.": {("PERSON", "Van")},
    "Tel: (08276) 85955": {("PHONE", "(08276) 85955")},
    '{"fullName": "María de los Ángeles García Fernández de Córdoba"}': {
        ("PERSON", "María de los Ángeles García Fernández de Córdoba")
    },
    # JSON text (a tool call's arguments) as json.dumps writes it: escapes read.
    '{"letter": "Kind regards,\\nJos\\u00e9 \\u00c1lvarez Mu\\u00f1oz"}': {
        ("PERSON", "Jos\\u00e9 \\u00c1lvarez Mu\\u00f1oz")
    },
    '{"note": "Bhriain\\tsiobhan@ex.ie"}': {("EMAIL", "siobhan@ex.ie")},
    '"id","name","email"\n"1","Doe, Jane","jane@x.example"': {
        ("PERSON", "Doe, Jane"),
        ("EMAIL", "jane@x.example"),
    },
    "Name\tManager\tEmail\nAna Lima\tJohn Smith\tana@x.example": {
        ("PERSON", "Ana Lima"),
        ("PERSON", "John Smith"),
        ("EMAIL", "ana@x.example"),
    },
    '{"dateOfBirth": "1987-03-14", "startDate": "2020-01-01"}': {("DATE_OF_BIRTH", "1987-03-14")},
    "Name\tPhone\tDOB\r\nGrzegorz Brzęczyszczykiewicz\t555 0199\t14.03.1987\r\n": {
        ("PERSON", "Grzegorz Brzęczyszczykiewicz"),
        ("PHONE", "555 0199"),
        ("DATE_OF_BIRTH", "14.03.1987"),
    },
    # A chat export's speakers (WhatsApp, a copied Slack thread, KakaoTalk).
    "12/03/2024, 14:05 - Jane Doe: free tomorrow?\n12/03/2024, 14:06 - Jane Doe: at 3?\n"
    "[9:41 AM] Marek Nowak: yes\n[9:42 AM] Marek Nowak: see you": {
        ("PERSON", "Jane Doe"),
        ("PERSON", "Marek Nowak"),
    },
    "[Isabelly da Mata] [오후 2:14] 다음 주 면접 일정 확정됐어요!\n"
    "[곽선영] [오후 2:15] 감사합니다 혹시 연락처가 바뀌어서 알려드려요\n"
    "[Isabelly da Mata] [오후 2:16] 넵 반영할게요\n[곽선영] [오후 2:16] 넵 감사합니다": {
        ("PERSON", "Isabelly da Mata"),
        ("PERSON", "곽선영"),
    },
    # A record's address keys; dates of birth after a gloss, a second field, a cell.
    '{"logradouro": "Lago Campos, 42", "cep": "81772-166"}': {
        ("ADDRESS", "Lago Campos, 42"),
        ("ADDRESS", "81772-166"),
    },
    "생년월일 (DOB): 1969년 8월 8일\nDoğum Tarihi / Yeri: 22 Mayıs 1984 / Ankara": {
        ("DATE_OF_BIRTH", "1969년 8월 8일"),
        ("DATE_OF_BIRTH", "22 Mayıs 1984"),
    },
    # Tables of people, by their headers; a table of software is none.
    '"id","nombre","apellidos","celular"\n"937592","Jacobo","Núñez","067.124.0564"': {
        ("PERSON", "Jacobo"),
        ("PERSON", "Núñez"),
        ("PHONE", "067.124.0564"),
    },
    "Emp name\tDOB\tMobile\tCity\nAyaan Majumdar\tAugust 20, 1977\t08645218584\tHaldia": {
        ("PERSON", "Ayaan Majumdar"),
        ("DATE_OF_BIRTH", "August 20, 1977"),
        ("PHONE", "08645218584"),
    },
    # Honorifics and signatures of other languages.
    "Si certifica di aver visitato il/la Sig./Sig.ra LUCA BIANCHI, nato/a a Roma.": {
        ("PERSON", "LUCA BIANCHI")
    },
    "Geachte mevrouw van der Berg,\nDank voor uw brief.": {("PERSON", "van der Berg")},
    "Beste Jan,\nhier is het rooster.": {("PERSON", "Jan")},
    # Surnames that are also words of letters: "de Heer", "Liebe", "Damen".
    "My name is Anna de Heer; Joep Damen is my referee.": {
        ("PERSON", "Anna de Heer"),
        ("PERSON", "Joep Damen"),
    },
    "Re: X\n\nSehr geehrte Frau Dr. Müller,\nanbei.": {("PERSON", "Müller")},
    # Names that the text's own addresses spell, whatever the layout.
    "急ぎのご用件は、採用担当のAlida Wende（alida.wende@web.de）まで": {
        ("PERSON", "Alida Wende"),
        ("EMAIL", "alida.wende@web.de"),
    },
    "To: Autumn Wise\nI came across your site (https://autumnwise.dev).": {
        ("PERSON", "Autumn Wise"),
        ("LINK", "https://autumnwise.dev"),
    },
    "Apply via https://www.redhat.com/jobs at Red Hat.": {  # a firm's host names the firm
        ("LINK", "https://www.redhat.com/jobs")
    },
    "Titular: Cuenta Nómina\nIBAN pendiente. WENDE, Alida <wende.alida7@gmx.de>": {
        ("PERSON", "WENDE, Alida"),
        ("EMAIL", "wende.alida7@gmx.de"),
    },
    "Ana Ruiz\nQA Lead\n22/213, Bir Chowk, Katihar\n9023.6110\nana.ruiz@example.org": {
        ("PERSON", "Ana Ruiz"),
        ("ADDRESS", "22/213, Bir Chowk"),
        ("PHONE", "9023.6110"),
        ("EMAIL", "ana.ruiz@example.org"),
    },
    "Phone:\n9844-6526\n\nProjects:\n2019-2020": {("PHONE", "9844-6526")},
    "Jan Nilsson\nApt. 2\nUddevalla\nSverige 60498": {
        ("PERSON", "Jan Nilsson"),
        ("ADDRESS", "Apt. 2\nUddevalla"),
        ("ADDRESS", "60498"),
    },
    "Moved in May.\n- Flat 4\n\nSkills: Excel, SQL": {("ADDRESS", "Flat 4")},
    "KIMBERLY WARD                    Mobile Developer\nEmp name\tDOB": {
        ("PERSON", "KIMBERLY WARD")
    },
    "Nombre: Julia\nNé(e) le : 14 février 2006\nSkills: Julia, R": {
        ("PERSON", "Julia"),
        ("DATE_OF_BIRTH", "14 février 2006"),
    },
    "hola Paweł! vivo en Calle Mayor 5, 28013 Madrid.": {
        ("PERSON", "Paweł"),
        ("ADDRESS", "Calle Mayor 5"),
        ("ADDRESS", "28013"),
    },
    "Chào chị Lan,\nNgày sinh của em là 06/12/1981.": {
        ("PERSON", "Lan"),
        ("DATE_OF_BIRTH", "06/12/1981"),
    },
    "Return it to Tamara from accounts; I moved from IT to finance.": {("PERSON", "Tamara")},
    "Groet,\nLieke van der Heijden": {("PERSON", "Lieke van der Heijden")},
    "My referee is Tom Baker, Senior Systems Engineer at Arm.": {("PERSON", "Tom Baker")},
    "Dear Maria Eduarda de Souza e Silva,": {("PERSON", "Maria Eduarda de Souza e Silva")},
    "Nato/a il 13/07/1972 a Roma; residente in Via Roma 5 (00100), codice": {
        ("DATE_OF_BIRTH", "13/07/1972"),
        ("ADDRESS", "Via Roma 5"),
        ("ADDRESS", "00100"),
    },
    "Persönliche Daten\n\nAm Hang 7\n\n55509 Hammelburg": {
        ("ADDRESS", "Am Hang 7"),
        ("ADDRESS", "55509"),
    },
    "📍 Leeds, LS1 4AP\nTel: 03\n〒885-8992": {
        ("ADDRESS", "Leeds, LS1 4AP"),
        ("ADDRESS", "〒885-8992"),
    },
}
"""Texts, each in a layout the rules find by its place, and exactly what they find."""

WORK_PROSE = [  # work prose without personal data, each once taken for some by a rule
    "Package manager: Maven. Transferred from Accounts to Product. Updates from HR",
    "Client's address must be on the invoice. Tested on iPad 9; shipped 4 Layout parts.",
    "Support tiers:\n- Level 1\n- Level 2\nRevenue: India 2023",
    "📍 Berlin · Hybrid · 3 days onsite\nIch wohne in Berlin seit 2019.",
    "Invoice date:\n12.03.2021\nbilling@acme.example",
    "Acme Corp\tBackend\t2019-2022",
    "Skills: French Italian Spanish\nMentored 5 interns.",
    "Yêu cầu: Tiếng Anh Thương Mại",
    "Standup   09:30\nUse @Override, @Input() and @Channel.",
    "Firma: Volkswagen\nTitular: Cuenta Corriente",
    "Write to sales.team@acme.example: the Sales Team answers within a day.",
    "Sehr geehrte Damen und Herren,\nanbei meine Unterlagen.\nLiebe Grüße",
    "Betreff: Bewerbung\nIch liebe Herausforderungen und arbeite lieber Remote.",
    "Sales engineer at SIG Combibloc; chair of SIG Windows.",
    "Re: offer\nEstimada Empresa:\nPrezado Senhor Diretor,",
    "Estimado Cliente: le informamos. Sig. Direttore, la presente. Firmato: Il Direttore",
    "Firmado: El Director",
    '{"name": "Acme Ltd", "legalName": "Acme Holdings Ltd", "displayName": "Admin"}',
    "oi Pessoal, tudo bem? oi Equipe!",
    "| Name | Role |\n| --- | --- |\n| Backend | Go |",
    "| Name | Version | Licence |\n| --- | --- | --- |\n| Redis | 7.2 | BSD |",
    "Company name,Industry,Founded\nAcme Corp,Retail,1999\nSkill, level, years",
    '{"address": "0x7f3a", "server_address": "10.0.0.1:8080"}',
    "[10:02 AM] HR Team: reminder\n[10:03 AM] Acme Recruiting: interview at 3",
    "09:30 – Arrival: coffee\n10:00 - Coding Exercise: pair\n[Worker] [12:00:01] started",
    "| Manager | Accountable |\n| Recruiter | Responsible |\n| Name | Type | Nullable |",
    "| Name | Owner |\n|-|-|\n| Backend | Platform |",
    '{"zipCode": "string", "zip": "gzip"}',
    "ik ben HBO-opgeleid en ik ben Python-ontwikkelaar",
    "Oi, Bom dia! O plano da Oi Fibra chegou.",
    "Name\tCell\tFormula\nTotal\tB12\t=SUM(B2:B11)",
    'Use "\\n" to split lines in C: printf("Hello\\n");',  # escapes in prose
    "03/12/2024, 14:05 - Stage Changed: Onsite\n03/12/2024, 15:00 - Offer Extended: yes",
]


def test_names_and_addresses_where_forms_chats_and_headers_put_them() -> None:
    """Each text holds one layout the rules find by its place; the lists are exact, so a
    firm named after a person beside its legal form, a greeting, a country's name or a
    year range taken for personal data fails too."""
    detector = PiiDetector(NameFinder())
    findings = asyncio.run(detector.detect(list(FOUND_BY_PLACE), Subject()))
    quiet = asyncio.run(detector.detect(WORK_PROSE, Subject()))
    detector.names.close()  # type: ignore[union-attr]
    for (text, expected), found in zip(FOUND_BY_PLACE.items(), findings, strict=True):
        assert {(f.kind.value, text[f.start : f.end]) for f in found} == expected, text
    for text, found in zip(WORK_PROSE, quiet, strict=True):
        assert [text[f.start : f.end] for f in found if f.kind.value != "EMAIL"] == [], text


def test_the_name_model_reads_as_spacys_default_load_without_its_unused_layers() -> None:
    """The finder loads the model under numpy's matrix products and without the shared
    tok2vec its recogniser does not read: the entities must be those of spaCy's own load."""
    import spacy

    from careergate.privacy.names import MODEL_PACKAGE

    texts = [
        "Maurycy Drynda joined Acme in Kraków; ask Priya Nair about the Kafka migration.",
        "Reference: Dr. Helen O'Brien, Trinity College Dublin, +353 1 896 1000.",
        "Led a team of 6 at Northwind Payments (2019 - present) with Jordan Ellis.",
    ]
    finder = NameFinder()
    ours = finder.pipeline()
    default = spacy.load(
        MODEL_PACKAGE, exclude=["parser", "tagger", "senter", "lemmatizer", "attribute_ruler"]
    )
    finder.close()
    assert ours.pipe_names == ["ner"]
    for text in texts:
        expected = [(e.start_char, e.end_char, e.label_) for e in default(text).ents]
        assert [(e.start_char, e.end_char, e.label_) for e in ours(text).ents] == expected


def test_the_environment_overrides_the_configured_default_mode(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            extra_config={"privacy": {"mode": "off", "names": False}},
            privacy_mode=PrivacyMode.MASK,
        )
        for running in start_gateway(settings, fake):
            _ask(running.client(), "Write to jane.doe@example.com")
            assert "[EMAIL]" in _sent(fake)


def test_a_named_person_is_found_as_written_without_their_letters_accents_or_case() -> None:
    """A person the caller named is found in the spellings people write them in: without
    the letters a keyboard lacks, in capitals, with a letter left out, by a family name
    with its particles or of two letters, in a script without capitals."""
    names = ["Łukasz Øvrebø", "Đorđe Šantić", "Lois van de Ven", "Lê Quang", "田中 あすか"]
    subject = Subject.of(SubjectSpec(names=names))
    text = (
        "LUKASZ OVREBO met Lukasz and Mr Ovrebo; Dorde Santic thanked Đorđe and Santc. "
        "Feedback on van de Ven's and Le's interviews; あすか has 11 years in Spark."
    )
    findings = asyncio.run(PiiDetector().detect([text], subject))[0]
    found = sorted(text[f.start : f.end] for f in findings)
    expected = ["LUKASZ OVREBO", "Lukasz", "Ovrebo", "Dorde Santic", "Đorđe", "Santc"]
    assert found == sorted([*expected, "van de Ven", "Le", "あすか"])


def test_a_named_person_is_found_without_the_letters_an_ascii_conversion_drops() -> None:
    """A user name or an email made by a system that drops the letters it cannot map to
    ASCII spells "Đặng" as "ang" and "Bjørn" as "bjrn": the caller's person is found so
    written, in lower case too, whether a text is searched once per name or read word by
    word (a request naming many people); a shorter remainder ("Đỗ" as "o") is not looked
    for, nor such a spelling of a name the caller did not give in lower case."""
    names = ("Đặng Thu Trang", "Bjørn Åsmund", "Đỗ Minh", "Łucja Łoś")
    subject = Subject.of(SubjectSpec(names=list(names[:3])))
    text = "Feedback on ang's interview; bjrn and Bjrn Asmund called. Ask Minh, and ucja."
    findings = asyncio.run(PiiDetector().detect([text], subject))[0]
    assert [text[f.start : f.end] for f in findings] == ["ang", "bjrn", "Bjrn", "Asmund", "Minh"]
    for search in (find_names_by_word, find_name_parts):
        found = {text[f.start : f.end] for f in search(text, names, frozenset(names[:3]))}
        assert {"ang", "bjrn", "Bjrn"} <= found
        assert "ucja" not in found


def test_a_named_person_is_found_in_the_other_spellings_of_their_letters() -> None:
    """A hyphen or an apostrophe inside a name is written as a word processor's, as a
    space or not at all; umlauts, ø, å and ß as their transliterations (and these as
    those letters); a hyphenated given name's initials with or without the second; the
    given name with the family name's initial. Each spelling is the named person, whole,
    under the person's one placeholder number, and comes back as written; other people's
    names are left alone."""
    names = ["Siobhán O'Neill", "Anna-Lena Schmidt", "Mohammed Al-Farsi", "Jean-Pierre Dubois"]
    names += ["Jürgen Müller", "Soeren Aasen", "Johann Strauß"]
    subject = Subject.of(SubjectSpec(names=names))
    text = (
        "Siobhan O’Neill and Ms ONeill; Anna Lena Schmidt (Anna Lena to us); Mohammed "
        "Alfarsi, al Farsi; J.-P. Dubois, JP Dubois and J. Dubois. Jean and Pierre are "
        "other people. Juergen Mueller, Herr Müller; Søren Åsen and Soeren A.; STRAUSS, "
        "not Samuel Grosz."
    )
    findings = asyncio.run(PiiDetector().detect([text], subject))[0]
    found = [text[f.start : f.end] for f in findings]
    assert found == [
        *("Siobhan O’Neill", "ONeill", "Anna Lena Schmidt", "Anna Lena", "Mohammed Alfarsi"),
        *("al Farsi", "J.-P. Dubois", "JP Dubois", "J. Dubois", "Juergen Mueller", "Müller"),
        *("Søren Åsen", "Soeren A.", "STRAUSS", "Samuel Grosz"),
    ]
    placeholders = Placeholders(subject)
    masked = placeholders.replace(text, findings)
    assert not re.search(r"Neill|Lena|Farsi|Dubois|M[uü]e?ller|[ØøAÅ]a?sen|STRAUSS", masked)
    assert {int(n) for n in re.findall(r"\[PERSON_(\d+)", masked)} == set(range(1, 9))
    assert placeholders.restore(masked) == text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("大家好，我是郑勇，来自上海。", "郑勇"),
        ("お世話になっております。\n佐藤 花子です。\nよろしくお願いします。", "佐藤 花子"),
        ("山田太郎と申します。", "山田太郎"),
        ("안녕하세요 Isaac님, 김미영입니다. 감사합니다.", "김미영"),
        ("저는 박지훈입니다.", "박지훈"),
    ],
)
def test_a_self_introduction_in_chinese_japanese_or_korean_gives_a_name(
    text: str, name: str
) -> None:
    findings = asyncio.run(PiiDetector().detect([text], Subject()))[0]
    assert name in [text[f.start : f.end] for f in findings]


def test_a_fields_last_word_is_the_names_though_it_reads_as_a_word() -> None:
    """A name field holds the name whole: a family name that is also an everyday word
    ("Sales", "Rose") ends it. Not past the field's end, nor a word in capitals."""
    texts = {
        "Nome: João Pedro Sales\nCPF: 123": "João Pedro Sales",
        "Candidate: Anna Maria Rose | Interview 2": "Anna Maria Rose",
        "Candidate: Anna Maria HR\n": "Anna Maria",
    }
    for text, name in texts.items():
        findings = asyncio.run(PiiDetector().detect([text], Subject()))[0]
        assert [text[f.start : f.end] for f in findings] == [name]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("推荐人：欧阳晓峰（男）\n面试官：司马婧、陈立\n", ["欧阳晓峰", "司马婧", "陈立"]),
        ("어제 면접 본 제갈민호 씨 평가표 부탁드려요", ["제갈민호"]),
        ("候補者は長谷川翔太さんです。", ["長谷川翔太"]),
        ("田中 一郎様\nいつもお世話になっております。", ["田中 一郎"]),
        ("お客様各位、担当者様、社長さん、人事部様、皆さん", []),
        ("材料：钢材、木材、水泥", []),
    ],
)
def test_names_after_chinese_labels_of_people_and_before_japanese_honorifics(
    text: str, names: list[str]
) -> None:
    """A Chinese label of people and the names it lists ("面试官：司马婧、陈立"), a Korean
    family name of two syllables, a Japanese name before さん or 様; not a role, a body
    or a word of one character before them, nor any list."""
    findings = asyncio.run(PiiDetector().detect([text], Subject()))[0]
    assert [text[f.start : f.end] for f in findings] == names


def test_a_role_introduced_in_chinese_or_japanese_is_no_name() -> None:
    for text in ("担当者です。", "我是设计师，负责品牌。"):
        assert asyncio.run(PiiDetector().detect([text], Subject()))[0] == []


def test_a_name_in_han_kana_or_hangul_is_found_again_against_its_scripts_characters() -> None:
    """A name a label gives once stands elsewhere without a space before or after it
    ("王小明提交的", "박지훈입니다"), with or without the space between its names and in
    either order; each occurrence is masked and comes back as written."""
    texts = [
        "姓名：王小明\n入职岗位：设计师\n王小明提交的申请已通过，请王小明本人确认。",
        "氏名：田中 一郎\n件名：面接日程／田中 一郎\n田中 一郎です。\n一郎 田中",
        "성명: 박지훈\n안녕하세요, 박지훈입니다. 박지훈님 연락처는 따로 보내드립니다.",
    ]
    detector = PiiDetector()
    for text, expected in zip(
        texts,
        [["王小明"] * 3, ["田中 一郎"] * 3 + ["一郎 田中"], ["박지훈"] * 3],
        strict=True,
    ):
        findings = asyncio.run(detector.detect([text], Subject()))[0]
        assert [text[f.start : f.end] for f in findings] == expected
        placeholders = Placeholders(Subject())
        masked = placeholders.replace(text, findings)
        assert not re.search("小明|一郎|지훈", masked)
        assert placeholders.restore(masked) == text


def test_a_named_korean_is_not_everyone_whose_syllables_begin_alike() -> None:
    """Hangul syllables are letters of their own: "고정은" is not "김지은", though each of
    its syllables begins with the same consonant."""
    subject = Subject.of(SubjectSpec(names=["김지은"]))
    text = "김지은 과장과 고정은 대리가 만났습니다. 김지은입니다."
    findings = asyncio.run(PiiDetector().detect([text], subject))[0]
    named = [text[f.start : f.end] for f in findings if f.canonical == "김지은"]
    assert named == ["김지은", "김지은"]  # 고정은 대리 is someone else


def test_a_named_persons_double_family_name_is_found_with_or_without_its_hyphen() -> None:
    """A family name of two words is written with a hyphen as often as without
    (``García-López`` of ``Ana García López``), whole and alone; a name typed in
    full-width letters is the same name."""
    names = ["Ana García López", "Lucas Mendes Alves", "Ｋｅｎｊｉ Ｔａｎａｋａ", "Emily Clarke"]
    subject = Subject.of(SubjectSpec(names=names))
    text = (
        "Ana García-López leads; Sra. Garcia-Lopez signs. Mendes-Alves wrote to Kenji "
        "Tanaka and ＥＭＩＬＹ ＣＬＡＲＫＥ."
    )
    findings = asyncio.run(PiiDetector().detect([text], subject))[0]
    found = [text[f.start : f.end] for f in findings]
    assert found == [
        *("Ana García-López", "Garcia-Lopez", "Mendes-Alves", "Kenji Tanaka"),
        "ＥＭＩＬＹ ＣＬＡＲＫＥ",
    ]
    placeholders = Placeholders(subject)
    masked = placeholders.replace(text, findings)
    assert not re.search(r"(?i)l[oó]pez|alves|tanaka|ｃｌａｒｋｅ", masked)
    assert placeholders.restore(masked) == text
    for search in (find_names_by_word, find_name_parts):  # a text of many names too
        found_alone = {text[f.start : f.end] for f in search(text, tuple(names))}
        assert {"Garcia-Lopez", "Mendes-Alves"} <= found_alone


def test_a_named_person_is_found_with_initials_turned_round_and_by_half_a_family_name() -> None:
    """Initials joined to the family name, a middle name's initial, given names joined by
    a hyphen or nothing, the family name first (with its particle), half of a double
    family name: each spelling is the named person, and comes back as written. An
    everyday word after the family name is no given name, a degree after another
    person's name is no set of initials, an email or a link that spells the name stays
    one email or link, and half of a name joined to its prefix is someone else."""
    names = ["Jean Dupont", "Aditya Narayan Rao", "Mary Anne Smith", "Nguyễn Văn An"]
    names += ["Zoë Saldaña-Pérez", "Bastiaan van Egisheim", "Will Baker", "Noa Ben-David"]
    names += ["Ana da Cunha-Pereira"]
    subject = Subject.of(SubjectSpec(names=names))
    text = (
        "J.Dupont and Aditya N. Rao; MaryAnne Smith, Mary-Anne Smith; An Nguyen; Zoë "
        "Saldaña; van Egisheim, Bastiaan, Pereira. Baker will call. John Smith, M.A. "
        "thanked David. Write to jean.dupont@dupont-conseil.fr or see https://dupont-conseil.fr/j.dupont/cv"
    )
    findings = asyncio.run(PiiDetector().detect([text], subject))[0]
    found = [text[f.start : f.end] for f in findings]
    assert found == [
        *("J.Dupont", "Aditya N. Rao", "MaryAnne Smith", "Mary-Anne Smith", "An Nguyen"),
        *("Zoë", "Saldaña", "van Egisheim, Bastiaan", "Pereira", "Baker", "Smith"),
        *("jean.dupont@dupont-conseil.fr", "https://dupont-conseil.fr/j.dupont/cv"),
    ]
    placeholders = Placeholders(subject)
    masked = placeholders.replace(text, findings)
    assert {"will call", "M.A. thanked David"} <= set(
        re.findall(r"will call|M\.A\. thanked David", masked)
    )
    assert not re.search(r"Dupont|Rao|Smith|Anne|Nguyen|Salda|Egisheim|Bastiaan|Pereira", masked)
    assert "conseil" not in masked
    assert placeholders.restore(masked) == text


def test_values_written_with_typographic_spaces_full_width_or_invisible_characters(
    name_finder: NameFinder,
) -> None:
    """No-break and narrow no-break spaces, full-width digits and signs, zero-width
    spaces, soft hyphens, control characters and direction marks inside a value or
    between its words, a card's groups parted by dots: each value is found whole,
    masked as written and restored as written."""
    texts = [
        "Card 4111\xa01111\xa01111\xa01111, or 4111.1111.1111.1111 (π is 3.1415926535897932)",
        "Tél. : 06\u202f12\u202f34\u202f56\u202f78",
        "電話: ０９０－１２３４－５６７８",
        "Mail tomasz.wi\u200bsniewski@example.pl or Mar\u00adgaret\xa0Okonkwo",
        "Our recruiter, Sa\x00rah Connolly, met Emily\u202eClarke\u202c today.",
    ]
    findings = asyncio.run(PiiDetector(name_finder).detect(texts, Subject()))
    found = [
        [(f.kind, text[f.start : f.end]) for f in fs]
        for text, fs in zip(texts, findings, strict=True)
    ]
    assert found == [
        [(PiiKind.CARD, "4111\xa01111\xa01111\xa01111"), (PiiKind.CARD, "4111.1111.1111.1111")],
        [(PiiKind.PHONE, "06\u202f12\u202f34\u202f56\u202f78")],
        [(PiiKind.PHONE, "０９０－１２３４－５６７８")],
        [
            (PiiKind.EMAIL, "tomasz.wi\u200bsniewski@example.pl"),
            (PiiKind.PERSON, "Mar\u00adgaret\xa0Okonkwo"),
        ],
        [(PiiKind.PERSON, "Sa\x00rah Connolly"), (PiiKind.PERSON, "Emily\u202eClarke")],
    ]
    placeholders = Placeholders(Subject())
    for text, fs in zip(texts, findings, strict=True):
        assert placeholders.restore(placeholders.replace(text, fs)) == text
    # A named person's spelling in the copy with spaces does not cut an address found
    # whole in the other.
    text, jane = "Contact: jane\u200bdoe@corp.example", Subject.of(SubjectSpec(names=["Jane Doe"]))
    [found] = asyncio.run(PiiDetector().detect([text], jane))[0]
    assert (found.kind, text[found.start : found.end]) == (PiiKind.EMAIL, text[9:])


def test_a_word_that_opens_a_sentence_before_a_name_is_not_part_of_it(
    name_finder: NameFinder,
) -> None:
    """ "Call Margaret Okonkwo": the name is masked without the verb (which would come
    back with it), and "Email Priya Raghunathan" still masks the name; a given name that
    is also a word ("Ping") stays the name's."""
    texts = [
        "Call Margaret Okonkwo today.",
        "Email Priya Raghunathan about the offer.",
        "Yesterday Siobhan called.",
        "Ping Wang joined the data team.",
    ]
    findings = asyncio.run(PiiDetector(name_finder).detect(texts, Subject()))
    found = [[text[f.start : f.end] for f in fs] for text, fs in zip(texts, findings, strict=True)]
    assert found == [["Margaret Okonkwo"], ["Priya Raghunathan"], ["Siobhan"], ["Ping Wang"]]


def test_a_named_persons_transliterations_are_no_shorter_word() -> None:
    """The spellings that drop a letter ("Mueller" as "Muller") are for names of five
    letters or more: "Doe" is not "Do", "Haas" not "Has", "Maas" not "Mas"."""
    subject = Subject.of(SubjectSpec(names=["Jane Doe", "Anna Haas", "Lena Maas"]))
    text = "Do you have the notes? Has she signed? Mas tarde. Ms Doe and Mrs Haas did."
    findings = asyncio.run(PiiDetector().detect([text], subject))[0]
    assert [text[f.start : f.end] for f in findings] == ["Doe", "Haas"]


FIELD_FORMS = {
    "JOHN A. SMITH\nSenior Accountant": [(PiiKind.PERSON, "JOHN A. SMITH")],
    # A JSON Resume's work, skills and certificates have names too: not people's.
    '{"work": [{"name": "Deutsche Bank"}], "skills": [{"name": "Visual Studio"}]}': [],
    "Имя: Маргарита Оконкво\nДата рождения: 14.03.1987": [
        (PiiKind.PERSON, "Маргарита Оконкво"),
        (PiiKind.DATE_OF_BIRTH, "14.03.1987"),
    ],
    "الاسم: محمد عبد الله": [(PiiKind.PERSON, "محمد عبد الله")],
    "Date of Birth: 14th March 1987": [(PiiKind.DATE_OF_BIRTH, "14th March 1987")],
    "D.O.B. 03/14/87": [(PiiKind.DATE_OF_BIRTH, "03/14/87")],
    "DOB: 3rd of May, 1990": [(PiiKind.DATE_OF_BIRTH, "3rd of May, 1990")],
    "Born on the 14th of March 1987.": [(PiiKind.DATE_OF_BIRTH, "14th of March 1987")],
    # Not dates of birth: no label says so.
    "Started 14th March 1987; released 03/14/87.": [],
    # The place of birth first, after the label or between "born in" and the date.
    "Lugar y fecha de nacimiento: Melilla, 8 de marzo de 1990": [
        (PiiKind.DATE_OF_BIRTH, "8 de marzo de 1990")
    ],
    "I was born in Leeds on 3 March 1990.": [(PiiKind.DATE_OF_BIRTH, "3 March 1990")],
    "geboren in Köln am 03.04.1990": [(PiiKind.DATE_OF_BIRTH, "03.04.1990")],
    # A declaration's undersigned and signatory, a payslip's employee, a postcode in
    # brackets after the town one lives in.
    "Il/La sottoscritto/a MERCANTINI Amalia\nnato/a a Montaldo Roero il 26/07/1999\n"
    "residente a Sedico (84043) in Via Majorana, 565": [
        (PiiKind.PERSON, "MERCANTINI Amalia"),
        (PiiKind.DATE_OF_BIRTH, "26/07/1999"),
        (PiiKind.ADDRESS, "84043"),
        (PiiKind.ADDRESS, "Via Majorana, 565"),
    ],
    "Il/La dichiarante\nAmalia Mercantini": [(PiiKind.PERSON, "Amalia Mercantini")],
    "Salarié(e) : LAROCHE Véronique": [(PiiKind.PERSON, "LAROCHE Véronique")],
    # A gloss between a label and its colon; a form's next column after a wide gap.
    "Họ và tên (chữ in hoa): MAI BẢO JOHN    Giới tính: Nam": [(PiiKind.PERSON, "MAI BẢO JOHN")],
    "Hộ khẩu thường trú: 13 Khóm 79 Cộng Hòa, Thành phố Hồ Chí Minh": [
        (PiiKind.ADDRESS, "13 Khóm 79 Cộng Hòa, Thành phố Hồ Chí Minh")
    ],
    # A Japanese form's spaced-out label; its headings, dates and counts are no names.
    "Resume, Machine Learning Engineer\n履　歴　書　2019年7月7日現在\n氏　　名　藤田　裕美子\n"
    "学　歴\n2011　3　都立高等学校　卒業\n以上": [(PiiKind.PERSON, "藤田　裕美子")],
    "성 (Surname): 문 / 이름 (Given name): 경자": [
        (PiiKind.PERSON, "문"),
        (PiiKind.PERSON, "경자"),
    ],
    # A family name of one syllable before the given name; a speaker's role in brackets;
    # a padded name's wide gaps; a birth told of a thing, a role's gloss: not a person's.
    "Reviewed by 김 민수 from the Seoul office.": [(PiiKind.PERSON, "김 민수")],
    "王伟 (Interviewer): Tell me about your last role.": [(PiiKind.PERSON, "王伟")],
    "Name: John   Smith": [(PiiKind.PERSON, "John   Smith")],
    "Applicant:\tMaria\t\t\tGarcia": [(PiiKind.PERSON, "Maria\t\t\tGarcia")],
    "Jane Doe, born in Leeds, UK on 3 March 1990": [
        (PiiKind.PERSON, "Jane Doe"),
        (PiiKind.DATE_OF_BIRTH, "3 March 1990"),
    ],
    "The company was born in Berlin on 3 March 2015 and grew fast.": [],
    "Il progetto è nato a Roma il 12/05/2015 durante un workshop.": [],
    "Born and raised in Leeds, 3 March 2015 I moved to London.": [],
    "Employee (status): Full Time\nManager (required): Yes": [],
    # A Hangul word after a name that is none; a one-syllable family name before one; a
    # padded name in two cases, ended by the next field's label; a count's unit.
    "Please call 김민수 연락처 010-1234-5678": [
        (PiiKind.PERSON, "김민수"),
        (PiiKind.PHONE, "010-1234-5678"),
    ],
    "성 (Surname): 문 이름 (Given name): 재인": [(PiiKind.PERSON, "문"), (PiiKind.PERSON, "재인")],
    "Candidate:   Jean   DUPONT": [(PiiKind.PERSON, "Jean   DUPONT")],
    "Name:   John   SMITH   Date: 2021": [(PiiKind.PERSON, "John   SMITH")],
    "Experience: 5년 in sales, joined 2019년 3월": [],
    # A date of birth after a place and a label's colon, or a bracket; a role's label.
    "Date of birth: Leeds, 3/4/1990": [(PiiKind.DATE_OF_BIRTH, "3/4/1990")],
    "Luogo e data di nascita: Roma (RM), 12/05/1988": [(PiiKind.DATE_OF_BIRTH, "12/05/1988")],
    "Jane Doe (born in Leeds on 3 April 1990)": [
        (PiiKind.PERSON, "Jane Doe"),
        (PiiKind.DATE_OF_BIRTH, "3 April 1990"),
    ],
    "Dipendente: Mario Rossi": [(PiiKind.PERSON, "Mario Rossi")],
    # An interview's transcript: what a role's speaker says is no name, the role's
    # fields in a form still are, and so is a name after a name's label, whatever follows.
    "Interviewer: Tell me about yourself.\nCandidate: I have five years in Python.\n"
    "Interviewer: Why us?\nApplicant: Happy to be here.": [],
    "Recruiter: Jane Doe\nCandidate: Tom Becker (Berlin)\nManager: Ravi Patel, Finance": [
        (PiiKind.PERSON, "Jane Doe"),
        (PiiKind.PERSON, "Tom Becker"),
        (PiiKind.PERSON, "Ravi Patel"),
    ],
    "Name: Jane Doe works in Leeds": [(PiiKind.PERSON, "Jane Doe")],
}


@pytest.mark.parametrize("text", FIELD_FORMS)
def test_names_and_dates_of_birth_in_the_forms_fields_take(text: str) -> None:
    """A capitals header with a middle initial, labels in Cyrillic and Arabic scripts, a
    date of birth with an ordinal day or a year of two digits after its label; a JSON
    document's ``name`` fields are not taken for people's."""
    found = asyncio.run(PiiDetector().detect([text], Subject()))[0]
    assert [(f.kind, text[f.start : f.end]) for f in found] == FIELD_FORMS[text]


ADDRESS_SPELT = {
    "Tristan JACQUES\n+33 2 19 10 36 59 – tristan.jacques50@club-internet.fr": ["Tristan JACQUES"],
    "Doe, Jane <jane.doe+cv@gmail.com>": ["Doe, Jane"],
    "Jane Doe\nlinkedin.com/in/jane-doe-b7a2941a6": ["Jane Doe"],
    "Portfolio\nProjects by Doe Jane, see janedoe.dev": ["Doe Jane"],
    "Jennifer West <jennifer.west@outlook.com>": ["Jennifer West"],
    "Jean-Luc Picard jeanluc.picard@orange.fr": ["Jean-Luc Picard"],
    # Mailboxes, firms, places, projects: no one's name.
    "Contact our Talent Acquisition team at talent.acquisition@acme.example.": [],
    "Write to open.source@acme.example: Open Source answers; see open-source.dev": [],
    "North America sales: north.america@acme.example; San Francisco: sanfrancisco@acme.example": [],
    "Worked at Deutsche Bank (https://en.wikipedia.org/wiki/Deutsche_Bank)": [],
    "Goldman Sachs on github.com/goldman-sachs; Google Research, google-research.github.io": [],
}


def test_a_name_the_texts_own_address_spells_is_found_and_a_mailboxs_is_not() -> None:
    """Through the shapes alone (no name model): the words of a name where an address of
    the same text is made of them (other rules may find more), and no name at all where
    the address is a firm's or an office's."""
    for text, expected in ADDRESS_SPELT.items():
        found = {text[f.start : f.end] for f in find_patterns(text) if f.kind is PiiKind.PERSON}
        assert set(expected) <= found if expected else not found, (text, found)


@pytest.mark.parametrize("seed", [3, 7, 13, 21])
def test_a_text_naming_hundreds_of_people_is_read_word_by_word_for_the_same_names(
    seed: int,
) -> None:
    """A pasted export names hundreds of people; one search per name would cost the
    text's length times their number. Such a text is read word by word, and finds what
    the search per name finds of names written out: whole, initials with the family name
    (apart, joined, hyphenated), given or family name alone (not in lower case), with a
    particle, hyphenated or with an apostrophe as the name has it, in capitals with ß as
    ss."""
    from faker import Faker

    fake = Faker(["en_GB", "de_DE", "de_AT", "es_ES", "fr_FR", "nl_NL", "pl_PL", "it_IT"])
    fake.seed_instance(seed)
    drawn = (f"{fake.first_name()} {fake.last_name()}" for _ in range(300))
    names = [n for n in dict.fromkeys(drawn) if re.fullmatch(r"[^\W\d_]+(?:[ -][^\W\d_]+)+", n)]
    names += ["Lois van de Ven", "Anna-Lena O'Neill", "Jean-Pierre Dubois", "Erika Weiß"]
    names += ["Hans-H. Valderrama", "John Ronald Tolkien", "Jane Doe"]
    lines = [
        f"{name} wrote: thanks {name.split()[0]}, see you. {name.split()[-1].upper()} "
        f"({name.split()[0].lower()} and {name[0]}. {name.split()[-1]})"
        for name in names
    ]
    lines += ["Ask van de Ven and Anna-Lena.", "Lena wrote to Mr O'Neill-Byrne and Frau WEISS."]
    lines += ["J.-P. Dubois, JP Dubois and JR Tolkien met Hans-H. Valderrama and Jane Doe-Smith."]
    text = "\n".join(lines)
    full_names = tuple(names)
    assert by_word(text, full_names)

    def covered(search: Any) -> set[tuple[int, int]]:
        found = list(search(text, full_names))
        return {(f.start, f.end) for f in resolve_overlaps(found)}

    found = covered(find_names_by_word)
    assert found == covered(find_name_parts)
    spans = {text[start:end] for start, end in found}
    assert {"van de Ven", "Anna-Lena", "Lois van de Ven", "O'NEILL", "WEISS"} <= spans
    assert {"J.-P. Dubois", "JP Dubois", "JR Tolkien", "Hans-H. Valderrama", "Jane"} <= spans
    assert "O'Neill" not in spans  # a piece of a longer word: "O'Neill-Byrne"


def test_the_callers_subject_is_kept_in_lower_case_too_where_it_is_no_everyday_word(
    gateway: RunningGateway,
) -> None:
    """A chat written in lower case names the caller's subject so ("hey jane"); a
    name the model did not hear from the caller stays a word there ("rose by 5%"), and
    so does a subject's name that is an everyday word in lower case ("will" of Will)."""
    answer = gateway.client().chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "user",
                "content": "hey jane, will you ask murphy-ó? Rose Tan says sales rose by 5%.",
            }
        ],
        extra_body={"careergate": {"subject": {"names": ["Jane Doe", "Will Murphy-Ó"]}}},
    )
    sent = gateway.fake.requests[-1].body["messages"][0]["content"]
    assert re.fullmatch(
        r"hey \[PERSON_1_GIVEN(_\d)?\], will you ask \[PERSON_2_FAMILY(_\d)?\]\? "
        r"\[PERSON_3\] says sales rose by 5%\.",
        sent,
    ), sent
    # The sandbox echoes the prompt: each spelling comes back as written.
    said = "You said: hey jane, will you ask murphy-ó? Rose Tan says sales rose by 5%."
    assert said in (answer.choices[0].message.content or "")


def test_read_word_by_word_a_callers_name_keeps_its_part_and_its_spellings() -> None:
    """The part the caller's subject shares with another name of the request stands for
    the subject, in lower case too; a name written in one transliteration throughout is
    found whole; a Windows path in prose is not read as JSON's escapes."""
    names = ("Aaron Marias", "Jane Austen", "Jane Doe", "Jürgen Bärbel Müller", "Maria Lopez")
    subjects = frozenset({"Jane Doe", "Maria Lopez"})
    text = "hey jane and maria, see juergen baerbel mueller"
    for search in (find_names_by_word, find_name_parts):
        found = [(text[f.start : f.end], f.canonical) for f in search(text, names, subjects)]
        assert ("jane", "Jane Doe") in found
        assert ("maria", "Maria Lopez") in found
        assert ("juergen baerbel mueller", "Jürgen Bärbel Müller") in found
    path = "Saved to C:\\Users\\nadia\\tomczak\\report.docx"
    assert reading_of(path).text == path


ADDRESS_AFTER_LABEL = {
    "Address: 12 Baker Street, London NW1 6XE. I have worked at Acme for ten years.": (
        "12 Baker Street, London NW1 6XE"
    ),
    "Name: Jane Doe Address: Flat 63, James Locks, Lake Brett HD5 3DN Mobile: +44 7700 900": (
        "Flat 63, James Locks, Lake Brett HD5 3DN"
    ),
    "Address: 7 St. John Street, Dublin 2 | Phone: 01 234 5678": "7 St. John Street, Dublin 2",
    "Address: Periférico Palau 367 Edif. 610 , Depto. 092, 72336-5261 Vieja Nueva Zelandia": (
        "Periférico Palau 367 Edif. 610 , Depto. 092, 72336-5261 Vieja Nueva Zelandia"
    ),
}


def test_an_address_after_its_label_ends_where_the_line_goes_on_with_something_else() -> None:
    """A chat message or a form pasted without line breaks has its address in the middle
    of a line: it ends at a sentence of prose, the next field's label or a separator (the
    rest of the message is the request, not personal data), not at the line's end."""
    for text, address in ADDRESS_AFTER_LABEL.items():
        spans = {text[f.start : f.end] for f in find_patterns(text) if f.kind is PiiKind.ADDRESS}
        assert address == max(spans, key=len), (text, spans)


def test_a_year_or_a_time_that_prose_leads_to_after_an_address_is_no_postcode() -> None:
    """Numbers after a street are looked for as its postcode; one that an everyday word
    leads to ("since 2019", "after 1730") is the sentence's, not the address's; "3000
    customers" is no postcode and town, so the sentence before it is no street."""
    for text, postcode in {
        "Address: 5 Main Street, Dublin. I have lived here since 2019.": None,
        "My address is 10 Downing St, SW1A 2AA. Call me after 1730 please.": "SW1A 2AA",
        "Calle Mayor 5, 28013 Madrid": "28013",
        "12 Baker Street\nLondon 39741": "39741",
        "I live at 5 Main Street, Leeds and have 15 years in sales, 3000 customers.": None,
    }.items():
        found = [text[f.start : f.end] for f in find_patterns(text) if f.kind is PiiKind.ADDRESS]
        assert not any(number in found for number in ("2019", "1730")), (text, found)
        assert not any("years" in value for value in found), (text, found)
        assert postcode is None or postcode in found, (text, found)


def test_a_pasted_tables_rows_are_read_past_a_page_footer_and_without_their_empty_cells() -> None:
    """A table copied from a PDF runs on past its page's footer, and an export leaves a
    row's empty last cells out: the rows after either are still a table's, read by
    their columns without the name model; a blank line and another header end it."""
    texts = [
        "Emp name\tDOB\tMobile\nRangi Parata\t1981-02-03\t07700900126\n\nPage 1 of 2\n\n"
        "Bolormaa Batbayar\t1979-05-06\t07700900127",
        "Name,Email,Phone,Notes\nMele Fifita,mf@example.org,07700900128,called back\n"
        "Siosaia Taufa,st@example.org,07700900129",
    ]
    found = asyncio.run(PiiDetector().detect(texts, Subject()))
    # A second table of people is read by its own header; a list of products after a
    # blank line is no row of the table above it.
    others = (
        "Name,Email,Phone\nMele Fifita,mf@example.org,07700900128\n\n"
        "Mobile,DOB,Full name\n07700900130,1979-05-06,Tuvshin Enkhbold\n\n"
        "Product,EAN,Price\nOffice Chair,5012345678900,129.99"
    )
    [rows] = asyncio.run(PiiDetector().detect([others], Subject()))
    read = {(f.kind.value, others[f.start : f.end]) for f in rows}
    assert {("PERSON", "Tuvshin Enkhbold"), ("DATE_OF_BIRTH", "1979-05-06")} <= read
    assert ("PERSON", "Office Chair") not in read
    people = [
        {text[f.start : f.end] for f in each if f.kind.value == "PERSON"}
        for text, each in zip(texts, found, strict=True)
    ]
    assert people == [{"Rangi Parata", "Bolormaa Batbayar"}, {"Mele Fifita", "Siosaia Taufa"}]


def test_an_sql_inserts_rows_are_read_by_their_columns() -> None:
    """An ``INSERT`` pasted into a question (why does it fail?) names its columns: the
    values under a name's, a date of birth's or a phone's are those whatever their words,
    row after row; the columns of a table of products make none of its values personal."""
    statement = (
        "why does this fail?\n"
        "INSERT INTO candidatos (nombre, apellidos, correo, fecha_nac, vacante_id)\n"
        "VALUES ('Andrés', 'Quiñónez', 'aq@example.org', '10 de abril de 1963', 99),\n"
        "       ('Mariana', 'O''Dea', NULL, '04/07/1986', 3);\n"
        "INSERT INTO products (name, sku, price) VALUES ('Office Chair', 'CH-1', 129.99);\n"
        "INSERT INTO companies (name, phone, founded)\n"
        "VALUES ('Acme Corp', '020 7946 0958', 1999);\n"
        "INSERT INTO users (first_name, last_name, email) VALUES ('Ana', NULL, 'a@example.org');\n"
        "INSERT INTO employers (name, phone, city) VALUES ('Acme Corp', '0207 946 0958', 'Leeds');"
    )
    [found] = asyncio.run(PiiDetector().detect([statement], Subject()))
    read = {(f.kind.value, statement[f.start : f.end]) for f in found}
    assert {
        ("PERSON", "Andrés"),
        ("PERSON", "Quiñónez"),
        ("DATE_OF_BIRTH", "10 de abril de 1963"),
        ("PERSON", "Mariana"),
        ("PERSON", "O''Dea"),
        ("DATE_OF_BIRTH", "04/07/1986"),
    } <= read
    assert ("PERSON", "Ana") in read
    assert not any(v in value for _, value in read for v in ("Office", "129", "Acme", "NULL"))


def test_a_person_after_a_chinese_japanese_or_korean_label_or_recommended_is_a_name() -> None:
    """A parcel's recipient, an emergency contact in a form's table and a recommendation's
    candidate are people in a text of Han or Hangul (where a run of them alone says
    nothing); a department after the label, or the label inside a longer word ("请联系人事部",
    "contact HR"), is none."""
    texts = [
        "收货人：郭辉\n手机号码：18950437836",
        "| 紧急联系人 | 이명숙 | 电话 | 041-530-9069 |",
        "我谨推荐郑勇应聘贵公司的后端工程师职位。",
        "联系人：人事部\n请联系人事部。\n联系人：HR部门\n담당자: 인사팀\n紧急联系人：无\n"
        "候选人：应届毕业生优先\n收货人：阿里巴巴\n| 联系人 | 人事部 |\n欢迎推荐朋友加入我们。\n"
        "候选人：高学历\n联系人：万达\n推荐程序员加入\n담당자: 추후 안내\n비상연락인: 홍보부",
    ]
    assert found_in_each(texts, "PERSON") == [["郭辉"], ["이명숙"], ["郑勇"], []]


def test_a_korean_name_before_a_title_or_an_honorific_is_a_name_and_a_heading_is_none() -> None:
    """In Korean text a name is known by what follows it: a job's title ("박서연 과장이"),
    "님" or "씨" ("김지은 님의", "지은 씨는"); a word with its particle before a title
    ("이번에 팀장이": "this time, the team lead") and a form's heading on the first line
    (no capitals to tell it apart) are none."""
    texts = [
        "김지은 님의 보험 신고는 인사팀 박서연 과장이 처리합니다. 지은 씨는 출입증을 "
        "총무팀 정다운 대리에게 받고, 이하늘 팀장은 미팅을 진행합니다.",
        "신규 입사자 인사기록카드\n(주)한빛소프트웨어 인사팀\n서울시 서초구\n"
        "이번에 팀장이 바뀌었습니다. 고객님께 안내합니다. 멘토로 지정된 과장 또는 대리.",
        "강민재 과장님은 금요일까지 문서를 올립니다.",
    ]
    assert found_in_each(texts, "PERSON") == [
        ["김지은", "박서연", "지은", "정다운", "이하늘"],
        [],
        ["강민재"],
    ]


def test_a_chats_speaker_after_a_bare_time_and_vietnamese_names_without_their_marks() -> None:
    """A copied chat's "[10:14] Jane Doe (Acme):" names a person; its bots and roles
    ("[08:47] VP Talent Acquisition:", "[09:30] Bot RH:") are none. "Le Thi Lan" is
    Lê Thị Lan without her marks; "Le" before no Vietnamese middle name is French."""
    chat = (
        "[10:14] Javier Mayor (TalentoNorte): Buenos días.\n[10:16] Mar Bravo: Dime.\n"
        "[10:17] Javier Mayor (TalentoNorte): Vale.\n[10:18] Mar Bravo: Perfecto.\n"
    )
    roles = (
        "[08:47] VP Talent Acquisition: Freeze from today.\n[09:30] Bot RH: Rappel.\n"
        "[09:31] Bot RH: Rappel.\n[09:32] VP Talent Acquisition: Offers stand.\n"
        "[09:40] Standup Bot: 3 of 3 teams posted.\n[09:41] Standup Bot: Done.\n"
    )
    vietnamese = "Pham Quoc Bao and Le Thi Lan lead; Le Monde covered Le Corbusier."
    found = found_in_each([chat, roles, vietnamese], "PERSON")
    assert found == [
        ["Javier Mayor", "Mar Bravo", "Javier Mayor", "Mar Bravo"],
        [],
        ["Pham Quoc Bao", "Le Thi Lan"],
    ]


def test_signatures_birth_names_initials_and_a_persons_role_in_apposition() -> None:
    """A signature's label in German or Dutch, a birth name's in French, a given name
    written as initials, and a name in apposition to someone's role; not a firm after a
    role on a CV's line, nor a country's or a firm's initials."""
    texts = [
        "Köln, den 24.03.2025\nUnterschrift: A. Fischer",
        "Handtekening medewerker: R.J. de Vries\nNom de naissance : DUPUY",
        "I spoke with the client's project director, Kerem Çelik, this morning.",
        "Experience: Logistics Coordinator, Stark Logistics, 2015 - 2018. As our CEO, Acme "
        "Holdings, said.\n"
        "Reference: A. Then we spoke of the U.S. Army and Bertin S.A.S. in Lyon.",
    ]
    assert found_in_each(texts, "PERSON") == [
        ["A. Fischer"],
        ["R.J. de Vries", "DUPUY"],
        ["Kerem Çelik"],
        [],
    ]


def test_a_persons_own_site_without_a_scheme_and_a_german_insurance_number() -> None:
    """A site its owner names as theirs ("my portfolio is sannebakker.nl", "Portfolio:
    asha-kulkarni.in") is a link of theirs without "www." or a scheme; a firm's ("our
    website is acme.com") and a tool's name ("Node.js") are none. A German social
    insurance number after its label."""
    texts = [
        "My portfolio and past talks are on jihoonpark.kr. Hire me. Portfolio: asha.in",
        "Our website is acme.com. My blog runs on Node.js; see e.g. the docs.",
        "Sozialversicherungsnummer: 53 020887 F 515\nSV-Nr.: 12 150385 M 012",
    ]
    assert found_in_each(texts, "LINK") == [["jihoonpark.kr", "asha.in"], [], []]
    assert found_in_each(texts, "NATIONAL_ID")[2] == ["53 020887 F 515", "12 150385 M 012"]


def test_flats_before_named_buildings_irish_estates_eircodes_and_korean_roads() -> None:
    """A flat and a building's name before the street ("Apt 12, The Maltings, Bow
    Street"), an Irish estate ("4 Orchard Lawns"), an Eircode alone, a Korean road in
    English after two units; not a part number of the Eircode's first shape."""
    texts = [
        "Sure. Apt 12, The Maltings, Bow Street, Dublin 7, D07 N9K2. Or 4 Orchard Lawns, Cork.",
        "I have Apt 1203, Building 101, 25 Banpo-daero, Seocho-gu, from your form.",
        "Part T12 ABCD and A12 1234 ship on Monday.",
    ]
    assert found_in_each(texts, "ADDRESS") == [
        ["Apt 12, The Maltings, Bow Street", "D07 N9K2", "4 Orchard Lawns"],
        ["Apt 1203, Building 101, 25 Banpo-daero"],
        [],
    ]


def test_a_turkish_address_and_an_italian_staircase() -> None:
    """Turkish writes the street's type after its name and the door's number after "No:";
    an Italian address may end with its staircase's letter and its flat."""
    texts = [
        "Adres: Caddebostan Mah. Bağdat Cad. No: 214 D: 7 Kadıköy/İstanbul",
        "Adresim Kızılırmak Mahallesi, 1443. Cadde No: 12/8 Çankaya/Ankara",
        "Residenza: Via Giuseppe Verdi 18, scala B, int. 6 - 20121 Milano",
    ]
    found = found_in_each(texts, "ADDRESS")
    assert found[0][0] == "Caddebostan Mah. Bağdat Cad. No: 214 D: 7"
    assert found[1] == ["Kızılırmak Mahallesi, 1443. Cadde No: 12/8"]
    assert found[2][0] == "Via Giuseppe Verdi 18, scala B, int. 6"


def test_a_given_name_before_a_family_name_the_model_misses() -> None:
    """Indian, Turkish, Portuguese and Polish family names after a given name, in prose
    as in minutes; not a title, a firm's or a place's word before one, nor a firm with
    its legal form after it."""
    texts = [
        "Second round done with Rohan Mehta and Pooja Iyer.\nLucky Arora: Withdrew.",
        "Serkan Demir tarafından yapılacaktır. A Graça Moreira, do financeiro.",
        "We bank with Banco Santos near Praia Costa; Da Costa (2011–2015); the Macedo Cardoso "
        "Ltda. wiki.",
        "We spoke to Mr Mehta today.",
    ]
    assert found_in_each(texts, "PERSON") == [
        ["Rohan Mehta", "Pooja Iyer", "Lucky Arora"],
        ["Serkan Demir", "Graça Moreira"],
        [],
        ["Mehta"],
    ]


def test_a_known_given_name_before_a_family_name() -> None:
    """A given name common in some country, then words written as a family name, is a
    person wherever it stands; not a tool's, a place's or a firm's name that starts with
    a given name, nor a given name that is another language's function word."""
    texts = [
        "Have you met Dorota Wołk yet? Yesterday Grzegorz Pawlak signed, and Mirela van "
        "der Berg too.",
        "Deployed with Argo CD; studying for Red Hat RHCE; offices in San Pietro, near "
        "Victoria Station and in the Jordan Valley; Carlos III de Madrid.",
        "Bei den Stammdaten fehlt nichts. Invoice from Karin Weber GmbH and Mai Công ty.",
    ]
    found = found_in_each(texts, "PERSON")
    assert found[0] == ["Dorota Wołk", "Grzegorz Pawlak", "Mirela van der Berg"]
    assert found[1:] == [[], []]


def test_a_polish_given_name_in_its_cases() -> None:
    """Polish declines a given name ("z Kamilem", "Pani Agnieszko"): in Polish text a
    known given name with a case ending is still one, before a family name or after a
    title; elsewhere the endings are not read ("Marka" of a text in English is no
    Marek). A text's first word before a word in lower case starts a sentence, not a
    CV's header ("Bardzo dziękuję, ...")."""
    texts = [
        "Wczoraj rozmawiałam z Kamilem Wróblem, a CV Piotra Zająca przekażę jutro.",
        "Bardzo dziękuję, Pani Agnieszko, za szybką odpowiedź.",
        "We use Marka Tools daily.",
    ]
    assert found_in_each(texts, "PERSON") == [
        ["Kamilem Wróblem", "Piotra Zająca"],
        ["Agnieszko"],
        [],
    ]


def test_a_polish_given_name_alone_in_polish_text() -> None:
    """A given name in use in Poland, or its short form, standing alone in Polish text
    in any case is a person ("Adrian", "z Gosią"); not a Polish word ("Dobra"), not a
    place after "w" ("w Oliwie", a district, not Oliwia), not in English text."""
    texts = [
        "Adrian przygotuje ofertę, a z Gosią porozmawiam jutro, bo jest bardzo zajęta.",
        "Spotkanie w Oliwie było bardzo udane. Dobra oferta też się liczy, więc czekamy.",
        "Adrian Street is where the office is.",
    ]
    assert found_in_each(texts, "PERSON") == [["Adrian", "Gosią"], [], []]


def test_a_phone_number_with_a_korean_or_japanese_particle_after_it_is_found() -> None:
    """Korean and Japanese write a particle right after a number ("02-7034-0827으로",
    "to 02-…"): the number is still one; a Latin letter after digits makes them a code,
    and a salary's range or an order number before a particle is no phone."""
    texts = [
        "혹시 연락처가 바뀌어서 02-7034-0827으로 부탁드려요",
        "電話 090-1234-5678まで",
        "Ticket 0207-946-0958abc\n薪资 15000-20000元/月\n订单号 20230415123456已发货\n"
        "ISBN 978-89-6848-123-4를\n预算 0-5000000元\n변화율 +0.1234567로",
    ]
    assert found_in_each(texts, "PHONE") == [["02-7034-0827"], ["090-1234-5678"], []]


def test_an_address_after_a_labels_note_and_a_street_named_with_a_particle() -> None:
    """A form's note between an address label and its colon; a street whose number comes
    first and whose name holds a particle, its house number after a comma; a Vietnamese
    house number through its lanes before a street named in Vietnamese (not a date before
    a town); and no street address after "Email address:", which labels an email."""
    texts = [
        "5. Current address (outside the UK): Unit 20/36 Brandon Boulevard, Yass 2582\n6. TFN",
        "Apt. 66 Avenida Vinicius da Mata, 32\nRecife",
        "We write to 4 rue Victor de Laprade, Lyon.",
        "Email address (work): ana@example.com; IP 10.0.0.1",
        "Gửi về 3/90/902 Trần Phú, Hải Phòng; ngày sinh 06/12/1981 Thành phố Huế.",
    ]
    assert found_in_each(texts, "ADDRESS") == [
        ["Unit 20/36 Brandon Boulevard, Yass 2582"],
        ["66 Avenida Vinicius da Mata, 32"],
        ["4 rue Victor de Laprade"],
        [],
        ["3/90/902 Trần Phú"],
    ]


def found_in_each(texts: list[str], kind: str) -> list[list[str]]:
    """The values of ``kind`` the detector finds in each text of a request that names no
    subject."""
    found = asyncio.run(PiiDetector().detect(texts, Subject()))
    return [
        [text[f.start : f.end] for f in each if f.kind.value == kind]
        for text, each in zip(texts, found, strict=True)
    ]


def test_a_phone_against_a_cjk_word_a_date_of_birth_in_prose_or_a_log_and_a_log_lines_address() -> (
    None
):
    """A phone number written against the Japanese or Chinese word before it after a
    phone's label (not an order number, a period or an amount without one); a date of
    birth after "nací el" or a log line's bare ``dob=`` (not a project's "nació el"); a
    log line's ``addr_line1`` and bare ``pincode`` (not a network's ``addr``, nor a bare
    ``zip`` that is no postcode, nor a file's ``.zip:`` and its size)."""
    phones = [
        "了解です！電話いただくなら05-1213-8940の方でお願いします",
        "手机13812345678",
        "订单号2023123456789已发货",
        "勤務期間05.2019-08.2021",
        "売上0 123 456 789円",
    ]
    assert found_in_each(phones, "PHONE") == [["05-1213-8940"], ["13812345678"], [], [], []]
    births = [
        "claro! y nací el 10 de julio de 2001",
        "payload first_name=Arya dob=4-Mar-1981 id_type=Aadhaar",
        "el proyecto nació el 3 de mayo de 2019",
    ]
    assert found_in_each(births, "DATE_OF_BIRTH") == [["10 de julio de 2001"], ["4-Mar-1981"], []]
    logs = [
        'addr_line1="77/962, Walia" city=Gurgaon pincode=217726 prev="Menon"',
        'addr="tcp 10.0.0.1 port 8080" zip=2024-05 level=9',
        "Attached backup.zip: 120MB and logs.zip: 3 GB. Zip: 10115",
    ]
    assert found_in_each(logs, "ADDRESS") == [["77/962, Walia", "217726"], [], ["10115"]]


def test_an_employees_label_names_a_person_of_two_words_not_a_department() -> None:
    """An employee's label in French, German (in its inclusive spellings) and Dutch
    before a name; not before one word, which is a department or a contract as often."""
    texts = [
        "Collaborateur : BOURDON Léon          Matricule : 22038",
        "Mitarbeiter:in: Anna Schmidt\nMitarbeiter(in): Jonas Weber",
        "Mitarbeiter: Vertrieb\nMedewerker: Klantenservice\nCollaborateur : CDI",
    ]
    assert found_in_each(texts, "PERSON") == [
        ["BOURDON Léon"],
        ["Anna Schmidt", "Jonas Weber"],
        [],
    ]


@pytest.mark.timeout(20)  # exponential, the search took minutes; linear, milliseconds
def test_a_name_of_many_repeated_letters_is_searched_in_linear_time() -> None:
    """A name whose letters could each be one letter or two ("aa" of "å") against a run of
    that letter: every way of reading the run was tried, twice as long for each pair
    more, and a short text held the process for seconds."""
    text = "Hi A" + "a" * 59 + " Smith,\n" + "a" * 150 + "b Smith"
    assert found_in_each([text], "PERSON") == [["A" + "a" * 59 + " Smith", "Smith"]]


def test_a_column_of_the_people_a_record_names_by_their_role() -> None:
    """An ATS export's owner column holds a recruiter's name; a task list's owner column
    holding teams holds no name."""
    export = (
        '"Candidate Name","Email","Source","Owner"\n'
        '"Rodney Harrington","rodney@example.com","Referral","Claudio Monte"\n'
    )
    tasks = "Task\tOwner\tDue\nMigrate billing\tPlatform Team\t2025-03-01\n"
    assert found_in_each([export, tasks], "PERSON") == [
        ["Rodney Harrington", "Claudio Monte"],
        [],
    ]


def test_the_names_on_a_list_of_attendees() -> None:
    """Each person on an attendee list, in French or English, a note in brackets after
    the name left as it is, the list's full stop too; not a team of one word or of a
    team's word, nor a vendor's product or a room."""
    texts = [
        "Présents : Adelinde Löffler (RH), Sébastien Brun (manager), deux membres de l'équipe",
        "Attendees: Jane Doe, Marketing, Product Team and Ravi Patel; Sales Ops",
        "Participants: AWS Lambda, IBM Watson, Zoom Room 2, BOURDON Léon",
        "Attendees: Google Meet, Microsoft Teams, Amazon Chime, Mira Okafor",
        "Attendees: Tom Reed, Anna Berg.\nPanel: Lisa Wong, Anna B.",
    ]
    assert found_in_each(texts, "PERSON") == [
        ["Adelinde Löffler", "Sébastien Brun"],
        ["Jane Doe", "Ravi Patel"],
        ["BOURDON Léon"],
        ["Mira Okafor"],
        ["Tom Reed", "Anna Berg", "Lisa Wong", "Anna B."],  # the list's full stop is not
    ]


CAREER_TEXTS_WITHOUT_PEOPLE = [
    # headings, in capitals or not, in English and other languages
    "ACTION ITEMS\n- Product: write the brief\n\nROOT CAUSE\nA nightly job ran over.",
    "MOCK INTERVIEW – RECORDED SESSION\nRole: Senior Product Analyst",
    "WHAT WENT WELL\n- Alert fired within 3 minutes",
    "Meine Qualifikationen umfassen SAP CO und Power BI. Der Betriebsrat verlangt eine "
    "Ergänzung der Betriebsvereinbarung.",
    # teams on a list, speakers by role, a greeting's sentence
    "Attendees: Talent Acquisition, IT Procurement; Present: Employer Branding, Internal "
    "Communications",
    "Candidate: Yes. At the 25% stage latency jumped.\nInterviewer: Great. Thanks.",
    "Recruiter: Thank you. Expect feedback within five working days.",
    "Madame, Monsieur,\n\nActuellement Responsable Logistique à Lille, je souhaite...",
    # firms and methods named after people, a table's column names
    "Concessions: Ralph Lauren, Tommy Hilfiger and Ted Baker; Maslow's hierarchy, a Gantt chart.",
    "Wholesale partners include Paul Smith, Ted Baker and Ralph Lauren in Selfridges.",
    "| Competency | Evidence | Score |\n| --- | --- | --- |\n| Teamwork | Led the sprint | 4 |",
    # numbers of documents and articles
    "Invoice 2024-00317 approved; SKU 4006381333931; ISBN 978-0-13-468599-1; part no. "
    "01-2205-778-3; Build-ID 20240409.3; ISO 13485.",
    "Depuis 2019, je pilote un entrepôt de 38 000 m².",
    # a sentence's first word, a town, in a text of another language than the model's
    "2. Reistijd: vanuit Amsterdam is Eindhoven 20 minuten met de trein, Utrecht 30 minuten."
    "\n3. Groeipad: bij bol is doorgroei naar Senior PO na ongeveer 18 maanden gebruikelijk.",
    "Notatka ze spotkania działu. Następnie omówiliśmy budżet, który jest za mały, oraz plan "
    "szkoleń. Dobrze, że Politechnika Gdańska się zgodziła.",
    # a run of a language's everyday words (and, once taken for a name, its words again)
    "Offene Punkte:\n- Bekannte Probleme beim Rollout klären\n- Interne Ausschreibungen bis "
    "Freitag veröffentlichen",
    "Wat Wij Bieden: een goed salaris en flexibele uren.",
    "Beschreiben Sie bitte kurz Ihre Erfahrung mit SAP. Danach beschreiben Sie Ihre Ziele.",
]


@pytest.fixture(scope="module")
def name_finder() -> Iterator[NameFinder]:
    """One name model for the tests of this file that read text with it (each model
    process takes seconds to start)."""
    finder = NameFinder()
    yield finder
    finder.close()


@pytest.mark.parametrize("text", CAREER_TEXTS_WITHOUT_PEOPLE)
def test_career_texts_without_people_keep_their_words(text: str, name_finder: NameFinder) -> None:
    """Headings, teams, speakers' words, firms and methods named after people, columns
    and document numbers: nothing here is personal data (shapes, rules and the model)."""
    findings = asyncio.run(PiiDetector(name_finder).detect([text], Subject()))[0]
    assert [text[f.start : f.end] for f in findings] == []


def test_people_named_with_everyday_words_are_found(name_finder: NameFinder) -> None:
    """A family name that is also a word ("Klein", "Fischer", "Weber") is a person's
    beside a given name or a title, though a run of everyday words alone is none."""
    text = (
        "Anna Fischer kommt am Montag. Der Schlüssel wird von Herrn Klein aus der "
        "Haustechnik übergeben, sagt Frau Weber."
    )
    findings = asyncio.run(PiiDetector(name_finder).detect([text], Subject()))[0]
    masked = " ".join(text[f.start : f.end] for f in findings).split()
    assert {"Anna", "Fischer", "Klein", "Weber"} <= set(masked)
    assert not {"Schlüssel", "Haustechnik"} & set(masked)


PEOPLE_WHOSE_NAMES_ARE_FREQUENT_WORDS = {
    "Según el informe de RR. HH., García López no se presentó a la entrevista del martes.": [
        "García López"
    ],
    "Javi Ruiz me pasó su CV ayer, ¿le echas un vistazo?": ["Javi Ruiz"],
    "Sem Bakker solliciteert voor de functie van data-analist in Utrecht.": ["Sem Bakker"],
    "Ousmane Diop a envoyé son CV pour le poste de comptable à Lyon.": ["Ousmane Diop"],
    "Blessing Adams has accepted the offer for the nursing role.": ["Blessing Adams"],
    "Rüzgar Karaca ile mülakat perşembe günü saat 10'da.": ["Rüzgar Karaca"],
    "Tomek Kaczmarek i Kuba Wróbel zaczynają od maja.": ["Tomek Kaczmarek", "Kuba Wróbel"],
}


@pytest.mark.parametrize("text", PEOPLE_WHOSE_NAMES_ARE_FREQUENT_WORDS)
def test_people_whose_names_are_frequent_words_are_found(
    text: str, name_finder: NameFinder
) -> None:
    """Family and given names that word-frequency lists rank high in some language
    ("Ruiz", "Bakker", "Diop", "Karaca"): a person all the same, in any language."""
    findings = asyncio.run(PiiDetector(name_finder).detect([text], Subject()))[0]
    found = [text[f.start : f.end] for f in findings if f.kind is PiiKind.PERSON]
    assert found == PEOPLE_WHOSE_NAMES_ARE_FREQUENT_WORDS[text]


def test_polish_people_in_polish_text_are_found_in_their_cases(name_finder: NameFinder) -> None:
    """In Polish text the model's people are kept where a given name in any case, a
    common family name or a title says so; its other capitalised words are not."""
    text = (
        "Wczoraj rozmawiałam z Panem Michałem, a potem z Anną Kowalską. Pani Lewandowska "
        "jest zadowolona, że projekt idzie dobrze."
    )
    findings = asyncio.run(PiiDetector(name_finder).detect([text], Subject()))[0]
    assert [text[f.start : f.end] for f in findings] == [
        "Michałem",
        "Anną Kowalską",
        "Pani Lewandowska",
    ]


def test_the_callers_person_is_found_in_polish_cases(name_finder: NameFinder) -> None:
    """The caller names the person as the records write it (the nominative); a Polish
    text declines the name: each case, the given or family name alone too, and the
    short form colleagues write for the given name ("Ania" of Anna) in its cases, are
    that person, read word by word as well. Elsewhere an ending is no case: in English text
    the caller's names add nothing to what is found without them."""
    subject = Subject.of(SubjectSpec(names=["Anna Kowalska", "Paweł Wróbel"]))
    polish = (
        "Dziś rozmawiałam z Anną Kowalską. CV Anny Kowalskiej przekazałam Pawłowi "
        "Wróblowi, a on odpisał: Pani Anno, dziękuję bardzo. O Pawle wiemy, że jest dobry. "
        "Z Anią rozmawiam jutro."
    )
    english = "Annie met the Pawle team; Kowalskiej is a typo here."
    detector = PiiDetector(name_finder)
    findings = [asyncio.run(detector.detect([text], subject))[0] for text in (polish, english)]
    assert [polish[f.start : f.end] for f in findings[0]] == [
        "Anną Kowalską",
        "Anny Kowalskiej",  # found whole, by the rule for a given name's cases
        "Pawłowi",
        "Wróblowi",
        "Anno",
        "Pawle",
        "Anią",
    ]
    assert findings[1] == asyncio.run(detector.detect([english], Subject()))[0]
    for search in (find_names_by_word, find_name_parts):
        found = search(polish, ("Anna Kowalska", "Paweł Wróbel"), {"Anna Kowalska"})
        assert [polish[f.start : f.end] for f in found][1:3] == ["Anny", "Kowalskiej"]


def test_the_callers_person_is_found_by_a_short_form_of_the_given_name() -> None:
    """Colleagues write a short form of the given name the caller gives in full
    ("Robbie", "Kate" of Robert and Katherine), in title case ("the mike", "MIKE" are
    not Michael); one that is an everyday word ("Will" of William) counts only where no
    sentence starts and no capitalised word follows ("Will you send the bill?", "A Frank
    Discussion" are words, "Thanks, Will" the person). Only the caller's names have them:
    a name found in the text does not make "Bill" of the "Finance Bill" a person."""
    names = ("Robert Fischer", "Katherine O'Neill", "William Okafor", "Michael Chen")
    text = (
        "Update on Robbie: Robbie Fischer starts Monday. Will you send the bill? "
        "Thanks, Kate; hey katie. I asked Will and bob. The mike was off, MIKE."
    )
    for search in (find_names_by_word, find_name_parts):
        found = [(text[f.start : f.end], f.part) for f in search(text, names, set(names))]
        assert found == [
            ("Robbie", "GIVEN"),
            ("Robbie", "GIVEN"),
            ("Fischer", "FAMILY"),
            ("Kate", "GIVEN"),
            ("Will", "GIVEN"),
        ]
        found_elsewhere = ("Frederick Chen",)  # not the caller's
        assert list(search("The Finance Bill and Fred passed.", found_elsewhere, set())) == []


def test_short_forms_hide_neither_a_typo_of_a_part_nor_another_persons_given_name() -> None:
    """What the short forms must not cost: a part's spelling with a letter left out that
    is an everyday word is still the part ("Green" of the caller's Greene), and another
    person's given name that is a caller's short form at a sentence's start is still
    that person's ("Will" of Will Smith beside the caller's William)."""
    for search in (find_names_by_word, find_name_parts):
        typo = "Ms Green called again. I told Green the role is filled."
        found = [typo[f.start : f.end] for f in search(typo, ("Mary Greene",), {"Mary Greene"})]
        assert found == ["Green", "Green"]
        names = ("William Okafor", "Will Smith")
        text = "Will Smith starred. Will was great."
        found_for = [(text[f.start : f.end], f.canonical) for f in search(text, names, {names[0]})]
        assert found_for == [("Will Smith", "Will Smith"), ("Will", "Will Smith")]


def test_a_polish_case_of_a_name_is_not_an_everyday_word_or_another_names_part() -> None:
    """A name's Polish case counts only in Polish text (not beside "zł" in English), not
    where it is an everyday Polish word ("Ale", "Ani" of Ala, Ania) and not where it is
    another of the request's names as written ("Jana" of Jana Kowalska, not Jan Nowak)."""
    names = ("Agnieszka Nowak", "Alicja Zając", "Anna Zielińska", "Jan Nowak", "Jana Kowalska")
    texts = [
        "Age: 34. Expected salary 12 000 zł gross, currently 9 500 zł.",
        "Ale to nie wszystko. Ani jeden kandydat nie przyszedł, dziękuję bardzo.",
        "Jana przyszła dziś i też jest zadowolona, że wszystko gotowe.",
    ]
    for search in (find_names_by_word, find_name_parts):
        found = [
            [(t[f.start : f.end], f.canonical) for f in search(t, names, set(names))] for t in texts
        ]
        assert found == [[], [], [("Jana", "Jana Kowalska")]]


def test_names_beside_headings_teams_and_function_words_are_still_found(
    name_finder: NameFinder,
) -> None:
    """What the rules above leave alone does not hide a name beside it: a name in
    capitals before its title, two on one attendee's line, after a sign-off's dash, after
    a function word opening the sentence."""
    texts = [
        "JANE DOE DATA ANALYST\nLondon",
        "Attendees: JANE DOE AND JOHN SMITH",
        "See you Thursday. Best regards – Mira Okafor",
        "With Anna Berg's help we closed the role; from Tomasz Nowak's references too.",
        "Florence Fontaine a signé le contrat. Florence souhaite conserver son nom. "
        "Madame Lefèvre a appelé.",
    ]
    findings = asyncio.run(PiiDetector(name_finder).detect(texts, Subject()))
    found = [
        [text[f.start : f.end] for f in fs if f.kind is PiiKind.PERSON]
        for text, fs in zip(texts, findings, strict=True)
    ]
    assert found == [["JANE DOE"], ["JANE DOE", "JOHN SMITH"], ["Mira Okafor"],
                     ["Anna Berg", "Tomasz Nowak"],
                     ["Florence Fontaine", "Florence", "Lefèvre"]]  # fmt: skip
