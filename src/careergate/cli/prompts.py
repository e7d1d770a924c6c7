"""Whether the CLI may ask the operator a question, and asking it.

A question needs someone to answer it: under ``--no-input`` (or
``CAREERGATE_NO_INPUT=1``), or when standard input is not a terminal (a script, a
pipe, CI), a command that would ask refuses instead, saying which option answers it.
"""

from __future__ import annotations

import os
import sys

import typer

NO_INPUT_VARIABLE = "CAREERGATE_NO_INPUT"


def may_ask() -> bool:
    refused = os.environ.get(NO_INPUT_VARIABLE, "").strip().lower() not in ("", "0", "false")
    return not refused and sys.stdin.isatty()


def confirmed(question: str) -> bool:
    """The operator's yes or no (no unless they say yes); only call when ``may_ask()``."""
    return bool(typer.confirm(question, default=False, err=True))
