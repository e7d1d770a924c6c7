"""Personal data kept from the upstream and restored in answers, through the gateway."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from careergate.auth.principal import Role
from careergate.privacy import PrivacyMode
from careergate.testing import FakeOpenAI
from conftest import Gateway, gateway_settings, start_gateway

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
def private(module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
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
def gateway(private: Gateway) -> Iterator[Gateway]:
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
    gateway: Gateway,
) -> None:
    gateway.fake.script("Please tailor", LETTER)
    answer = _ask(gateway.client(), RESUME_TEXT)
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


def test_placeholders_split_across_stream_chunks_are_restored(gateway: Gateway) -> None:
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


def test_a_person_keeps_one_placeholder_throughout_a_conversation(gateway: Gateway) -> None:
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


def test_a_refusing_key_gets_a_400_naming_kinds_not_values(gateway: Gateway) -> None:
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
    record = gateway.usage_record(caught.value.response.headers["x-request-id"])
    assert (record.status_code, record.error_code) == (400, "personal_data_refused")


def test_feature_modes_mask_or_switch_off_and_a_key_cannot_loosen_them(gateway: Gateway) -> None:
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


def test_a_registered_subject_is_found_without_being_sent(gateway: Gateway) -> None:
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
    assert _sent(gateway.fake).count("[PERSON_1]") == 1
    assert "0199" not in _sent(gateway.fake)

    forget = httpx.delete(f"{root}/admin/privacy/subjects/u-77", headers=headers)
    assert forget.json()["forgotten"] is True


def test_embeddings_input_is_masked(gateway: Gateway) -> None:
    gateway.client().embeddings.create(
        model="text-embedding-3-small", input=["Jane Doe, jane.doe@example.com", "Python"]
    )
    assert gateway.fake.requests[-1].body["input"] == ["[PERSON_1], [EMAIL_1]", "Python"]
