"""Word lists shipped with the privacy step (``privacy/data``)."""

from __future__ import annotations

from importlib import resources


def word_list(name: str) -> frozenset[str]:
    """The words of ``data/<name>``, one a line, case folded; ``#`` starts a comment."""
    text = resources.files("careergate.privacy").joinpath(f"data/{name}").read_text()
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )
