"""The privacy step: personal data replaced in the body before it leaves, the end user's
id digested, and careergate's own request field taken out of it."""

from __future__ import annotations

from careergate.core.call import Call, Reply, StreamReply
from careergate.errors import NameModelUnavailable
from careergate.privacy.shield import EXTENSION, PrivacyShield, digest_end_user


class ProtectPersonalData:
    def __init__(self, privacy: PrivacyShield) -> None:
        self.privacy = privacy

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        extension = call.body.pop(EXTENSION, None)
        if extension is not None:
            call.changed()
        earlier = call.earlier.placeholders if call.earlier is not None else None
        try:
            protection = await self.privacy.protect(
                call.endpoint,
                call.body,
                extension,
                call.principal.privacy,
                call.feature,
                call.user,
                earlier,
            )
        except NameModelUnavailable:
            call.outcome.pii_action = "unavailable"  # not sent: it could not be read
            raise
        if protection is None:
            return None
        if digest_end_user(call.body):
            call.changed()
        outcome = call.outcome
        if protection.replaced or outcome.pii_action == "off":  # else the secrets step's
            outcome.pii_kinds = tuple(sorted({*outcome.pii_kinds, *protection.kinds}))
            outcome.pii_action = protection.action
        refusal = protection.refusal()
        if refusal is not None:
            raise refusal
        if protection.replaced:
            call.changed()
        if protection.replaced or earlier:
            # Only then can the answer hold placeholders: this request's, or an earlier
            # one's that the upstream kept in the conversation.
            call.protection = protection
        return None
