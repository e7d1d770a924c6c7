"""The master key: the root of every secret careergate keeps.

It comes from ``CAREERGATE_MASTER_KEY`` (base64 of 32 bytes) or from a key file that
only its owner may read, created on first start. Purpose-specific keys are derived
from it with HKDF, so the key that hashes caller keys is not the key that encrypts
upstream credentials.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from careergate.security.file_modes import PRIVATE_DIR

KEY_BYTES = 32


class MasterKeyError(RuntimeError):
    """The master key is missing, malformed or exposed; the message says how to fix it."""


class MasterKeySettingError(MasterKeyError):
    """A master key given in a setting (``CAREERGATE_MASTER_KEY`` or
    ``CAREERGATE_PREVIOUS_MASTER_KEY``) is malformed: a setting to fix, named in the
    message (the CLI exits 2 for it, as for any invalid setting)."""


class MasterKey:
    def __init__(self, material: bytes) -> None:
        if len(material) != KEY_BYTES:
            raise MasterKeyError(f"the master key must be {KEY_BYTES} bytes")
        self._material = material

    def __repr__(self) -> str:
        return "MasterKey(<hidden>)"

    @classmethod
    def from_base64(cls, text: str) -> MasterKey:
        try:
            return cls(base64.b64decode(text.strip(), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise MasterKeyError("the master key must be base64 of 32 random bytes") from exc

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    def to_base64(self) -> str:
        return base64.b64encode(self._material).decode()

    @classmethod
    def from_file(cls, path: Path, *, create: bool = True) -> MasterKey:
        """Read the key file, creating it (mode 0600) when absent and ``create`` is set."""
        if not path.exists():
            if not create:
                raise MasterKeyError(f"no master key file at {path}")
            path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            key = cls.generate()
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(key.to_base64() + "\n")
            return key
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise MasterKeyError(
                f"master key file {path} is readable by others; run: chmod 600 {path}"
            )
        return cls.from_base64(path.read_text())

    @classmethod
    def load(cls, configured: str | None, key_file: Path) -> MasterKey:
        """The configured key (environment) if given, else the key file's."""
        if configured:
            return cls.from_setting("CAREERGATE_MASTER_KEY", configured)
        return cls.from_file(key_file)

    @classmethod
    def from_setting(cls, variable: str, text: str) -> MasterKey:
        """The key ``variable`` holds; ``MasterKeySettingError`` naming it (not its value)
        when it is not base64 of 32 bytes."""
        try:
            return cls.from_base64(text)
        except MasterKeyError as exc:
            raise MasterKeySettingError(f"{variable}: {exc}") from None

    @property
    def key_id(self) -> str:
        """A public fingerprint that tells master keys apart (not usable to attack one)."""
        return self.derive("key-id").hex()[:16]

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose (e.g. ``"caller-key-hash"``)."""
        return HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
        ).derive(self._material)
