"""What every request used: one record per request (written by ``careergate.records``)."""

from careergate.usage.record import TokenUsage, UsageRecord

__all__ = ["TokenUsage", "UsageRecord"]
