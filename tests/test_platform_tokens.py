"""Tokens of the platform's authentication service (RS256 and ES256 against a JWKS)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import openai
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from careergate.auth.permissions import KeySpec
from careergate.runtime import key_store, open_database
from careergate.security.master_key import MasterKey
from careergate.settings import JwtSettings, Settings
from careergate.testing import FakeOpenAI
from conftest import (
    RunningGateway,
    cli_env,
    free_port,
    gateway_settings,
    run_cli,
    start_gateway,
)
from test_postgres import fresh_postgres_database

ISSUER = "https://auth.career.example"
AUDIENCE = "careergate"
MESSAGES = [{"role": "user", "content": "Recommend skills"}]

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks() -> dict[str, Any]:
    rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY.public_key()))
    ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(EC_KEY.public_key()))
    return {
        "keys": [{**rsa_jwk, "kid": "rsa-1", "use": "sig"}, {**ec_jwk, "kid": "ec-1", "use": "sig"}]
    }


def token(
    *, key: Any = RSA_KEY, kid: str = "rsa-1", algorithm: str = "RS256", **claims: Any
) -> str:
    payload = {
        "sub": "user-42",
        "team": "design",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": int(time.time()) + 300,
        **claims,
    }
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture(scope="module")
def jwt_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    directory = tmp_path_factory.mktemp("jwt")
    jwks_file = directory / "jwks.json"
    jwks_file.write_text(json.dumps(jwks()))
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            directory,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            jwt=JwtSettings(jwks_file=jwks_file, issuer=ISSUER, audience=AUDIENCE),
        )
        yield from start_gateway(settings, fake)


def ask(gateway: RunningGateway, credential: str, **options: Any) -> Any:
    client = openai.OpenAI(base_url=gateway.base_url, api_key=credential, max_retries=0)
    with client:
        return client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=MESSAGES, **options
        )


def test_a_token_authenticates_its_user(jwt_gateway: RunningGateway) -> None:
    raw = ask(jwt_gateway, token())
    row = jwt_gateway.usage_record(raw.headers["x-request-id"])
    assert (row.user_id, row.team) == ("user-42", "design")

    raw = ask(jwt_gateway, token(key=EC_KEY, kid="ec-1", algorithm="ES256", sub="user-7"))
    assert jwt_gateway.usage_record(raw.headers["x-request-id"]).user_id == "user-7"


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (lambda: token(exp=int(time.time()) - 5), "expired_token"),
        (lambda: token(aud="someone-else"), "invalid_token"),
        (lambda: token(iss="https://evil.example"), "invalid_token"),
        (lambda: token(key=OTHER_KEY), "invalid_token"),
        (lambda: token(kid="unknown"), "invalid_token"),
        (lambda: token(key=EC_KEY, kid="rsa-1", algorithm="ES256"), "invalid_token"),
        (lambda: token(kid="ec-1"), "invalid_token"),
        (lambda: token().rsplit(".", 1)[0] + ".AAAA", "invalid_token"),
    ],
)
def test_a_bad_token_gets_401(jwt_gateway: RunningGateway, bad: Any, code: str) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(jwt_gateway, bad())
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("claims", "named"),
    [
        ({"sub": "u" * 201}, "`sub`"),
        ({"sub": "user\x00-42"}, "`sub`"),
        ({"sub": "user\n42"}, "`sub`"),
        ({"sub": "user\x7f"}, "`sub`"),
        ({"team": "t" * 201}, "`team`"),
        ({"team": "design\x00"}, "`team`"),
        ({"team": {"name": "design"}}, "`team`"),
    ],
)
def test_a_token_whose_recorded_claims_no_record_could_hold_gets_401(
    jwt_gateway: RunningGateway, claims: dict[str, Any], named: str
) -> None:
    """A user or team no usage record can keep is refused at the door, naming the claim,
    whether the token is the credential or names the user a service key speaks for."""
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(jwt_gateway, token(**claims))
    assert caught.value.code == "invalid_token"
    assert named in caught.value.message
    service = jwt_gateway.create_key()
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(jwt_gateway, service, extra_headers={"x-careergate-user-token": token(**claims)})
    assert named in caught.value.message


def test_a_token_with_the_longest_claims_a_record_holds_is_metered(
    jwt_gateway: RunningGateway,
) -> None:
    user, team = "u" * 200, "t" * 200
    raw = ask(jwt_gateway, token(sub=user, team=team))
    assert (jwt_gateway.usage_record(raw.headers["x-request-id"]).user_id) == user


@pytest.mark.parametrize("algorithms", [["HS256"], ["RS256", "none"], ["RS256", "HS512"], []])
def test_symmetric_or_unsigned_algorithms_are_refused_at_start(
    tmp_path: Path, algorithms: list[str]
) -> None:
    """Keys come from a JWKS of public keys: an HMAC algorithm would take the public key
    as its shared secret, and ``none`` takes no signature. ``careergate serve`` says so and
    stops, without a traceback."""
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(jwks()))
    env = cli_env(
        CAREERGATE_DATA_DIR=str(tmp_path / "data"),
        CAREERGATE_MASTER_KEY=MasterKey.generate().to_base64(),
        CAREERGATE_JWT_JWKS_FILE=str(jwks_file),
        CAREERGATE_JWT_ALGORITHMS=json.dumps(algorithms),
    )
    done = run_cli(env, "serve", "--port", str(free_port()), check=False)
    assert done.returncode == 2
    assert "CAREERGATE_JWT_ALGORITHMS" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    refused = [name for name in algorithms if name != "RS256"] or ["an empty list"]
    assert all(name in done.stderr for name in refused)
    with pytest.raises(ValidationError, match="public-key algorithms"):
        JwtSettings(jwks_file=jwks_file, algorithms=algorithms)


@pytest.mark.postgres
def test_tokens_are_metered_on_postgresql(tmp_path: Path) -> None:
    """The records of a token's calls fit PostgreSQL's columns (a long issuer included)."""
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(jwks()))
    issuer = "https://authentication.platform.career.example/realms/production"
    with fresh_postgres_database() as url, FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            database_url=url,
            jwt=JwtSettings(jwks_file=jwks_file, issuer=issuer, audience=AUDIENCE),
        )
        for gateway in start_gateway(settings, fake):
            raw = ask(gateway, token(iss=issuer, sub="u" * 200, team="t" * 200))
            row = gateway.usage_record(raw.headers["x-request-id"])
            assert (row.user_id, row.team) == ("u" * 200, "t" * 200)
            assert str(row.key_id).startswith("token:")
            assert not list(settings.dead_letter_dir.glob("*.jsonl"))


def test_a_service_key_names_its_user_with_a_token(jwt_gateway: RunningGateway) -> None:
    service = jwt_gateway.create_key()  # without the act-for-users permission
    raw = ask(jwt_gateway, service, extra_headers={"x-careergate-user-token": token(sub="u-9")})
    assert jwt_gateway.usage_record(raw.headers["x-request-id"]).user_id == "u-9"
    with pytest.raises(openai.PermissionDeniedError):
        ask(jwt_gateway, service, user="u-9")


def test_the_jwks_can_come_from_a_url(tmp_path: Path) -> None:
    body = json.dumps(jwks()).encode()

    class Serve(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Serve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    try:
        with FakeOpenAI() as fake:
            settings = gateway_settings(
                tmp_path,
                [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
                jwt=JwtSettings(jwks_url=url, issuer=ISSUER, audience=AUDIENCE),
            )
            for gateway in start_gateway(settings, fake):
                assert ask(gateway, token()).parse().choices
    finally:
        server.shutdown()
        server.server_close()


def test_a_caller_that_goes_away_does_not_fail_others_waiting_for_the_same_key(
    tmp_path: Path,
) -> None:
    """Requests with one uncached key share one lookup: cancelling the request that
    started it must leave the others their answer."""
    settings = Settings(data_dir=tmp_path, master_key=MasterKey.generate().to_base64())

    async def scenario() -> None:
        database = await open_database(settings)
        try:
            keys = await key_store(settings, database)
            secret = (await keys.create(KeySpec(user="ann"))).secret
            first = asyncio.create_task(keys.authenticate(secret))
            await asyncio.sleep(0)  # the first starts the lookup and waits on the database
            others = [asyncio.create_task(keys.authenticate(secret)) for _ in range(3)]
            await asyncio.sleep(0)
            first.cancel()
            principals = await asyncio.gather(*others)
            assert [p.user for p in principals] == ["ann"] * 3
            with pytest.raises(asyncio.CancelledError):
                await first
        finally:
            await database.close()

    asyncio.run(scenario())
