"""Logs (and later metrics) of the gateway."""

from careergate.observability.logs import RequestLog, configure_logging

__all__ = ["RequestLog", "configure_logging"]
