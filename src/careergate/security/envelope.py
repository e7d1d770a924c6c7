"""Envelope encryption: each secret under its own data key, data keys under the master.

A secret is sealed with AES-256-GCM under a fresh random data key; the data key is
sealed under a key-encryption key derived from the master key. Rotating the master key
re-seals only the data keys (``reseal``): the secrets' own ciphertexts never change, and
no plaintext secret is ever written during a rotation. Both layers are authenticated,
and the additional data binds a ciphertext to the row it belongs to, so a ciphertext
copied to another row does not decrypt.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from careergate.security.master_key import MasterKey

NONCE_BYTES = 12


class SealError(RuntimeError):
    """A sealed secret does not open: wrong master key, or the data was altered."""


class MasterKeyMismatch(SealError):
    """The secret was sealed under a master key that is not configured: the master key
    set is not this data's (another data directory's, or a rotation's old one is
    missing). A setting to fix, which the message says how."""


@dataclass(frozen=True, slots=True)
class Sealed:
    ciphertext: bytes
    nonce: bytes
    wrapped_key: bytes
    key_nonce: bytes
    master_key_id: str


class Envelope:
    """Seals and opens secrets under one or more master keys (the current one first)."""

    def __init__(self, current: MasterKey, *previous: MasterKey) -> None:
        self.current = current
        self._keks = {key.key_id: AESGCM(key.derive("vault-kek")) for key in (current, *previous)}

    def seal(self, plaintext: bytes, context: bytes) -> Sealed:
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = secrets.token_bytes(NONCE_BYTES)
        key_nonce = secrets.token_bytes(NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, context)
        wrapped = self._keks[self.current.key_id].encrypt(key_nonce, data_key, context)
        return Sealed(ciphertext, nonce, wrapped, key_nonce, self.current.key_id)

    def _data_key(self, sealed: Sealed, context: bytes) -> bytes:
        kek = self._keks.get(sealed.master_key_id)
        if kek is None:
            raise MasterKeyMismatch(
                "the master key does not open this data directory's secrets: they are "
                f"sealed under master key {sealed.master_key_id}, and the configured one is "
                f"{self.current.key_id}; set CAREERGATE_MASTER_KEY to the key this data "
                "was made with (or CAREERGATE_PREVIOUS_MASTER_KEY during a rotation)"
            )
        try:
            return kek.decrypt(sealed.key_nonce, sealed.wrapped_key, context)
        except InvalidTag:
            raise SealError("the data key does not open: altered data or wrong key") from None

    def open(self, sealed: Sealed, context: bytes) -> bytes:
        data_key = self._data_key(sealed, context)
        try:
            return AESGCM(data_key).decrypt(sealed.nonce, sealed.ciphertext, context)
        except InvalidTag:
            raise SealError("the secret does not open: altered data") from None

    def reseal(self, sealed: Sealed, context: bytes) -> Sealed:
        """The same secret with its data key sealed under the current master key."""
        data_key = self._data_key(sealed, context)
        key_nonce = secrets.token_bytes(NONCE_BYTES)
        wrapped = self._keks[self.current.key_id].encrypt(key_nonce, data_key, context)
        return Sealed(sealed.ciphertext, sealed.nonce, wrapped, key_nonce, self.current.key_id)
