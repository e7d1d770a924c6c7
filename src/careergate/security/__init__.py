"""Key material: the master key and what is derived from it."""

from careergate.security.master_key import MasterKey, MasterKeyError, MasterKeySettingError

__all__ = ["MasterKey", "MasterKeyError", "MasterKeySettingError"]
