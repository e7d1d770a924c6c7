"""Short forms of given names ("Bob" of Robert, "Gosia" of Małgorzata): how colleagues
write the name of a person the caller names in full. Tables written by hand
(``data/*_short_forms.tsv``, ``data/polish_diminutives.tsv``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


def short_form_table(name: str) -> dict[str, tuple[str, ...]]:
    """``data/<name>``: a given name (case folded), a tab, its short forms; ``#`` starts a
    comment."""
    text = resources.files("careergate.privacy").joinpath(f"data/{name}").read_text()
    rows = (line.split("\t") for line in text.splitlines() if not line.startswith("#"))
    return {
        given.strip().casefold(): tuple(forms.casefold().split())
        for given, forms in (row for row in rows if len(row) == 2)
    }


@lru_cache(maxsize=1)
def english_short_forms() -> dict[str, tuple[str, ...]]:
    """English given names and their short forms (some of them everyday words, "Will",
    "Bob", counted only where no sentence starts: ``known.short_form_misread``)."""
    return short_form_table("english_short_forms.tsv")
