"""What every request used: one record per request, written off the hot path."""

from careergate.usage.record import TokenUsage, UsageRecord
from careergate.usage.writer import UsageWriter

__all__ = ["TokenUsage", "UsageRecord", "UsageWriter"]
