"""Dashboard sessions: a signed, expiring cookie that names a key, checked against that
key on every request.

A signed cookie rather than a table of sessions, so that every replica can check it
with nothing written per login: the signing key is an internal secret sealed in the
vault under the master key (``runtime.py``), the same for every replica that shares
the database. The cookie holds the key's id, a fingerprint of the secret that logged
in (an HMAC of its keyed hash: the cookie reveals nothing that opens anything), a
random nonce and the time it was signed; ``itsdangerous`` signs it with HMAC-SHA256
and refuses it once the session's lifetime has passed.

Every request reads the key afresh, past the key cache: revoked, expired, rotated out
(its grace over), or no longer an admin or reader key, and the session ends at once.

Cross-site request forgery: the cookie is ``SameSite=Strict`` (a browser sends it only
with requests the gateway's own pages make), and every state-changing request made
with a session must also carry the session's token (an HMAC of its nonce) in
``X-CSRF-Token`` or a form's ``csrf_token`` field, which another site cannot read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadData, URLSafeTimedSerializer

from careergate.auth.principal import Principal, Role
from careergate.auth.store import KeyStore
from careergate.errors import AuthenticationFailed, PermissionDenied

SESSION_COOKIE = "careergate_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
DASHBOARD_ROLES = frozenset({Role.ADMIN, Role.READER})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in dashboard user: the key's principal, as it stands now."""

    principal: Principal
    csrf_token: str
    expires_at: datetime


class SessionKeeper:
    """Opens sessions for admin and reader keys, and checks them on every request."""

    def __init__(self, keys: KeyStore, signing_key: bytes, lifetime: timedelta) -> None:
        self.keys = keys
        self.lifetime = lifetime
        self._key = signing_key
        self._serializer = URLSafeTimedSerializer(
            signing_key,
            salt="careergate.dashboard.session",
            signer_kwargs={"digest_method": hashlib.sha256},
        )

    async def open(self, secret: str) -> tuple[str, Session]:
        """Log in with a careergate key: the cookie's value and the session."""
        principal = await self.keys.authenticate(secret)
        _require_dashboard_role(principal)
        nonce = secrets.token_urlsafe(16)
        digest = self.keys.hasher.digest(secret)
        payload = {"k": principal.key_id, "f": self._fingerprint(digest), "n": nonce}
        cookie = self._serializer.dumps(payload)
        expires = datetime.now(UTC) + self.lifetime
        return cookie, Session(principal, self._csrf(nonce), expires)

    async def resume(self, cookie: str | None) -> Session:
        """The session of ``cookie``, or ``AuthenticationFailed`` saying to log in."""
        if not cookie:
            raise AuthenticationFailed("Log in to the dashboard first.", code="no_session")
        try:
            payload, signed_at = self._serializer.loads(
                cookie, max_age=int(self.lifetime.total_seconds()), return_timestamp=True
            )
            key_id, fingerprint, nonce = str(payload["k"]), str(payload["f"]), str(payload["n"])
        except (BadData, KeyError, TypeError):
            raise AuthenticationFailed(
                "The dashboard session has expired or is not valid; log in again.",
                code="session_expired",
            ) from None
        standing = await self.keys.standing(key_id)
        if standing is None or not any(
            hmac.compare_digest(fingerprint, self._fingerprint(d)) for d in standing.digests
        ):
            raise AuthenticationFailed(
                "The key of this dashboard session is no longer valid (revoked, expired or "
                "rotated); log in again with a valid key.",
                code="session_key_invalid",
            )
        _require_dashboard_role(standing.principal)
        return Session(standing.principal, self._csrf(nonce), signed_at + self.lifetime)

    def check_csrf(self, session: Session, token: str | None) -> None:
        """Refuse a state-changing request whose CSRF token is not the session's."""
        if not token or not hmac.compare_digest(token, session.csrf_token):
            raise PermissionDenied(
                "This request changes state but lacks the dashboard session's CSRF token "
                f"(the {CSRF_HEADER} header or the {CSRF_FIELD} form field).",
                code="csrf_failed",
            )

    def _fingerprint(self, digest: str) -> str:
        return hmac.new(self._key, b"fingerprint:" + digest.encode(), hashlib.sha256).hexdigest()

    def _csrf(self, nonce: str) -> str:
        return hmac.new(self._key, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def _require_dashboard_role(principal: Principal) -> None:
    if principal.role not in DASHBOARD_ROLES:
        raise PermissionDenied(
            f"The key {principal.key_prefix}... is a {principal.role.value} key; the "
            "dashboard takes an admin or a reader key.",
            code="dashboard_role_required",
        )
