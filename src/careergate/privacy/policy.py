"""What happens to personal data in a request: per key and per feature, the stricter wins.

- ``off``: nothing is looked for (no cost).
- ``pseudonymise`` (the default): each value becomes a numbered placeholder
  (``[PERSON_1]``) before the request leaves; the answer gets the real values back.
- ``mask``: values become their kind (``[PERSON]``); nothing comes back.
- ``refuse``: a request with personal data is refused (400 ``personal_data_refused``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, field_validator

from careergate.settings import PrivacyMode


class PrivacyConfig(BaseModel):
    """The config file's ``privacy:`` section.

    ::

        privacy:
          mode: pseudonymise            # the default for every request
          features: {job-board: off, resume-builder: refuse}
          names: true                   # the statistical name finder (spaCy)
    """

    model_config = ConfigDict(extra="forbid")

    mode: PrivacyMode = PrivacyMode.PSEUDONYMISE
    """Privacy by default: a career platform's requests are mostly personal data."""
    features: dict[str, PrivacyMode] = Field(default_factory=dict)

    @field_validator("mode", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        return PrivacyMode.OFF if value is False else value  # YAML reads a bare off as false

    @field_validator("features", mode="before")
    @classmethod
    def _yaml_off_per_feature(cls, value: object) -> object:
        if isinstance(value, dict):
            return {name: cls._yaml_off(mode) for name, mode in value.items()}
        return value

    names: bool = True
    """Look for names of people other than the known subject with spaCy's small English
    model (about 1 ms per 100 characters); without it, only known names are found."""


@dataclass(frozen=True, slots=True)
class PrivacyPolicy:
    """Resolves a request's mode from its key's and its feature's."""

    default: PrivacyMode = PrivacyMode.OFF
    features: Mapping[str, PrivacyMode] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: PrivacyConfig) -> PrivacyPolicy:
        return cls(config.mode, dict(config.features))

    @property
    def may_apply(self) -> bool:
        """False when no request can have a mode other than off without a key's own."""
        return self.default is not PrivacyMode.OFF or any(
            mode is not PrivacyMode.OFF for mode in self.features.values()
        )

    def mode_for(self, key_mode: PrivacyMode | None, feature: str | None) -> PrivacyMode:
        """The stricter of the key's and the feature's modes; the default when neither
        names one. A key cannot loosen its feature's mode, nor a feature its key's."""
        feature_mode = self.features.get(feature) if feature is not None else None
        named = [mode for mode in (key_mode, feature_mode) if mode is not None]
        if not named:
            return self.default
        return max(named, key=lambda mode: mode.strictness)
