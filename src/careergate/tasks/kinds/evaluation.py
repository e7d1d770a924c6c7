"""``eval``: a task set (``careergate eval``'s format) run on several models, each
prompt on each model (``repeat`` times) an item; the summary compares the models and
recommends one, as ``careergate eval`` does.

Scoring functions of one's own (``checks.score``) run only from the command line: a
task submitted over HTTP would otherwise choose what code the worker imports."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from pydantic import ValidationError

from careergate.errors import GatewayError, InvalidRequest
from careergate.evaluation.attempt import Attempt
from careergate.evaluation.checks import check
from careergate.evaluation.report import recommend, summarise
from careergate.evaluation.tasks import TaskSet
from careergate.features.model_access import run_chat
from careergate.tasks.kinds.base import ItemContext, Plan, TaskKind, list_of
from careergate.usage.record import TokenUsage

MAX_REPEAT = 20


class Evaluation(TaskKind):
    name = "eval"
    summary = "a task set run on models (`task_set`, `models`, `repeat`)"

    def plan(self, payload: dict[str, Any]) -> Plan:
        try:
            tasks = TaskSet.model_validate(payload.get("task_set"))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in ("task_set", *first["loc"]))
            raise InvalidRequest(f"`{where}`: {first['msg']}.", param=where) from None
        if any(task.checks.score for task in tasks.tasks):
            raise InvalidRequest(
                "`checks.score` (a scoring function) runs only with `careergate eval`.",
                param="task_set",
            )
        models = list_of(payload, "models", 20)
        if not all(isinstance(model, str) for model in models):
            raise InvalidRequest("`models` must name models.", param="models")
        repeat = payload.get("repeat", 1)
        if not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
            raise InvalidRequest(f"`repeat` must be 1 to {MAX_REPEAT}.", param="repeat")
        items = [
            {"model": model, "task": number}
            for _ in range(repeat)
            for number in range(len(tasks.tasks))
            for model in models
        ]
        return Plan({"task_set": tasks.model_dump(mode="json"), "models": models}, items)

    def feature_of(self, params: dict[str, Any]) -> str | None:
        return TaskSet.model_validate(params["task_set"]).feature

    async def run_item(self, item: Any, context: ItemContext) -> Any:
        tasks = TaskSet.model_validate(context.params["task_set"])
        task = tasks.tasks[item["task"]]
        attempt = Attempt(item["model"], task.id)
        body: dict[str, Any] = {"model": item["model"], "messages": task.messages}
        if task.response_format is not None:
            body["response_format"] = task.response_format
        if task.max_tokens is not None:
            body["max_completion_tokens"] = task.max_tokens
        started = time.perf_counter()
        try:
            answer = await run_chat(context.run, body, context.secret, tasks.feature, context.user)
        except GatewayError as error:
            if error.retryable:
                raise
            attempt.error = f"{error.code}: {error.message}"
            return asdict(attempt)
        attempt.latency_s = time.perf_counter() - started
        usage = TokenUsage.from_openai(answer.get("usage"))
        if context.prices is not None and usage is not None:
            cost = context.prices.cost_nano(answer.get("model") or item["model"], usage)
            attempt.cost_nano_usd = cost or 0
        choices = answer.get("choices") or [{}]
        text = (choices[0].get("message") or {}).get("content") or ""
        attempt.score, attempt.failed_checks = check(text, task)
        return asdict(attempt)

    def summarise(self, params: dict[str, Any], results: list[Any]) -> Any:
        attempts = [Attempt(**result) for result in results if result is not None]
        summaries = summarise(attempts, params["models"])
        choice, why = recommend(summaries)
        return {
            "models": [summary.to_json() for summary in summaries],
            "recommended": choice.model if choice else None,
            "why": why,
        }
