"""Who is calling: caller keys and the principal they stand for."""

from careergate.auth.keys import KeyHasher
from careergate.auth.principal import Principal, Role
from careergate.auth.store import CreatedKey, KeyInfo, KeyStore

__all__ = ["CreatedKey", "KeyHasher", "KeyInfo", "KeyStore", "Principal", "Role"]
