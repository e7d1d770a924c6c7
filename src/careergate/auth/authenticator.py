"""Who is calling: a careergate key, or a token of the platform's authentication service."""

from __future__ import annotations

from careergate.auth.platform_tokens import TokenClaims, TokenVerifier, looks_like_jwt
from careergate.auth.principal import Principal
from careergate.auth.store import KeyStore
from careergate.errors import AuthenticationFailed


class Authenticator:
    def __init__(self, keys: KeyStore, platform_tokens: TokenVerifier | None = None) -> None:
        self.keys = keys
        self.platform_tokens = platform_tokens

    async def authenticate(self, credential: str | None) -> Principal:
        if (
            credential is not None
            and self.platform_tokens is not None
            and looks_like_jwt(credential)
        ):
            return await self.platform_tokens.principal(credential)
        return await self.keys.authenticate(credential)

    async def end_user(self, token: str) -> TokenClaims:
        """The end user a ``X-Careergate-User-Token`` proves."""
        if self.platform_tokens is None:
            raise AuthenticationFailed(
                "User tokens are not accepted here: no JWKS is configured "
                "(CAREERGATE_JWT_JWKS_FILE or CAREERGATE_JWT_JWKS_URL).",
                code="tokens_not_configured",
            )
        return await self.platform_tokens.verify(token)
