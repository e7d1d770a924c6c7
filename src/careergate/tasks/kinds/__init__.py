"""The kinds of task, by name: adding one is a class (``base.TaskKind``) and a line here."""

from __future__ import annotations

from careergate.errors import InvalidRequest
from careergate.tasks.kinds.base import ItemContext, Plan, TaskKind
from careergate.tasks.kinds.batch_lines import BatchLines
from careergate.tasks.kinds.chat import ChatCompletions
from careergate.tasks.kinds.documents import GenerateResumes, OptimiseContent
from careergate.tasks.kinds.evaluation import Evaluation
from careergate.tasks.kinds.matching import MatchJobs

KINDS: dict[str, TaskKind] = {
    kind.name: kind
    for kind in (
        ChatCompletions(),
        GenerateResumes(),
        OptimiseContent(),
        MatchJobs(),
        Evaluation(),
        BatchLines(),
    )
}


def kind_named(name: object, internal: bool = False) -> TaskKind:
    """The kind called ``name``, or a 400 listing the kinds a caller may submit. An
    ``internal`` kind (``TaskKind.internal``) only when the gateway submits it."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None or (kind.internal and not internal):
        public = sorted(n for n, k in KINDS.items() if not k.internal)
        raise InvalidRequest(f"`kind` must be one of: {', '.join(public)}.", param="kind")
    return kind


__all__ = ["KINDS", "ItemContext", "Plan", "TaskKind", "kind_named"]
