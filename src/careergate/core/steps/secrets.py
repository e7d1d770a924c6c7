"""The secrets step: credentials taken out of the request's texts (or the request
refused) before the privacy step and before anything leaves, whatever the privacy mode."""

from __future__ import annotations

from careergate.core.call import Call, Reply, StreamReply
from careergate.security.prompt_secrets import PromptSecrets, SecretsMode

CREDENTIAL_KIND = "SECRET"


class KeepSecrets:
    def __init__(self, secrets: PromptSecrets) -> None:
        self.secrets = secrets

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        mode = self.secrets.policy.mode_for(call.principal.key_id, call.feature)
        if mode is SecretsMode.OFF:
            return None
        # The caller's own key and token are credentials too, though no format finds them.
        if self.secrets.protect(call.endpoint, call.body, mode, call.credentials):
            call.outcome.pii_kinds = (CREDENTIAL_KIND,)
            call.outcome.pii_action = "masked"
            call.changed()
        return None
