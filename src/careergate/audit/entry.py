"""One audit entry: who did what, for whom, with which outcome. Never prompt content and
never a secret: keys are named by their listed prefix or id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from careergate.storage.tables import AuditRow
from careergate.storage.times import as_utc
from careergate.usage.record import UsageRecord


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    """``key:<prefix>`` for a caller key, ``cli:<login>`` for an operator."""
    source: str
    """Where the actor acted from: the admin API caller's address, the CLI's host, or
    ``gateway`` for AI calls."""
    action: str
    """``ai.chat``, ``ai.embeddings``, ``key.created``, ``privacy.erased``..."""
    target: str | None = None
    details: dict[str, Any] | None = None
    """Free details (personal: erased with ``user``)."""
    user: str | None = None
    """The person the entry is about (personal)."""
    team: str | None = None
    feature: str | None = None
    model: str | None = None
    decision: str | None = None
    """``allowed`` or ``refused`` for AI calls."""
    status: int | None = None
    error_code: str | None = None
    pii_kinds: tuple[str, ...] = ()
    """Kinds of personal data found in the request (``email``, ``phone``...)."""
    pii_action: str | None = None
    """What was done with them: ``off``, ``none``, ``masked``, ``pseudonymised``, ``refused``."""
    request_id: str | None = None
    redactions: dict[str, Any] | None = None
    """An erasure's entry only: ``{"entries": n, "seal": ...}`` over the entries it
    cleared (``careergate.audit.redaction``)."""
    seq: int | None = None
    """Its place in the chain, once written."""

    @classmethod
    def of_call(
        cls,
        record: UsageRecord,
        actor: str,
        action: str,
        pii_kinds: tuple[str, ...],
        pii_action: str,
        *,
        user: bool = True,
        target: str | None = None,
    ) -> AuditEntry:
        """An AI call's entry, from its usage record: a refusal is a 4xx of careergate's
        or the upstream's, a caller that went away is not one. ``user``: whether the entry
        names the record's user (an erasure clears it from the entry); ``target``: what
        it acted on besides (a batch, for its lines)."""
        status, error_code = record.status_code, record.error_code
        refused = 400 <= status < 500 and error_code != "client_closed"
        return cls(
            at=record.created_at,
            actor=actor,
            source="gateway",
            action=action,
            target=target,
            user=record.user_id if user else None,
            team=record.team,
            feature=record.feature,
            model=record.model_served or record.model_requested,
            decision="refused" if refused else "allowed",
            status=status,
            error_code=error_code,
            pii_kinds=pii_kinds,
            pii_action=pii_action,
            request_id=record.request_id,
        )

    @classmethod
    def from_row(cls, row: AuditRow) -> AuditEntry:
        return cls(
            at=as_utc(row.at),
            actor=row.actor,
            source=row.source,
            action=row.action,
            target=row.target,
            details=row.details,
            user=row.user_id,
            team=row.team,
            feature=row.feature,
            model=row.model,
            decision=row.decision,
            status=row.status,
            error_code=row.error_code,
            pii_kinds=tuple(row.pii_kinds or ()),
            pii_action=row.pii_action,
            request_id=row.request_id,
            redactions=row.redactions,
            seq=row.seq,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "source": self.source,
            "action": self.action,
            "target": self.target,
            "user": self.user,
            "team": self.team,
            "feature": self.feature,
            "model": self.model,
            "decision": self.decision,
            "status": self.status,
            "error_code": self.error_code,
            "pii_kinds": list(self.pii_kinds),
            "pii_action": self.pii_action,
            "request_id": self.request_id,
            "details": self.details,
            "redactions": self.redactions,
        }
