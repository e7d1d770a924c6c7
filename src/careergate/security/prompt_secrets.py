"""Credentials in prompts: masked, or the request refused, before anything leaves.

A credential pasted into a prompt (a cloud key in a config file, a code host's token, a
private key, ``password: ...``) is never sent to a model, whatever the request's privacy
mode, ``off`` included: personal-data policy is about people, this is about access that
anyone who reads the prompt would get. Credentials are found by the one secret detector
(``secrets.py``), which also knows the keys the gateway holds and the caller's own.

Every string of the body is read, not only the texts the privacy step reads: a
credential is as readable in a tool's description, a schema or ``metadata`` as in a
message; so are embeddings inputs sent as token ids, as the text they encode. Encoded
payloads (audio and file data in base64) are left as they are: the detector reads text,
and a mask written into them would corrupt them. In the URLs the upstream fetches
(images', files'), everything but a presigned URL's key id is masked. A value under a
key that names a credential (``"X-Api-Key": ...``) is read with that key as its label.

- ``mask`` (the default): each credential becomes ``[SECRET]``; nothing comes back.
- ``refuse``: a request holding one is refused (400 ``secret_refused``).
- ``off``: prompts are sent as they are.

The config file's ``secrets:`` section sets the default, per feature and per key id; of
a key's and its feature's modes the stricter applies::

    secrets:
      mode: mask
      features: {resume-builder: refuse}
      keys: {3f9a0c5e1b7d4a28b6c0e9f1d2a4b6c8: off}   # key ids, as `keys list` shows them
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from careergate.endpoints import EndpointSpec
from careergate.endpoints.slots import Slot, string_slots
from careergate.errors import InvalidRequest
from careergate.security.secrets import RememberedShapes, SecretScanner, SecretSpan, replace_spans

STAND_IN = "[SECRET]"
"""What a masked credential becomes."""


class SecretsMode(StrEnum):
    OFF = "off"
    MASK = "mask"
    REFUSE = "refuse"


_STRICTNESS = {SecretsMode.OFF: 0, SecretsMode.MASK: 1, SecretsMode.REFUSE: 2}


def _yaml_off(value: object) -> object:
    return SecretsMode.OFF if value is False else value  # YAML reads a bare off as false


class SecretsConfig(BaseModel):
    """The config file's ``secrets:`` section."""

    model_config = ConfigDict(extra="forbid")

    mode: SecretsMode = SecretsMode.MASK
    features: dict[str, SecretsMode] = Field(default_factory=dict)
    keys: dict[str, SecretsMode] = Field(default_factory=dict)
    """By key id (``careergate keys list``)."""

    @field_validator("mode", mode="before")
    @classmethod
    def _mode_off(cls, value: object) -> object:
        return _yaml_off(value)

    @field_validator("features", "keys", mode="before")
    @classmethod
    def _each_off(cls, value: object) -> object:
        if isinstance(value, dict):
            # A key id of digits only reads as a number in YAML.
            return {str(name): _yaml_off(mode) for name, mode in value.items()}
        return value


@dataclass(frozen=True, slots=True)
class SecretsPolicy:
    """Resolves a request's mode from its key's and its feature's."""

    default: SecretsMode = SecretsMode.MASK
    features: Mapping[str, SecretsMode] = field(default_factory=dict)
    keys: Mapping[str, SecretsMode] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: SecretsConfig) -> SecretsPolicy:
        return cls(config.mode, dict(config.features), dict(config.keys))

    def mode_for(self, key_id: str | None, feature: str | None) -> SecretsMode:
        """The stricter of the key's and the feature's modes; the default when neither
        names one (so a key can loosen the default, but not its feature's mode)."""
        named = [
            mode
            for mode in (
                self.keys.get(key_id) if key_id is not None else None,
                self.features.get(feature) if feature is not None else None,
            )
            if mode is not None
        ]
        if not named:
            return self.default
        return max(named, key=_STRICTNESS.__getitem__)


