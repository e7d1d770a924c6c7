"""Per-key request and token limits per minute."""

from careergate.ratelimit.limiter import KeyRateLimiter

__all__ = ["KeyRateLimiter"]
