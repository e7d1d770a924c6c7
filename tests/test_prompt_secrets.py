"""Credentials in prompts never reach the upstream: masked, or the request refused, by
the config's ``secrets:`` mode per key and feature, whatever the privacy mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
import yaml

from careergate.auth.permissions import KeySpec
from careergate.runtime import key_store
from careergate.storage.database import Database
from careergate.testing import FakeOpenAI
from careergate.tokenizer import TokenCounter
from conftest import RunningGateway, gateway_settings, in_database, start_gateway

AWS_KEY_ID = "AKIA" + "Q3EGRT7HXN2LPW4Z"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
GITHUB = "ghp_" + "x7Rk2LmPq9TzW4vB8nC1dF5gH3jK6sA0yE2u"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA1x2Yk3Qz8vLmN0pR4sT6uV8wX0yZ2aB4cD6eF8gH0iJ2kL4m\n"
    "-----END RSA PRIVATE KEY-----"
)
PASSWORD = "Tr0ub4dor-and-3"
PRESIGNED = (
    "https://cv-scans.s3.amazonaws.com/scan.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261205%2Feu-west-1%2Fs3%2Faws4_request"
    "&X-Amz-Signature=4d8f0c5b1e"
)
OPENAI = "sk-proj-" + "Qm3vX9tLr2WzB7nK4pHs8dYc1fJe6gAu0iOy5TbNw"
PROMPT = (
    "My deploy fails. Env:\n"
    f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
    f"GITHUB_TOKEN={GITHUB}\nexport OPENAI_API_KEY={OPENAI}\n"
    f"The staging login is admin, password: {PASSWORD}\n{PEM}\n"
    "What is wrong with the region setting?"
)
VALUES = (
    AWS_KEY_ID,
    AWS_SECRET,
    GITHUB,
    PASSWORD,
    "MIIEowIBAAKCAQEA1x2Yk3Qz8vLmN0pR4sT6",
    "sk-proj",
)


@pytest.fixture(scope="module")
def guarded(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningGateway, dict[str, str]]]:
    """Privacy off; credentials masked by default, refused for the `vault-review` feature
    and for one key, sent for the `secrets-lab` feature and for another key."""
    deployments = [
        {"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}
    ]
    settings = gateway_settings(tmp_path_factory.mktemp("secrets"), deployments)

    async def create(database: Database) -> dict[str, tuple[str, str]]:
        keys = await key_store(settings, database)
        made = {name: await keys.create(KeySpec()) for name in ("strict", "loose", "plain")}
        return {name: (key.info.id, key.secret) for name, key in made.items()}

    keys = in_database(settings, create)
    config = yaml.safe_load(settings.config.read_text())  # type: ignore[union-attr]
    config["secrets"] = {
        "mode": "mask",
        "features": {"vault-review": "refuse", "secrets-lab": "off"},
        "keys": {keys["strict"][0]: "refuse", keys["loose"][0]: "off"},
    }
    settings.config.write_text(yaml.safe_dump(config))  # type: ignore[union-attr]
    for running in start_gateway(settings, module_fake):
        yield running, {name: secret for name, (_, secret) in keys.items()}


def sent(fake: FakeOpenAI) -> str:
    return str(fake.requests[-1].body["messages"])


def ask(client: openai.OpenAI, **options: Any) -> str:
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}], **options
    )
    return answer.choices[0].message.content or ""


def test_credentials_are_masked_by_default_even_with_privacy_off(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    gateway, keys = guarded
    gateway.fake.reset()
    assert ask(gateway.client(keys["plain"]))
    upstream = sent(gateway.fake)
    assert not [value for value in VALUES if value in upstream]
    assert upstream.count("[SECRET]") >= 6
    assert "What is wrong with the region setting?" in upstream  # the rest is untouched


def test_a_streamed_request_is_masked_too(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    gateway, keys = guarded
    gateway.fake.reset()
    stream = gateway.client(keys["plain"]).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}], stream=True
    )
    assert "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert not [value for value in VALUES if value in sent(gateway.fake)]


def test_a_long_prompt_is_masked_and_refused_like_a_short_one(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    """A body of hundreds of kilobytes is searched off the event loop, with the same
    outcome: its credentials masked, or the request refused where they are."""
    gateway, keys = guarded
    gateway.fake.reset()
    long_prompt = "Led a team of five engineers building payment APIs in Go. " * 6_000 + PROMPT
    messages = [{"role": "user", "content": long_prompt}]
    gateway.client(keys["plain"]).chat.completions.create(model="gpt-4o-mini", messages=messages)
    upstream = sent(gateway.fake)
    assert len(upstream) > 300_000
    assert not [value for value in VALUES if value in upstream]
    with pytest.raises(openai.BadRequestError) as refused:
        gateway.client(keys["strict"]).chat.completions.create(
            model="gpt-4o-mini", messages=messages
        )
    assert refused.value.code == "secret_refused"


@pytest.mark.parametrize("how", ["feature", "key"])
def test_refuse_answers_a_clear_400_and_sends_nothing(
    guarded: tuple[RunningGateway, dict[str, str]], how: str
) -> None:
    gateway, keys = guarded
    gateway.fake.reset()
    client = gateway.client(keys["strict"] if how == "key" else keys["plain"])
    headers = {"x-careergate-feature": "vault-review"} if how == "feature" else {}
    with pytest.raises(openai.BadRequestError) as refused:
        ask(client, extra_headers=headers)
    error = refused.value.body
    assert isinstance(error, dict)
    assert error["code"] == "secret_refused"
    assert error["type"] == "invalid_request_error"
    assert "credentials" in error["message"]
    assert not [value for value in VALUES if value in str(error)]
    assert gateway.fake.requests == []


def test_off_per_feature_or_key_sends_the_prompt_as_written(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    gateway, keys = guarded
    gateway.fake.reset()
    ask(gateway.client(keys["loose"]))
    assert GITHUB in sent(gateway.fake)
    ask(gateway.client(keys["plain"]), extra_headers={"x-careergate-feature": "secrets-lab"})
    assert GITHUB in sent(gateway.fake)
    # A key's mode cannot loosen its feature's: the stricter applies.
    with pytest.raises(openai.BadRequestError):
        ask(gateway.client(keys["loose"]), extra_headers={"x-careergate-feature": "vault-review"})


def test_every_string_of_the_body_is_masked_not_only_the_messages(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    """A credential in a tool's description or schema, the metadata (also as the value
    of a key that names it) or an image URL (its password, a token in its query) never
    leaves; a ``data:`` URL and a presigned URL are sent as they are."""
    gateway, keys = guarded
    gateway.fake.reset()
    image = "data:image/png;base64,iVBORw0KGgo="
    gateway.client(keys["plain"]).chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Describe these."},
                    {"type": "image_url", "image_url": {"url": f"https://ci:{GITHUB}@x.test/a"}},
                    {"type": "image_url", "image_url": {"url": image}},
                    {"type": "image_url", "image_url": {"url": PRESIGNED}},
                    {"type": "image_url", "image_url": {"url": f"https://x.test/a?t={GITHUB}"}},
                ],
            }
        ],
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "deploy",
                    "description": f"Deploys with {OPENAI}",
                    "parameters": {"type": "object", "description": f"key {AWS_KEY_ID}"},
                },
            }
        ],
        metadata={"note": f"password: {PASSWORD}", "X-Api-Key": "k_9f8e7d6c5b4a39"},
    )
    body = gateway.fake.requests[-1].body
    assert not [value for value in VALUES if value in str(body)]
    assert body["metadata"]["X-Api-Key"] == "[SECRET]"
    assert body["messages"][0]["content"][2]["image_url"]["url"] == image
    presigned = body["messages"][0]["content"][3]["image_url"]["url"]
    assert presigned == PRESIGNED  # its key id is by design; masked it could not be fetched
    assert body["tools"][0]["function"]["name"] == "deploy"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("DB_PASSWORD=Qz8vLm3Rt9Wx", "Qz8vLm3Rt9Wx"),
        ("SMTP_PASS=Bx3mQa7Rz1Vc", "Bx3mQa7Rz1Vc"),
        ('ADMIN_PASSWORD="quoted pass phrase"', "quoted pass phrase"),
        ("password: Tr0ub4dor&3Horse then more", "Tr0ub4dor&3Horse"),
        ("Pwd=Tr0ub4dor&3", "Tr0ub4dor&3"),
        ("Client_Secret: abc123XYZ", "abc123XYZ"),
        ("my password is S3cretP@ss99", "S3cretP@ss99"),
        ("Passwort: Geheim!2024", "Geheim!2024"),
        ("mot de passe : Soleil#77", "Soleil#77"),
        ("contraseña: Gato_2023", "Gato_2023"),
        ("ANTHROPIC_API_KEY=xk3j2k4l5m6n7b8v9c0x1z2", "xk3j2k4l5m6n7b8v9c0x1z2"),
        (
            "AZURE_OPENAI_API_KEY=3f9a0c5e1b7d4a28b6c0e9f1d2a4b6c8",
            "3f9a0c5e1b7d4a28b6c0e9f1d2a4b6c8",
        ),
        ("GITHUB_TOKEN=0123456789abcdef0123456789abcdef01234567", "0123456789abcdef01234567"),
        ("AccountName=cv;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;", "Zm9vYmFyYmF6cXV4MTIz"),
        ("aws_session_token = IQoJb3JpZ2luX2VjEJr//wEaCXVz", "IQoJb3JpZ2luX2VjEJr"),
        ('{"secret": "9f8e7d6c5b4a39281706f5e4d3c2b1a0"}', "9f8e7d6c5b4a39281706"),
        ("webhook: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La", "MfKQ9r8GKYqrTwjUPD8I"),
        ("accountkey=A1b2C3d4E5f6G7h8", "A1b2C3d4E5f6G7h8"),
        ("awsSecretKey=A1b2C3d4E5f6G7h8x", "A1b2C3d4E5f6G7h8x"),
    ],
)
def test_passwords_as_settings_and_environment_files_write_them(
    guarded: tuple[RunningGateway, dict[str, str]], line: str, secret: str
) -> None:
    gateway, keys = guarded
    gateway.fake.reset()
    gateway.client(keys["plain"]).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": f"Why?\n{line}\nThanks"}]
    )
    upstream = gateway.fake.requests[-1].body["messages"][0]["content"]
    assert secret not in upstream
    assert "[SECRET]" in upstream
    assert upstream.startswith("Why?")
    assert upstream.endswith("Thanks")


@pytest.mark.parametrize(
    "text",
    [
        "Requirements - Password: at least 8 characters, one number.",
        "IT support: password: resets and account unlocks for 300 staff.",
        "if password == confirm_password:",
        '{"user": "jane", "password": null, "remember": true}',
        '{"name": "x", "password": "", "remember": true}',
        "passphrase: correct horse battery staple",
        "The password is required and must be 8 characters.",
        "max_tokens: 1000, token_type: Bearer, tokenizer: cl100k_base",
        "Secret Santa on 2024-12-20; access tokens: short-lived, rotated every 15 minutes",
        "credentials: AWS Certified Solutions Architect 2023",
        "Password is case-sensitive and must be 12+ characters; it was re-set by IT.",
        "Your password is 8-16 characters long, and your password isn’t shared.",
        "Tokenizer: all-MiniLM-L6-v2; secretary: Maria-Lopez-Office-2B",
    ],
)
def test_prose_and_empty_values_after_a_password_label_are_left_alone(
    guarded: tuple[RunningGateway, dict[str, str]], text: str
) -> None:
    """A value is a password when it is one token holding a digit or a symbol: a job
    ad's requirements, code comparing passwords, and empty or null fields are not (a
    passphrase of plain words is not found either)."""
    gateway, keys = guarded
    gateway.fake.reset()
    gateway.client(keys["plain"]).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )
    assert gateway.fake.requests[-1].body["messages"][0]["content"] == text


@pytest.mark.parametrize(
    ("param", "options"),
    [
        ("user", {"user": GITHUB}),
        ("x-careergate-feature", {"extra_headers": {"x-careergate-feature": OPENAI}}),
        ("model", {"model": f"gpt-4o-mini-{GITHUB}"}),
    ],
)
def test_a_label_holding_a_credential_is_refused_and_kept_nowhere(
    guarded: tuple[RunningGateway, dict[str, str]], param: str, options: dict[str, Any]
) -> None:
    """The user, feature and model name go into usage records, audit entries and the
    request log: one holding a credential is refused without repeating it."""
    gateway, keys = guarded
    gateway.fake.reset()
    request: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Hi"}],
    }
    with pytest.raises(openai.BadRequestError) as refused:
        gateway.client(keys["plain"]).chat.completions.create(**{**request, **options})
    error = refused.value.body
    assert isinstance(error, dict)
    assert (error["code"], error["param"]) == ("secret_refused", param)
    assert not [value for value in (GITHUB, OPENAI) if value in str(error)]
    assert gateway.fake.requests == []
    row = gateway.usage_record(error["request_id"])  # the refusal is recorded, as given
    assert row.status_code == 400
    stored = str([row.user_id, row.feature, row.model_requested])
    assert GITHUB not in stored
    assert OPENAI not in stored


def test_embeddings_inputs_sent_as_token_ids_are_read_as_their_text(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    """Clients that send token ids (LangChain's embeddings do by default) are held to the
    same rule: the ids are read in the model's encoding and, where they hold a credential,
    sent again as the masked text's ids; ids without one go as they came."""
    gateway, keys = guarded
    encoding = TokenCounter().encoding("text-embedding-3-small")
    plain = encoding.encode("Senior data engineer, Spark and Kafka.")
    for inputs in (encoding.encode(PROMPT), [encoding.encode(PROMPT), plain]):
        gateway.fake.reset()
        gateway.client(keys["plain"]).embeddings.create(
            model="text-embedding-3-small", input=inputs
        )
        sent = gateway.fake.requests[-1].body["input"]
        arrays = [sent] if type(sent[0]) is int else sent
        texts = [encoding.decode(array) for array in arrays]
        assert not [value for value in VALUES if value in str(texts)]
        assert "[SECRET]" in texts[0]
        assert "What is wrong with the region setting?" in texts[0]
        if len(arrays) == 2:
            assert arrays[1] == plain


def test_token_ids_of_a_model_whose_encoding_is_not_known_go_as_they_came(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    """Read in a guessed encoding, ids would be another text, and written back another
    input: they are left alone."""
    gateway, keys = guarded
    gateway.fake.reset()
    ids = TokenCounter().encoding("text-embedding-3-small").encode("Senior data engineer")
    served = gateway.fake.state.models
    gateway.fake.state.models = (*served, "house-embedder")  # a self-hosted model's name
    try:
        gateway.client(keys["plain"]).embeddings.create(model="house-embedder", input=[ids])
    finally:
        gateway.fake.state.models = served
    assert gateway.fake.requests[-1].body["input"] == [ids]


def test_a_body_of_many_strings_is_read_as_each_string_is(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    """Past a thousand strings they are first searched together; a credential at the start
    of a line (after a line break, which JSON writes as two characters) is still found."""
    gateway, keys = guarded
    gateway.fake.reset()
    filler = [
        {"role": "user", "content": f"Note number {i} about the roadmap."} for i in range(1_100)
    ]
    secret = {"role": "user", "content": f"Config:\n{GITHUB}\n{OPENAI}"}
    gateway.client(keys["plain"]).chat.completions.create(
        model="gpt-4o-mini",
        messages=[*filler, secret],  # type: ignore[list-item]
    )
    assert not [value for value in (GITHUB, OPENAI) if value in str(gateway.fake.requests[-1].body)]


def test_a_long_quoted_token_is_masked_whole(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    gateway, keys = guarded
    gateway.fake.reset()
    token = "Zq8" + "x" * 857
    gateway.client(keys["plain"]).chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f'{{"refresh_token": "{token}"}}'}],
    )
    assert "xxxxxxxx" not in gateway.fake.requests[-1].body["messages"][0]["content"]


def test_a_request_holding_more_credentials_than_any_prompt_is_refused(
    guarded: tuple[RunningGateway, dict[str, str]],
) -> None:
    """Each masked credential costs microseconds on the event loop: past a thousand in a
    body of many strings the request is refused, not masked one by one."""
    gateway, keys = guarded
    gateway.fake.reset()
    messages = [{"role": "user", "content": f"{i}: {GITHUB}"} for i in range(1_100)]
    with pytest.raises(openai.BadRequestError) as refused:
        gateway.client(keys["plain"]).chat.completions.create(
            model="gpt-4o-mini",
            messages=messages,  # type: ignore[arg-type]
        )
    assert refused.value.code == "secret_refused"
    assert gateway.fake.requests == []
