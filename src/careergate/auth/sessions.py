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
Logging out writes the session's id (an HMAC of its nonce) to ``ended_sessions`` until
the cookie would have expired, so that a copy of the cookie is refused as well: the
one thing written per session, and only when it ends early. The row is kept
``ENDED_MARGIN`` past the session's end: the replica that purges the row and the one
that checks the cookie read different clocks. Logging out a session that is being
logged out at the same moment (two tabs) changes nothing.

The session ends at its stamp (whole seconds, rounded down) plus its lifetime, to the
microsecond: ``itsdangerous`` alone compares whole seconds and would accept a copy of
the cookie up to a second after the browser has dropped it (its ``Max-Age`` is the
lifetime), when a logout from that browser can no longer be recorded.

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
from sqlalchemy import delete, select

from careergate.auth.principal import Principal, Role
from careergate.auth.store import KeyStore
from careergate.errors import AuthenticationFailed, PermissionDenied
from careergate.storage.batch import dialect_insert
from careergate.storage.database import Database
from careergate.storage.tables import EndedSessionRow

SESSION_COOKIE = "careergate_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
DASHBOARD_ROLES = frozenset({Role.ADMIN, Role.READER})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ENDED = EndedSessionRow.metadata.tables[EndedSessionRow.__tablename__]
ENDED_MARGIN = timedelta(minutes=5)
"""How long past a session's end its logout is remembered: past any difference between
the replicas' clocks."""


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in dashboard user: the key's principal, as it stands now."""

    principal: Principal
    csrf_token: str
    expires_at: datetime
    session_id: str
    """An HMAC of its nonce: what ``ended_sessions`` names it by."""


class SessionKeeper:
    """Opens sessions for admin and reader keys, and checks them on every request."""

    def __init__(
        self, keys: KeyStore, database: Database, signing_key: bytes, lifetime: timedelta
    ) -> None:
        self.keys = keys
        self.database = database
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
        return cookie, self._session(principal, nonce, expires)

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
        if datetime.now(UTC) >= signed_at + self.lifetime:
            raise AuthenticationFailed(
                "The dashboard session has expired; log in again.", code="session_expired"
            )
        session_id = self._digest(b"session:", nonce)
        if await self._ended(session_id):
            raise AuthenticationFailed(
                "This dashboard session was logged out; log in again.", code="session_ended"
            )
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
        return self._session(standing.principal, nonce, signed_at + self.lifetime)

    async def end(self, session: Session) -> None:
        """Log ``session`` out everywhere its cookie is, until it would have expired (and
        forget the sessions whose cookies have expired since)."""
        ended = dialect_insert(self.database.url.get_backend_name(), ENDED).values(
            session_id=session.session_id, expires_at=session.expires_at + ENDED_MARGIN
        )
        async with self.database.engine.begin() as connection:
            await connection.execute(delete(ENDED).where(ENDED.c.expires_at < datetime.now(UTC)))
            await connection.execute(ended.on_conflict_do_nothing(index_elements=["session_id"]))

    async def _ended(self, session_id: str) -> bool:
        async with self.database.engine.connect() as connection:
            found = await connection.scalar(
                select(ENDED.c.session_id).where(ENDED.c.session_id == session_id)
            )
        return found is not None

    def _session(self, principal: Principal, nonce: str, expires: datetime) -> Session:
        return Session(
            principal, self._digest(b"csrf:", nonce), expires, self._digest(b"session:", nonce)
        )

    def check_csrf(self, session: Session, token: str | None) -> None:
        """Refuse a state-changing request whose CSRF token is not the session's."""
        if not token or not hmac.compare_digest(token, session.csrf_token):
            raise PermissionDenied(
                "This request changes state but lacks the dashboard session's CSRF token "
                f"(the {CSRF_HEADER} header or the {CSRF_FIELD} form field).",
                code="csrf_failed",
            )

    def _fingerprint(self, digest: str) -> str:
        return self._digest(b"fingerprint:", digest)

    def _digest(self, purpose: bytes, value: str) -> str:
        """An HMAC of ``value`` for one ``purpose``: none can stand in for another."""
        return hmac.new(self._key, purpose + value.encode(), hashlib.sha256).hexdigest()


def _require_dashboard_role(principal: Principal) -> None:
    if principal.role not in DASHBOARD_ROLES:
        raise PermissionDenied(
            f"The key {principal.key_prefix}... is a {principal.role.value} key; the "
            "dashboard takes an admin or a reader key.",
            code="dashboard_role_required",
        )
