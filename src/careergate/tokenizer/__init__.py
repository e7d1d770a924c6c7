"""Exact OpenAI tokenisation, offline."""

from careergate.tokenizer.counting import TokenCounter, below_word_count
from careergate.tokenizer.encodings import OfflineEncodings

__all__ = ["OfflineEncodings", "TokenCounter", "below_word_count"]
