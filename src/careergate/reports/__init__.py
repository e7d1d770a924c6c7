"""Usage and cost reports."""

from careergate.reports.usage import GROUPS, UsageLine, UsageReport, usage_report

__all__ = ["GROUPS", "UsageLine", "UsageReport", "usage_report"]
