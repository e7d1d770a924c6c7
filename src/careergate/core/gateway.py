"""The gateway: the one path every model call takes.

``Gateway.run`` admits the request (authenticate, parse, attribute, authorize), then
passes it through its steps in order until one answers (the last, forwarding, always
does); the steps and their order are set where the gateway is built (``runtime.py``)
and listed in docs/architecture.md. Settling (usage record with its cost, audit entry,
metrics, budget settlement and the request's log line) happens exactly once per
request, whatever the outcome, including a caller that went away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import partial

from careergate.core.admission import Admission
from careergate.core.call import Incoming, Outcome, Reply, StreamReply
from careergate.core.settlement import Settlement
from careergate.core.steps import Step
from careergate.core.steps.cache import BYPASS
from careergate.core.steps.cache import HEADER as CACHE_HEADER
from careergate.errors import GatewayError, InternalError
from careergate.storage.outage import storage_unavailable

log = logging.getLogger("careergate.gateway")


class Gateway:
    def __init__(self, admission: Admission, steps: Sequence[Step], settlement: Settlement) -> None:
        if not steps:
            raise ValueError("the request path needs at least one step that answers")
        self.admission = admission
        self.steps = tuple(steps)
        self.settlement = settlement

    async def run(self, incoming: Incoming) -> Reply | StreamReply:
        outcome = Outcome(
            incoming.request_id, incoming.endpoint, client=incoming.client, batch=incoming.batch
        )
        if incoming.pii_noted is not None:
            outcome.pii_kinds, outcome.pii_action = incoming.pii_noted
        reply: Reply | StreamReply | None = None
        try:
            call = await self.admission.admit(incoming, outcome)
            call.settle = partial(self.settlement.settle, outcome)
            for step in self.steps:
                reply = await step(call)
                if reply is not None:
                    return reply
            raise RuntimeError("no step of the request path answered")
        except GatewayError as error:
            outcome.fail(error)
            _say_cache(error, outcome)
            raise
        except asyncio.CancelledError:
            outcome.client_closed()
            raise
        except Exception as exc:
            answered = _unexpected(exc, incoming.request_id)
            outcome.fail(answered)
            _say_cache(answered, outcome)
            raise answered from exc
        finally:
            if not isinstance(reply, StreamReply):  # a stream settles when it ends
                self.settlement.settle(outcome)


def _unexpected(error: Exception, request_id: str) -> GatewayError:
    """What the caller is told of a failure no step turned into an error: a store out of
    reach is a 503 to retry (logged without its traceback: an outage is no bug, and
    every request meets it), anything else a bug, logged in full."""
    fields = {"request_id": request_id}
    if (unavailable := storage_unavailable(error)) is not None:
        log.warning(
            "a store is out of reach: %s: %s",
            type(error).__name__,
            str(error).partition("\n")[0][:300],
            extra={"fields": fields},
        )
        return unavailable
    log.exception("unexpected failure", extra={"fields": fields}, exc_info=error)
    return InternalError(
        "careergate failed unexpectedly while handling this request; "
        "quote the request id when reporting it."
    )


def _say_cache(error: GatewayError, outcome: Outcome) -> None:
    """The error answer says what the cache did, as its usage record does: ``miss`` once
    the lookup found nothing (no error is kept), ``bypass`` when it did not look."""
    error.headers = {CACHE_HEADER: outcome.cache or BYPASS, **error.headers}
