"""OpenAI's tokenisation, offline, byte-for-byte tiktoken's."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from careergate.tokenizer import TokenCounter
from careergate.tokenizer.encodings import OfflineEncodings, encoding_name_for_model

# tiktoken's pins of OpenAI's published rank files.
PINNED = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


def test_the_rebuilt_rank_files_are_openais(tmp_path: Path) -> None:
    OfflineEncodings(tmp_path).install()
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    assert hashes == set(PINNED.values())


def test_tiktoken_loads_them_in_a_process_without_network(tmp_path: Path) -> None:
    # A fresh interpreter with an empty cache and no proxy to the internet: tiktoken must
    # find the files careergate installed, check their hashes, and never download.
    script = (
        "from careergate.tokenizer.encodings import get_encoding;"
        "print(get_encoding('o200k_base').encode('hello world'),"
        " get_encoding('cl100k_base').encode('hello world'))"
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path), "HTTPS_PROXY": "http://127.0.0.1:9"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[24912, 2375] [15339, 1917]"


def test_models_get_their_encodings() -> None:
    assert encoding_name_for_model("gpt-4o-mini") == "o200k_base"
    assert encoding_name_for_model("gpt-4") == "cl100k_base"
    assert encoding_name_for_model("text-embedding-3-small") == "cl100k_base"
    assert encoding_name_for_model("some-future-model") == "o200k_base"


def test_chat_prompt_tokens_follow_openais_accounting() -> None:
    counter = TokenCounter()
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Hello", "name": "ann"},
    ]
    encoding = counter.encoding("gpt-4o")
    expected = (
        3
        + 3
        + len(encoding.encode("system"))
        + len(encoding.encode("You are helpful."))
        + 3
        + len(encoding.encode("user"))
        + len(encoding.encode("Hello"))
        + 1
        + len(encoding.encode("ann"))
    )
    assert counter.chat_prompt_tokens("gpt-4o", messages) == expected
    assert counter.chat_prompt_tokens("gpt-4o", [{"role": "user", "content": "Hello"}]) == 8
