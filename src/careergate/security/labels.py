"""Credentials in what operators set: key names, users, teams, features, allow-lists and
metadata, budget subjects, privacy subjects, aliases.

These labels are written to the database, to every usage record and request log line of
the key, and to the audit log, whose entries cannot be changed afterwards. A credential
pasted into one (an AWS key id as a user, a token as a name) would be kept in plain text
in all of them, so it is refused where it enters, as the request path refuses one in a
request's ``user``, ``feature`` or ``model`` (``core/admission.py``): by the same
detector's published formats, with a message that names the field and never the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic_core import PydanticCustomError

from careergate.security.secrets import find_secrets

SECRET_REFUSED = "secret_refused"  # noqa: S105  # nosec B105 - an error code, no password
"""The error code of a refusal, over HTTP as on the request path."""
ADVICE = "name it with an identifier instead"


def credential_at(value: Any, where: str = "") -> str | None:
    """Where the first credential in a JSON-like ``value`` is, as ``where.key.0`` (``""``
    for ``value`` itself; a dict key that holds one is reported as its dict, so that the
    place never repeats it), or ``None`` when it holds none."""
    if isinstance(value, str):
        return where if find_secrets(value) else None
    parts: Iterable[tuple[str, Any]]
    if isinstance(value, dict):
        if any(isinstance(key, str) and find_secrets(key) for key in value):
            return where
        parts = ((f"{where}.{key}" if where else str(key), item) for key, item in value.items())
    elif isinstance(value, list | tuple):
        parts = ((f"{where}.{i}" if where else str(i), item) for i, item in enumerate(value))
    else:
        return None
    for inner, part in parts:
        found = credential_at(part, inner)
        if found is not None:
            return found
    return None


def refusal(where: str | None) -> str:
    """The message for a credential found at ``where`` (``""``: the value itself)."""
    inside = f" (at {where})" if where else ""
    return f"holds a credential{inside}; {ADVICE}"


def no_credential(value: Any) -> Any:
    """A pydantic validator's body: ``value``, or a ``secret_refused`` error naming where
    in it a credential is (the field is named by pydantic's location)."""
    where = credential_at(value)
    if where is not None:
        raise PydanticCustomError(SECRET_REFUSED, refusal(where))
    return value
