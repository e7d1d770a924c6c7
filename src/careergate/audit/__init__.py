"""The audit log: who did what, for whom, when and from where, in a hash chain."""

from careergate.audit.entry import AuditEntry
from careergate.audit.log import Actor, AuditLog

__all__ = ["Actor", "AuditEntry", "AuditLog"]
