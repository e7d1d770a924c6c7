"""The audit log: who did what, when and from where."""

from careergate.audit.log import Actor, AuditEntry, AuditLog

__all__ = ["Actor", "AuditEntry", "AuditLog"]
