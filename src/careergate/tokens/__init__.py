"""Exact OpenAI tokenisation, offline."""

from careergate.tokens.counting import TokenCounter
from careergate.tokens.encodings import OfflineEncodings

__all__ = ["OfflineEncodings", "TokenCounter"]
