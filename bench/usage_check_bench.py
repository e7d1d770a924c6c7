"""What looking for an upstream's under-count costs each answered request.

``UsageCheck.check`` (``usage/checks.py``) judges every answer's usage; besides the
counts that cannot be (negative, beyond the model's limits), it looks for a prompt or
completion count far below careergate's own, but counts the prompt (the answer) itself
only when the reported count is below its words. This measures, in CPU time, the whole
check of an honest answer of about a hundred words against the same check without those
floors (the baseline, in the same run), on ``make bench``'s two workloads: the short
prompt and the resume conversation. Rounds
alternate between the two; the best round of each is kept (the least disturbed by other
work on the machine).

Run: ``python bench/usage_check_bench.py [--number 20000] [--rounds 7]``
"""

from __future__ import annotations

import argparse
import time
import timeit
from collections.abc import Callable

import orjson

from careergate.endpoints.chat import ChatCompletions
from careergate.models.snapshots import SnapshotCatalogue
from careergate.pricing.catalogue import PriceCatalogue
from careergate.tokenizer import TokenCounter
from careergate.usage.checks import Answered, UsageCheck, checked_usage
from proxy_bench import WORKLOADS

MODEL = "gpt-4o-mini"
ANSWER = (
    "Data analyst with five years of experience turning sales data into dashboards that "
    "regional teams use every week. Fluent in SQL, Python and Tableau; led the move of "
    "reporting to a cloud warehouse, cutting refresh times from hours to minutes. Known "
    "for explaining numbers plainly to people who do not work with them, and for "
    "mentoring two junior analysts through their first year in the team."
)


def best_microseconds(work: Callable[[], object], number: int, rounds: int) -> list[float]:
    """CPU µs per call of each round."""
    times = timeit.repeat(work, number=number, repeat=rounds, timer=time.process_time)
    return [t / number * 1e6 for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    catalogue = SnapshotCatalogue.shipped(snapshot_of=PriceCatalogue.shipped().snapshot)
    check = UsageCheck(TokenCounter())
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"CPU µs per answered request's usage check, best of {args.rounds} rounds, {when}")
    print("| workload | prompt tokens | without the floors µs | with them µs | added µs | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, raw in WORKLOADS.items():
        print(row(name, orjson.loads(raw), catalogue, check, args.number, args.rounds))


def row(
    name: str,
    body: dict[str, object],
    catalogue: SnapshotCatalogue,
    check: UsageCheck,
    number: int,
    rounds: int,
) -> str:
    """One workload's line: the honest answer's check without and with the floors."""
    spec = ChatCompletions()
    answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}}]}
    honest = {
        "prompt_tokens": spec.prompt_tokens(check.counter, MODEL, body),
        "completion_tokens": check.counter.text_tokens(MODEL, ANSWER),
    }
    ceilings = spec.usage_ceilings(body, catalogue.facts(MODEL))
    answered = Answered(
        spec, body, MODEL, ceilings, lambda: spec.answer_text(answer), "bench", "req-bench"
    )

    def without() -> object:
        return checked_usage(honest, ceilings, lambda: 0, lambda: 0)

    def with_floors() -> object:
        return check.check(honest, answered)

    base, new = [], []
    for _ in range(rounds):  # interleaved
        base += best_microseconds(without, number, 1)
        new += best_microseconds(with_floors, number, 1)
    b, n = min(base), min(new)
    return (
        f"| {name} | {honest['prompt_tokens']} | {b:.2f} | {n:.2f} | +{n - b:.2f} | {n / b:.2f} |"
    )


if __name__ == "__main__":
    main()
