"""A line's usage from an upstream's Batch API is judged as a live answer's is: a count
below what the line itself proves (its prompt's words, its answer's own text) is not
believed, and the line is billed careergate's count, flagged."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from careergate.batches.metering import BatchMeter, Ending, LineOutcome
from careergate.batches.plan import LinePlan
from careergate.pricing.catalogue import PriceCatalogue
from careergate.storage.database import Database
from careergate.storage.tables import BatchRow
from careergate.tokenizer import TokenCounter

MODEL = "gpt-4o-mini"
ANSWER = "An analyst models the sales data, ships dashboards and explains them. " * 12
ANSWER_TOKENS = TokenCounter().text_tokens(MODEL, ANSWER)


def metered(
    tmp_path: Path, usage: dict[str, int], plan: LinePlan, answer: dict[str, Any] | None = None
) -> tuple[int, int, str | None]:
    meter = BatchMeter(
        Database(f"sqlite+aiosqlite:///{tmp_path / 'meter.db'}"),
        PriceCatalogue.shipped(),
        TokenCounter(),
        keep_days=1,
    )
    now = datetime.now(UTC)
    batch = BatchRow(
        id="batch_1", key_id="k1", status="completed", endpoint="/v1/chat/completions",
        input_file_id="file_1", body={}, created_at=now, expires_at=now,
    )  # fmt: skip
    answer = {**(answer or {"choices": [{"index": 0, "message": message(ANSWER)}]})}
    answer.update(model=MODEL, usage=usage)
    ending = Ending("completed", {}, [LineOutcome("line-1", 200, answer)], batch_prices=True)
    (record,) = meter.records(batch, {"line-1": plan}, ending)
    return record.usage.prompt_tokens, record.usage.completion_tokens, record.usage.corrected


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ((900, ANSWER_TOKENS), (900, ANSWER_TOKENS, None)),  # honest
        ((900, 0), (900, ANSWER_TOKENS, "completion_under_count")),
        ((900, ANSWER_TOKENS * 6 // 10), (900, ANSWER_TOKENS * 6 // 10, None)),  # not far
        ((0, 0), (1000, ANSWER_TOKENS, "prompt_under_count")),  # its worst case, held
    ],
    ids=["honest", "no-output", "60%-of-output", "no-prompt"],
)
def test_a_lines_count_below_what_the_line_proves_is_replaced(
    tmp_path: Path, reported: tuple[int, int], expected: tuple[int, int, str | None]
) -> None:
    plan = LinePlan("chat/completions", MODEL, (1000, 2000), prompt_words=700)
    usage = {"prompt_tokens": reported[0], "completion_tokens": reported[1]}
    assert metered(tmp_path, usage, plan) == expected


def message(content: str, **fields: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content, **fields}


def test_what_an_answer_quotes_is_not_counted_as_generated(tmp_path: Path) -> None:
    """A search model's citations carry the titles of the pages it cites: not output."""
    title = "A very long title of a web page about the careers of data analysts " * 8
    cited = message(
        "Analysts ship dashboards.",
        annotations=[{"type": "url_citation", "url_citation": {"title": title, "url": "x"}}],
    )
    answer = {"choices": [{"index": 0, "message": cited}]}
    plan = LinePlan("chat/completions", MODEL, (1000, 2000), prompt_words=700)
    usage = {"prompt_tokens": 900, "completion_tokens": 5}
    assert metered(tmp_path, usage, plan, answer) == (900, 5, None)


def test_an_answer_of_no_known_shape_is_billed_as_reported(tmp_path: Path) -> None:
    """Its text cannot be read: the rest of the batch is metered all the same."""
    plan = LinePlan("chat/completions", MODEL, (1000, 2000), prompt_words=700)
    usage = {"prompt_tokens": 900, "completion_tokens": 20}
    assert metered(tmp_path, usage, plan, {"choices": 1}) == (900, 20, None)


def test_a_line_with_nothing_held_is_billed_its_words_at_least(tmp_path: Path) -> None:
    plan = LinePlan("chat/completions", MODEL, (0, 0), prompt_words=700)
    usage = {"prompt_tokens": 3, "completion_tokens": ANSWER_TOKENS}
    assert metered(tmp_path, usage, plan) == (700, ANSWER_TOKENS, "prompt_under_count")


def test_a_plan_kept_before_the_words_were_counted_still_reads() -> None:
    plan = LinePlan("chat/completions", MODEL, (10, 20), prompt_words=7)
    assert LinePlan.from_json(plan.to_json()) == plan
    assert LinePlan.from_json(plan.to_json()[:7]).prompt_words == 0
