"""Caller keys: roles, permissions, expiry, rotation, revocation and the admin API."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import openai
import pytest

from careergate.auth.keys import KeyHasher
from careergate.auth.principal import Role
from conftest import RunningGateway

MESSAGES = [{"role": "user", "content": "Suggest skills for a data analyst"}]


def admin_call(
    gateway: RunningGateway, key: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    root = gateway.base_url.removesuffix("/v1")
    request = urllib.request.Request(  # noqa: S310 - loopback
        root + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def chat(gateway: RunningGateway, key: str, **extra: Any) -> Any:
    return gateway.client(key).chat.completions.create(
        model=extra.pop("model", "gpt-4o-mini"), messages=MESSAGES, **extra
    )


def test_a_reader_key_can_neither_create_keys_nor_call_models(gateway: RunningGateway) -> None:
    reader = gateway.create_key(role=Role.READER)

    status, body = admin_call(gateway, reader, "POST", "/admin/keys", {"user": "x"})
    assert status == 403
    assert body["error"]["code"] == "admin_required"
    with pytest.raises(openai.PermissionDeniedError, match="reader keys may not call models"):
        chat(gateway, reader)
    assert {m.id for m in gateway.client(reader).models.list()}  # reading is allowed


def test_a_service_key_stays_within_its_models_features_and_endpoints(
    gateway: RunningGateway,
) -> None:
    key = gateway.create_key(
        models=["gpt-4o-mini"], features=["resume"], endpoints=["chat/completions"]
    )
    chat(gateway, key, extra_headers={"x-careergate-feature": "resume"})

    with pytest.raises(openai.PermissionDeniedError, match="model `gpt-4o`") as model:
        chat(gateway, key, model="gpt-4o")
    assert model.value.code == "model_not_allowed"
    with pytest.raises(openai.PermissionDeniedError, match="feature `job-match`"):
        chat(gateway, key, extra_headers={"x-careergate-feature": "job-match"})
    with pytest.raises(openai.PermissionDeniedError, match="may not call embeddings"):
        gateway.client(key).embeddings.create(model="gpt-4o-mini", input="x")
    assert gateway.fake.requests[1:] == []  # nothing refused reached the upstream


def test_only_a_key_allowed_to_may_act_for_other_users(gateway: RunningGateway) -> None:
    own = gateway.create_key(user="dana")
    chat(gateway, own, user="dana")
    with pytest.raises(openai.PermissionDeniedError, match="may not act for other users"):
        chat(gateway, own, user="erin")
    with pytest.raises(openai.PermissionDeniedError):
        chat(gateway, own, extra_headers={"x-careergate-user": "erin"})

    service = gateway.create_key(act_for_users=True)
    chat(gateway, service, user="erin")


def test_expired_revoked_and_rotated_out_keys_get_401(
    gateway: RunningGateway, admin_key: str
) -> None:
    expired = gateway.create_key(expires_at=datetime.now(UTC) + timedelta(seconds=0.2))
    time.sleep(0.25)  # an expiry must be in the future when it is set
    with pytest.raises(openai.AuthenticationError, match="expired"):
        chat(gateway, expired)

    revoked = gateway.create_key()
    chat(gateway, revoked)
    status, _ = admin_call(gateway, admin_key, "DELETE", f"/admin/keys/{revoked[:14]}")
    assert status == 200
    time.sleep(gateway.settings.key_cache_seconds + 0.05)
    with pytest.raises(openai.AuthenticationError):
        chat(gateway, revoked)

    old = gateway.create_key(user="fay")
    status, rotated = admin_call(
        gateway, admin_key, "POST", f"/admin/keys/{old[:14]}/rotate", {"grace_seconds": 1.0}
    )
    assert status == 200
    new = rotated["key"]
    assert new != old
    chat(gateway, old)  # within the grace period both work
    chat(gateway, new)
    time.sleep(1.0 + gateway.settings.key_cache_seconds + 0.05)
    with pytest.raises(openai.AuthenticationError, match="rotated out"):
        chat(gateway, old)
    chat(gateway, new)


def test_the_admin_api_manages_keys_and_audits_every_change(
    gateway: RunningGateway, admin_key: str
) -> None:
    status, created = admin_call(
        gateway,
        admin_key,
        "POST",
        "/admin/keys",
        {
            "user": "gus",
            "team": "search",
            "models": ["gpt-4o*"],
            "rpm_limit": 60,
            "budget_usd": "12.50",
            "metadata": {"ticket": "OPS-1"},
        },
    )
    assert status == 201
    key_id = created["id"]
    assert created["budget_usd"] == "12.50"

    status, shown = admin_call(gateway, admin_key, "GET", f"/admin/keys/{key_id}")
    assert (status, shown["user"], shown["rpm_limit"]) == (200, "gus", 60)
    assert "key" not in shown

    status, updated = admin_call(
        gateway, admin_key, "PATCH", f"/admin/keys/{key_id}", {"models": ["gpt-4o-mini"]}
    )
    assert (status, updated["models"], updated["team"]) == (200, ["gpt-4o-mini"], "search")

    status, listed = admin_call(gateway, admin_key, "GET", "/admin/keys")
    assert key_id in {k["id"] for k in listed["data"]}
    assert created["key"] not in json.dumps(listed)

    status, bad = admin_call(gateway, admin_key, "POST", "/admin/keys", {"rpm_limit": -1})
    assert (status, bad["error"]["param"]) == (400, "rpm_limit")

    status, audit = admin_call(gateway, admin_key, "GET", "/admin/audit")
    mine = [e for e in audit["data"] if e["target"] == key_id]
    assert [e["action"] for e in mine] == ["key.updated", "key.created"]
    assert mine[0]["actor"] == f"key:{admin_key[:14]}"
    assert mine[0]["source"] == "127.0.0.1"
    assert created["key"] not in json.dumps(audit)


def test_no_secret_is_stored_in_the_database(gateway: RunningGateway, admin_key: str) -> None:
    _, created = admin_call(gateway, admin_key, "POST", "/admin/keys", {"user": "hal"})
    _, rotated = admin_call(gateway, admin_key, "POST", f"/admin/keys/{created['id']}/rotate", {})
    database = b"".join(p.read_bytes() for p in gateway.settings.data_dir.glob("careergate.db*"))
    for secret in (admin_key, created["key"], rotated["key"]):
        assert secret.encode() not in database
        assert secret[14:].encode() not in database


@pytest.mark.parametrize("key_length", [16, 32, 64, 65, 100])
def test_a_key_hashes_as_hmac_sha256_does(key_length: int) -> None:
    """The keyed hash of a caller key is RFC 2104's HMAC-SHA256 (as the standard library
    makes it), so that keys stored by any version keep authenticating, whatever the
    hashing key's length (one beyond the hash's block is hashed first)."""
    hash_key = bytes(range(key_length))
    hasher = KeyHasher(hash_key)
    for secret in ("sk-cg-abcdefghijklmnopqrstuvwxyz", "sk-cg-" + "é" * 40):
        expected = hmac.new(hash_key, secret.encode(), hashlib.sha256).hexdigest()
        assert hasher.digest(secret) == expected
