"""Running a task set against models through the gateway (the official SDK, like any
caller), a few requests at a time, every answer checked and priced."""

from __future__ import annotations

import time
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletionMessageParam

from careergate.evaluation.attempt import Attempt, Progress
from careergate.evaluation.checks import Scorer, check, load_scorers
from careergate.evaluation.tasks import Task, TaskSet
from careergate.evaluation.turns import at_most
from careergate.pricing.catalogue import PriceCatalogue
from careergate.usage.record import TokenUsage


async def run_task_set(
    tasks: TaskSet,
    models: list[str],
    client: openai.AsyncOpenAI,
    prices: PriceCatalogue,
    *,
    repeat: int = 1,
    concurrency: int = 4,
    progress: Progress | None = None,
    scorers: dict[str, Scorer] | None = None,
) -> list[Attempt]:
    """Every task ``repeat`` times on every model; one ``Attempt`` each. ``scorers``:
    the tasks' scoring functions (``load_scorers``), else loaded by module name."""
    if scorers is None:
        scorers = load_scorers(tasks)
    headers = {"x-careergate-feature": tasks.feature} if tasks.feature else {}

    async def one(job: tuple[str, Task]) -> Attempt:
        model, task = job
        attempt = await _attempt(client, prices, model, task, scorers.get(task.id), headers)
        if progress is not None:
            progress(attempt)
        return attempt

    jobs = [(m, t) for _ in range(repeat) for t in tasks.tasks for m in models]
    return await at_most(concurrency, jobs, one)


async def _attempt(
    client: openai.AsyncOpenAI,
    prices: PriceCatalogue,
    model: str,
    task: Task,
    scorer: Scorer | None,
    headers: dict[str, str],
) -> Attempt:
    attempt = Attempt(model, task.id)
    extra: dict[str, Any] = {}
    if task.response_format is not None:
        extra["response_format"] = task.response_format
    if task.max_tokens is not None:
        extra["max_completion_tokens"] = task.max_tokens
    started = time.perf_counter()
    try:
        answer = await client.chat.completions.create(
            model=model,
            messages=cast("list[ChatCompletionMessageParam]", task.messages),
            extra_headers=headers,
            **extra,
        )
    except openai.APIError as exc:
        attempt.latency_s = time.perf_counter() - started
        attempt.error = f"{type(exc).__name__}: {exc.message}"
        return attempt
    attempt.latency_s = time.perf_counter() - started
    if answer.usage is not None:
        usage = TokenUsage.from_openai(answer.usage.model_dump())
        for name in (answer.model, model):
            cost = prices.cost_nano(name, usage) if usage else None
            if cost is not None:
                attempt.cost_nano_usd = cost
                break
    text = answer.choices[0].message.content or "" if answer.choices else ""
    attempt.score, attempt.failed_checks = check(text, task, scorer)
    return attempt