class PromptSecrets:
    """Takes credentials out of a request's texts as its mode says."""

    def __init__(self, policy: SecretsPolicy, scanner: SecretScanner) -> None:
        self.policy = policy
        self.scanner = scanner
        self._shapes = RememberedShapes(scanner)
        """The published formats found in texts seen lately (most texts hold none)."""

    def protect(
        self,
        endpoint: EndpointSpec,
        body: dict[str, Any],
        mode: SecretsMode,
        known: Iterable[str] = (),
        remembered: bool = True,
    ) -> int:
        """Mask the credentials in ``body``'s strings in place; how many strings held
        one. Under ``refuse`` a request holding one raises a 400 naming their kinds
        (never the values). ``remembered``: the formats found in each text are looked
        up in (and added to) the memo shared by the event loop's requests; off the
        loop, pass ``False``."""
        if mode is SecretsMode.OFF:
            return 0
        slots = [*string_slots(body, SHORTEST), *endpoint.token_slots(body)]
        shapes = self._shapes if remembered else None
        return self._protect(slots, mode, tuple(known), endpoint.text_param, shapes)

    def protect_document(
        self, document: Any, mode: SecretsMode, known: Iterable[str], param: str | None
    ) -> int:
        """``protect`` for every string of a JSON document careergate keeps to send
        later (a task's items), ``param`` named by a refusal. It shares no memo with the
        request path, so it may run off the event loop."""
        if mode is SecretsMode.OFF:
            return 0
        slots = list(string_slots(document, SHORTEST))
        return self._protect(slots, mode, tuple(known), param, None)

    def _protect(
        self,
        slots: list[Slot],
        mode: SecretsMode,
        known: tuple[str, ...],
        param: str | None,
        shapes: RememberedShapes | None,
    ) -> int:
        texts = [slot.get() for slot in slots]
        # A value under a key that names a credential ({"X-Api-Key": "..."}) is read
        # with its key before it, as a setting: the key is the label that says what the
        # value is.
        labels = [_label(slot.key) for slot in slots]
        read = [label + text for label, text in zip(labels, texts, strict=True)]
        if len(slots) > MANY_STRINGS:
            spans = self.scanner.find_whole("\n".join(read), known)
            if len(spans) > MANY_CREDENTIALS:  # no prompt holds so many: not masked one by one
                raise _refused(
                    param, f"The request holds more than {MANY_CREDENTIALS:,} credentials."
                )
            found = _spans_by_text(read, spans)
        else:
            found = {i: self.scanner.find_whole(t, known, shapes) for i, t in enumerate(read)}
        changed = 0
        for index, spans in found.items():
            if labels[index]:
                spans = _without_label(spans, len(labels[index]))
            if spans and slots[index].key in _URL_FIELDS:
                spans = [span for span in spans if span.kind not in _NOT_IN_URLS]
            if not spans:
                continue
            if mode is SecretsMode.REFUSE:
                kinds = ", ".join(sorted({span.kind for span in spans}))
                raise _refused(
                    param,
                    f"The request contains credentials ({kinds}) and this key or feature "
                    "does not allow credentials to be sent to a model.",
                )
            slots[index].set(replace_spans(texts[index], spans, STAND_IN))
            changed += 1
        return changed


def _refused(param: str | None, why: str) -> InvalidRequest:
    """The 400 for a request not sent for its credentials: why, never their values."""
    return InvalidRequest(
        f"{why} Remove them and send the request again.", code="secret_refused", param=param
    )


def _spans_by_text(texts: list[str], spans: list[SecretSpan]) -> dict[int, list[SecretSpan]]:
    """The spans found in ``texts`` joined by line breaks, as spans of each text (one
    pass over them all instead of a look-up each: a body of a million short strings
    would otherwise hold the event loop for seconds, found or not). No format spans a
    line break but a private key's block, which is cut at the texts' ends."""
    starts = list(itertools.accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
    found: dict[int, list[SecretSpan]] = {}
    for span in spans:
        index = bisect.bisect_right(starts, span.start) - 1
        while index < len(texts) and starts[index] < span.end:
            offset = starts[index]
            start, end = max(span.start - offset, 0), min(span.end - offset, len(texts[index]))
            if start < end:
                found.setdefault(index, []).append(SecretSpan(span.kind, start, end))
            index += 1
    return found


_URL_FIELDS = frozenset({"url", "image_url", "file_url"})
"""Fields whose strings are addresses the upstream fetches."""
_NOT_IN_URLS = frozenset({"aws_access_key_id"})
"""What an address the upstream fetches keeps: a presigned URL holds its signer's key
id by design (not a secret: its signature is, and expires), and masked it could not be
fetched. Any other credential in an address (``?token=ghp_...``) is masked, which may
leave the address unusable: a credential is never sent."""
_CREDENTIAL_KEY = re.compile(
    r"pass|secret|token|api[-_]?key|authorization|credential|account[-_]?key"
    r"|access[-_]?key|private[-_]?key",
    re.IGNORECASE,
)
"""Keys whose value is read after them as after a label (not ``pwd``, which is a
working directory as often as a password)."""


def _label(key: Any) -> str:
    """What a value under ``key`` is read after: the key as a setting's label, when it
    names a credential, else nothing."""
    if isinstance(key, str) and len(key) <= 64 and _CREDENTIAL_KEY.search(key):
        return f"{key}: "
    return ""


def _without_label(spans: list[SecretSpan], length: int) -> list[SecretSpan]:
    """``spans`` of a value read after a label of ``length`` characters, as spans of the
    value."""
    return [
        SecretSpan(span.kind, max(span.start - length, 0), span.end - length)
        for span in spans
        if span.end > length
    ]


SHORTEST = 8
"""No credential the detector finds is shorter (a labelled one: ``pwd=1234``)."""
MANY_STRINGS = 1_000
"""Past this many strings, they are searched together (``_spans_by_text``)."""
MANY_CREDENTIALS = 1_000
"""More credentials than this in one request refuse it (masking each costs microseconds,
on the event loop)."""
