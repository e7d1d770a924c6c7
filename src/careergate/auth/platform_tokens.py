"""Tokens (JWTs) issued by the platform's authentication service.

A token is verified against the service's JWKS (a file, or a URL re-read every
``refresh_seconds`` and when a token names a key id not seen yet), with its issuer,
audience and expiry checked; RS256 and ES256 are accepted by default. A verified token
stands for its end user: presented as the bearer credential it authenticates the user
directly; presented in ``X-Careergate-User-Token`` next to a service key it names the user
the service speaks for (proof enough, without the act-for-users permission).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
import orjson

from careergate.auth.principal import Principal, Role
from careergate.errors import AuthenticationFailed
from careergate.settings import JwtSettings

log = logging.getLogger("careergate.auth.tokens")

_CACHE_LIMIT = 50_000
MAX_CLAIM = 200
"""The longest user or team a usage record keeps (the columns' length)."""
KEY_ID_LENGTH = 32
"""The length of the key id column of usage records."""


def looks_like_jwt(credential: str) -> bool:
    return credential.count(".") == 2 and not credential.startswith("sk-")


def recorded_claim(name: str, value: object) -> str:
    """A claim careergate records (the user, the team) as text, or the token refused (401).

    Checked here, before the token is believed: a value no usage record or audit entry
    can hold (over ``MAX_CLAIM`` characters, or with control characters such as NUL) would
    otherwise pass authentication and send every record of its calls to the dead-letter
    path. Numbers are accepted as their text (some services number their users)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        problem = "must be a string"
    else:
        text = str(value)
        if not text:
            problem = "must not be empty"
        elif len(text) > MAX_CLAIM:
            problem = f"must be at most {MAX_CLAIM} characters"
        elif any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
            problem = "must not contain control characters"
        else:
            return text
    raise AuthenticationFailed(
        f"The token is not valid: its `{name}` claim {problem}.", code="invalid_token"
    )


def _fitting_key(algorithm: str, key: Any, accepted: list[str]) -> Any:
    """``key``, if the token's algorithm is accepted and is one for a key of its type.

    Checked before decoding: PyJWT handed a key of another type than the algorithm's
    (a token signed ES256 naming an RSA key's id) fails with a TypeError, which must be a
    401 like any other forged token, not a server error."""
    if algorithm not in accepted:
        raise jwt.InvalidAlgorithmError(f"the algorithm {algorithm[:16]!r} is not accepted")
    try:
        jwt.get_algorithm_by_name(algorithm).prepare_key(key)
    except (TypeError, ValueError, jwt.PyJWTError):
        raise jwt.InvalidTokenError(f"its signing key is not a key for {algorithm}") from None
    return key


def token_key_id(issuer: str | None) -> str:
    """What stands for a key in the records of a token's calls: ``token:<issuer>``, or,
    for an issuer too long for the key id column or not plain text, a digest of it (the
    records must fit the column, or they would all go to the dead-letter path)."""
    name = f"token:{issuer or 'platform'}"
    if len(name) <= KEY_ID_LENGTH and name.isprintable():
        return name
    digest = hashlib.sha256(str(issuer).encode(errors="replace")).hexdigest()
    return f"token:{digest[: KEY_ID_LENGTH - len('token:')]}"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user: str
    team: str | None
    issuer: str | None
    expires_at: float


class TokenVerifier:
    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._cache: dict[str, TokenClaims] = {}
        self._refreshing: asyncio.Lock | None = None

    async def load(self) -> None:
        """Read the JWKS now (at start, so that a bad one fails loudly)."""
        await self._refresh()

    async def _refresh(self) -> None:
        settings = self.settings
        if settings.jwks_file is not None:
            document = orjson.loads(settings.jwks_file.read_bytes())
        elif settings.jwks_url is not None:
            timeout = aiohttp.ClientTimeout(total=10)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(settings.jwks_url) as response,
            ):
                response.raise_for_status()
                document = orjson.loads(await response.read())
        else:
            return
        keys = {}
        for key in jwt.PyJWKSet.from_dict(document).keys:
            keys[key.key_id or ""] = key
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> Any:
        key = self._keys.get(kid)
        stale = time.monotonic() - self._fetched_at > self.settings.refresh_seconds
        if key is None or stale:
            self._refreshing = self._refreshing or asyncio.Lock()
            async with self._refreshing:
                # Unknown key ids refresh at most every 10 s: a flood of forged ids
                # must not turn into a flood of JWKS fetches.
                if stale or time.monotonic() - self._fetched_at > 10:
                    try:
                        await self._refresh()
                    except (OSError, aiohttp.ClientError, ValueError) as exc:
                        log.warning("could not refresh the JWKS: %s", exc)
            key = self._keys.get(kid) or (self._keys.get("") if len(self._keys) == 1 else None)
        if key is None:
            raise AuthenticationFailed(
                "The token's signing key is not known.", code="invalid_token"
            )
        return key

    async def verify(self, token: str) -> TokenClaims:
        cached = self._cache.get(token)
        if cached is not None and cached.expires_at > time.time():
            return cached
        settings = self.settings
        try:
            header = jwt.get_unverified_header(token)
            key = await self._key_for(str(header.get("kid", "")))
            claims = jwt.decode(
                token,
                key=_fitting_key(str(header.get("alg")), key.key, settings.algorithms),
                algorithms=settings.algorithms,
                audience=settings.audience,
                issuer=settings.issuer,
                options={"require": ["exp", settings.user_claim]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("The token has expired.", code="expired_token") from None
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(
                f"The token is not valid: {exc}.", code="invalid_token"
            ) from None
        team = claims.get(settings.team_claim)
        verified = TokenClaims(
            user=recorded_claim(settings.user_claim, claims[settings.user_claim]),
            team=recorded_claim(settings.team_claim, team) if team is not None else None,
            issuer=str(claims["iss"]) if claims.get("iss") is not None else None,
            expires_at=float(claims["exp"]),
        )
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = verified
        return verified

    async def principal(self, token: str) -> Principal:
        """The end user a bearer token stands for."""
        claims = await self.verify(token)
        models = tuple(self.settings.models) if self.settings.models is not None else None
        return Principal(
            key_id=token_key_id(claims.issuer),
            key_prefix=f"token:{claims.user}",
            role=Role.SERVICE,
            user=claims.user,
            team=claims.team,
            models=models,
            expires_at=claims.expires_at,
        )
