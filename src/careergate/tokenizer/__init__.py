"""Exact OpenAI tokenisation, offline."""

from careergate.tokenizer.counting import TokenCounter
from careergate.tokenizer.encodings import OfflineEncodings

__all__ = ["OfflineEncodings", "TokenCounter"]
