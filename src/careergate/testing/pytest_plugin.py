"""pytest fixtures of careergate.testing, registered as a pytest plugin on install."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from careergate.sandbox import FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fresh fake OpenAI server for one test (see ``careergate.testing.FakeOpenAI``)."""
    with FakeOpenAI() as fake:
        yield fake
