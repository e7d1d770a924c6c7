"""The secrets step: credentials taken out of the request's texts (or the request
refused) before the privacy step and before anything leaves, whatever the privacy mode."""

from __future__ import annotations

import asyncio
from functools import partial

from careergate.core.call import Call, Reply, StreamReply
from careergate.security.prompt_secrets import PromptSecrets, SecretsMode

CREDENTIAL_KIND = "SECRET"


LONG_BODY = 256 * 1024
"""Bytes of body past which its credentials are searched on a thread of their own."""


class KeepSecrets:
    def __init__(self, secrets: PromptSecrets) -> None:
        self.secrets = secrets

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        mode = self.secrets.policy.mode_for(call.principal.key_id, call.feature)
        if mode is SecretsMode.OFF:
            return None
        # The caller's own key and token are credentials too, though no format finds them.
        protect = partial(self.secrets.protect, call.endpoint, call.body, mode, call.credentials)
        if call.received_bytes > LONG_BODY:
            # Megabytes take a second or more: searched on a thread, the event loop
            # serves other requests meanwhile (the thread yields to it every few ms).
            masked = await asyncio.to_thread(protect, remembered=False)
        else:
            masked = protect()
        if masked:
            call.outcome.pii_kinds = (CREDENTIAL_KIND,)
            call.outcome.pii_action = "masked"
            call.changed()
        return None
