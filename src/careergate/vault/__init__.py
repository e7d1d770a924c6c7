"""The vault: upstream API keys and careergate's own secrets, sealed at rest."""

from careergate.vault.store import KeyStatus, Vault, VaultEntry

__all__ = ["KeyStatus", "Vault", "VaultEntry"]
