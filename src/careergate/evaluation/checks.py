"""Checking one answer against its task's checks: a score in 0..1 (the share of checks
passed, a scoring function counting with its own score) and what failed."""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from careergate.evaluation.tasks import Task, TaskSet

Scorer = Callable[[str, Task], float]


def load_scorer(path: str, folder: Path | None = None) -> Scorer:
    """The function ``module:function`` names: the module from ``folder`` (the task
    set's, where a scoring module is written beside its tasks) when it holds
    ``module.py``, else imported by name. ``ValueError`` naming what is missing."""
    module, _, name = path.partition(":")
    beside = folder / f"{module}.py" if folder is not None and module.isidentifier() else None
    try:
        if beside is not None and beside.is_file():
            spec = importlib.util.spec_from_file_location(f"careergate_scoring.{module}", beside)
            if spec is None or spec.loader is None:
                raise ImportError(f"{beside} is not a module")
            loaded = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(loaded)
        else:
            loaded = importlib.import_module(module)
        scorer = getattr(loaded, name)
    except (ImportError, AttributeError, SyntaxError) as exc:
        raise ValueError(f"cannot load the scoring function {path!r}: {exc}") from exc
    if not callable(scorer):
        raise ValueError(f"{path!r} is not a function")
    return scorer  # type: ignore[no-any-return]


def load_scorers(tasks: TaskSet, folder: Path | None = None) -> dict[str, Scorer]:
    """Each task's scoring function by task id (``load_scorer``), loaded before any task
    runs, so that a wrong name fails the run before it costs anything."""
    return {
        task.id: load_scorer(task.checks.score, folder) for task in tasks.tasks if task.checks.score
    }


def check(answer: str, task: Task, scorer: Scorer | None = None) -> tuple[float, list[str]]:
    checks = task.checks
    results: list[float] = []
    failed: list[str] = []
    parsed: Any = None
    if checks.json_schema is not None or checks.fields:
        try:
            parsed = json.loads(answer)
        except ValueError:
            parsed = None
    if checks.json_schema is not None:
        try:
            jsonschema.validate(parsed, checks.json_schema)
            results.append(1.0)
        except jsonschema.ValidationError as exc:
            results.append(0.0)
            failed.append(f"schema: {exc.message}")
    for name in checks.fields:
        present = isinstance(parsed, dict) and name in parsed
        results.append(1.0 if present else 0.0)
        if not present:
            failed.append(f"field {name!r} missing")
    lowered = answer.lower()
    for word in checks.keywords:
        found = word.lower() in lowered
        results.append(1.0 if found else 0.0)
        if not found:
            failed.append(f"keyword {word!r} missing")
    if scorer is not None:
        score = min(1.0, max(0.0, float(scorer(answer, task))))
        results.append(score)
        if score < 1.0:
            failed.append(f"score {score:.2f}")
    return (sum(results) / len(results) if results else 1.0), failed
