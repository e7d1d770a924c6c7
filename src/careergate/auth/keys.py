"""Caller key secrets: how they look, and the keyed hash that is all we store of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "sk-cg-"
SHOWN_CHARS = 8
"""Characters after ``sk-cg-`` kept in listings so operators can tell keys apart."""


class KeyHasher:
    """Makes new caller keys and hashes presented ones with HMAC-SHA256.

    A keyed hash (not a plain one) means a stolen database cannot be used to test
    guessed keys offline without the master key.
    """

    def __init__(self, hash_key: bytes) -> None:
        # Keyed once: a copy of a keyed HMAC costs less than half of keying a new one,
        # and every request's key is hashed.
        self._keyed = hmac.new(hash_key, digestmod=hashlib.sha256)

    def new_secret(self) -> str:
        return KEY_PREFIX + secrets.token_urlsafe(32)

    def digest(self, secret: str) -> str:
        mac = self._keyed.copy()
        mac.update(secret.encode())
        return mac.hexdigest()

    @staticmethod
    def prefix(secret: str) -> str:
        return secret[: len(KEY_PREFIX) + SHOWN_CHARS]

    @staticmethod
    def looks_like_key(secret: str) -> bool:
        return secret.startswith(KEY_PREFIX) and 20 <= len(secret) <= 200
