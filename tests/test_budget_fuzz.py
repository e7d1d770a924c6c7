"""Request shapes fuzzed against the budget invariant (``hypothesis``).

Each example is a key with a small hard budget of its own and a handful of requests sent
at once through a running gateway with the official SDK: chat completions of any mix
of messages (short and long texts, text parts, texts cut into many parts, images of
any size at low, high or auto detail, audio), names, ``n`` up to and beyond the cap,
output ceilings up to and beyond the model's, tools with schemas, response formats,
predicted outputs, streams with and without usage asked for; and embeddings batches of
strings and token arrays. The upstream bills as OpenAI documents it
(``billing_upstream.py``, written apart from careergate's counting). The budget is
drawn, or set just around the first request's own bill (worked out beforehand), where
a worst case held short of the bill shows. After each example:

- what the upstream billed for the key's requests is within its budget (no overrun);
- every answered request has its usage record, whose costs add up to the bill;
- nothing stays reserved;
- a request over a limit is a 400 naming the parameter; audio, which no rule bounds, is
  refused under the hard budget; anything else is answered or refused for the budget.

The suite runs a fixed set of examples (derandomised, no example database);
``make fuzz`` runs more (``CAREERGATE_FUZZ_EXAMPLES``), drawn afresh and steered
towards the limits (``hypothesis.target``: the share of the budget billed).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, Phase, given, settings, target
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text

from billing_upstream import BillingUpstream, chat_bill, embeddings_bill
from careergate.auth.principal import Role
from careergate.models.snapshots import SnapshotCatalogue
from conftest import RunningGateway, gateway_settings, start_gateway
from test_budget_shapes import TOOLS, bills_nano, deployment, png, shipped_prices
from test_keys_access import admin_call

EXAMPLES = int(os.environ.get("CAREERGATE_FUZZ_EXAMPLES", "60"))
# The short run in the suite is the same every time; a long run (make fuzz) explores.
REPEATABLE = "CAREERGATE_FUZZ_EXAMPLES" not in os.environ
MAX_CHOICES = 128  # the gateway's default cap on ``n``
DEFAULT_CEILING = 4096  # the gateway's ceiling for a request without one, under a budget
CHAT_MODELS = ("gpt-4o-mini", "gpt-4o")
CATALOGUE = SnapshotCatalogue.shipped(snapshot_of=shipped_prices().snapshot)
MAX_OUTPUT = {model: CATALOGUE.facts(model).max_output for model in CHAT_MODELS}

Body = dict[str, Any]


def mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], one_in: int) -> Any:
    """``common``, but ``rare`` about one time in ``one_in`` (``one_of`` weighs its
    branches alike, and repeating a branch does not weigh it more)."""
    chosen = st.tuples(st.integers(1, one_in), common, rare)
    return chosen.map(lambda drawn: drawn[2] if drawn[0] == 1 else drawn[1])


WORDS = [
    "led",
    "the",
    "payments",
    "migration",
    "across",
    "four",
    "teams",
    "and",
    "cut",
    "costs",
    "by",
    "a",
    "third",
]
texts = st.one_of(
    st.text(max_size=60),
    st.tuples(st.integers(0, 600), st.integers(0, len(WORDS))).map(  # up to a long resume
        lambda drawn: " ".join(WORDS[(drawn[1] + i) % len(WORDS)] for i in range(drawn[0]))
    ),
)
image_parts = st.builds(
    lambda size, detail: {
        "type": "image_url",
        "image_url": {"url": png(*size)} | ({"detail": detail} if detail else {}),
    },
    st.tuples(st.integers(1, 8000), st.integers(1, 8000)),
    st.sampled_from([None, "low", "high", "auto"]),
)
audio_part = st.just({"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}})
names = st.from_regex(r"[A-Za-z0-9_-]{1,16}", fullmatch=True)
text_parts = texts.map(lambda t: {"type": "text", "text": t})
parts = mostly(st.one_of(text_parts, image_parts), audio_part, 12)
split_texts = st.builds(  # a text cut into parts of a few characters: more tokens apart
    lambda text, size: (
        [{"type": "text", "text": text[i : i + size]} for i in range(0, len(text), size)]
        or [{"type": "text", "text": ""}]
    ),
    texts,
    st.integers(1, 8),
)
messages = st.builds(
    lambda role, content, name: {"role": role, "content": content} | name,
    st.sampled_from(["system", "developer", "user", "assistant"]),
    st.one_of(texts, st.lists(parts, min_size=1, max_size=4), split_texts),
    st.one_of(
        st.just({}),
        names.map(lambda name: {"name": name}),
    ),
)
within = st.one_of(st.integers(1, 64), st.integers(65, 2000))
beyond = st.one_of(st.integers(16_000, 20_000), st.integers(-3, 0), st.just(2**63 - 1))
ceilings = mostly(within, beyond, 6)
ceiling_fields = st.one_of(  # which of the two ceilings the request names
    ceilings.map(lambda c: {"max_tokens": c}),
    ceilings.map(lambda c: {"max_completion_tokens": c}),
    st.tuples(ceilings, ceilings).map(
        lambda cs: {"max_tokens": cs[0], "max_completion_tokens": cs[1]}
    ),
    st.just({}),  # none: the gateway sets one
)
tools = st.one_of(
    st.sampled_from(TOOLS),
    st.builds(  # a function with a schema of its own
        lambda name, description, properties: {
            "type": "function",
            "function": {
                "name": name,
                "description": description,
                "parameters": {
                    "type": "object",
                    "properties": {
                        key: {"type": kind, "description": about}
                        for key, (kind, about) in properties.items()
                    },
                },
            },
        },
        names,
        texts,
        st.dictionaries(
            names,
            st.tuples(st.sampled_from(["string", "integer", "boolean", "number"]), texts),
            max_size=6,
        ),
    ),
)
schemas = st.sampled_from(
    [
        {"type": "json_object"},
        {
            "type": "json_schema",
            "json_schema": {
                "name": "bullet",
                "schema": {"type": "object", "properties": {"bullet": {"type": "string"}}},
            },
        },
    ]
)
chat_options = st.fixed_dictionaries(
    {},
    optional={
        "n": mostly(st.integers(1, 6), st.one_of(st.integers(120, 140), st.integers(-1, 0)), 8),
        "tools": st.lists(tools, min_size=1, max_size=3),
        "response_format": schemas,
        "prediction": texts.map(lambda t: {"type": "content", "content": t}),
        "stream": st.booleans(),
    },
)


@st.composite
def chat_requests(draw: st.DrawFn) -> tuple[str, Body]:
    body: Body = {
        "model": draw(st.sampled_from(CHAT_MODELS)),
        "messages": draw(st.lists(messages, min_size=1, max_size=5)),
        **draw(ceiling_fields),
        **draw(chat_options),
    }
    if body.get("stream"):
        body["stream_options"] = {"include_usage": draw(st.booleans())}
    return "chat", body


token_arrays = st.lists(st.integers(0, 100_000), min_size=1, max_size=40)
embeddings_requests = st.builds(
    lambda inputs: ("embeddings", {"model": "text-embedding-3-small", "input": inputs}),
    st.one_of(
        texts.filter(bool),
        st.lists(texts.filter(bool), min_size=1, max_size=16),
        token_arrays,
        st.lists(token_arrays, min_size=1, max_size=8),
    ),
)
requests = st.one_of(chat_requests(), chat_requests(), embeddings_requests)


def expected_refusal(endpoint: str, body: Body) -> tuple[str, str] | None:
    """The 400 a request must get, as (code, parameter); ``None``: it may be answered
    (or refused for the budget)."""
    if endpoint != "chat":
        return None
    for name in ("max_tokens", "max_completion_tokens", "n"):
        if name in body and body[name] <= 0:
            return "invalid_type", name
    if body.get("n", 1) > MAX_CHOICES:
        return "integer_above_max_value", "n"
    ceiling = body.get("max_completion_tokens") or body.get("max_tokens")
    if ceiling is not None and ceiling > MAX_OUTPUT[body["model"]]:
        named = "max_completion_tokens" if body.get("max_completion_tokens") else "max_tokens"
        return "integer_above_max_value", named
    for index, message in enumerate(body["messages"]):
        content = message["content"]
        if isinstance(content, list) and any(p["type"] == "input_audio" for p in content):
            return "cost_not_bounded", f"messages[{index}].content"
    return None


def bill_of(endpoint: str, body: Body) -> int:
    """What the upstream will bill for a request the gateway lets through, worked out
    beforehand (a request without a ceiling gets the gateway's default one, 4096)."""
    if endpoint == "embeddings":
        return bills_nano([(body["model"], embeddings_bill(body), 0)])
    sent = dict(body)
    if not (sent.get("max_completion_tokens") or sent.get("max_tokens")):
        sent.pop("max_tokens", None)
        sent["max_completion_tokens"] = DEFAULT_CEILING
    return bills_nano([(body["model"], *chat_bill(sent))])


def budget_for(
    batch: list[tuple[str, Body]], micro_usd: int, offset: tuple[int, int] | None
) -> int:
    """The key's budget in nano-dollars: ``micro_usd``, or (``offset`` given) the first
    request's own bill moved by a few nano-dollars and a few per cent (``offset``: the
    nano-dollars, and thousandths of the bill), so that a worst case held short of the
    bill lets the request through, and shows as an overrun."""
    answerable = [request for request in batch if expected_refusal(*request) is None]
    if offset is None or not answerable:
        return micro_usd * 1_000
    bill = bill_of(*answerable[0])
    return max(1, bill + offset[0] + bill * offset[1] // 1000)


def send(client: openai.OpenAI, endpoint: str, body: Body) -> tuple[str, str | None]:
    """``("ok", request id)``, or the refusal's ``(code, parameter)``."""
    try:
        if endpoint == "chat":
            rest = {k: v for k, v in body.items() if k not in ("model", "messages", "stream")}
            raw = client.chat.completions.with_raw_response.create(
                model=body["model"],
                messages=body["messages"],
                stream=bool(body.get("stream")),
                extra_body=rest,
            )
            answer = raw.parse()
            if body.get("stream"):
                list(answer)  # type: ignore[call-overload]
        else:
            raw = client.embeddings.with_raw_response.create(  # type: ignore[assignment]
                model=body["model"], input=body["input"]
            )
            raw.parse()
    except openai.APIStatusError as refused:
        error = refused.body if isinstance(refused.body, dict) else {}
        return f"{refused.status_code}:{error.get('code')}", error.get("param")
    return "ok", raw.headers["x-request-id"]


class Ledger:
    """Reads the gateway's SQLite file directly (a plain engine: no event loop per read)."""

    def __init__(self, path: Path) -> None:
        self.engine: Engine = create_engine(f"sqlite:///{path}")

    def costs(self, request_ids: list[str]) -> dict[str, int | None]:
        if not request_ids:
            return {}
        marks = ", ".join(f":r{n}" for n in range(len(request_ids)))
        query = text(  # placeholders only: the ids are bound
            f"SELECT request_id, cost_nano_usd FROM usage_records WHERE request_id IN ({marks})"  # noqa: S608
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query, {f"r{n}": r for n, r in enumerate(request_ids)})
            return {row[0]: row[1] for row in rows}

    def reserved(self) -> int:
        with self.engine.connect() as connection:
            found = connection.execute(text("SELECT SUM(reserved_nano_usd) FROM budget_windows"))
            return int(found.scalar() or 0)


@dataclass
class Tally:
    """What the run did, printed at its end (``pytest -s``): the figures
    docs/benchmarks.md records."""

    examples: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    limit: int = 0
    billed: int = 0
    overrun: int = 0
    closest: float = 0.0

    def add(self, outcomes: list[str], limit: int, billed: int) -> None:
        self.examples += 1
        self.outcomes.update(outcomes)
        self.limit, self.billed = self.limit + limit, self.billed + billed
        self.overrun += max(0, billed - limit)
        self.closest = max(self.closest, billed / limit)

    def __str__(self) -> str:
        return (
            f"{self.examples} examples, {sum(self.outcomes.values())} requests: "
            f"{dict(sorted(self.outcomes.items()))}; budgets {self.limit} nano-USD, billed "
            f"{self.billed}, overrun {self.overrun}; closest to a limit: {self.closest:.4f}"
        )


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    found = Tally()
    yield found
    print(f"\nbudget fuzz: {found}")


@pytest.fixture(scope="module")
def upstream() -> Iterator[BillingUpstream]:
    with BillingUpstream() as running:
        yield running


@pytest.fixture(scope="module")
def fuzzed(
    upstream: BillingUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    folder = tmp_path_factory.mktemp("budget-fuzz")
    settings = gateway_settings(
        folder, deployment(upstream), admin_rpm=1_000_000, usage_flush_seconds=0.01
    )
    yield from start_gateway(settings, None)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def admin(fuzzed: RunningGateway) -> str:
    return fuzzed.create_key(role=Role.ADMIN)


@pytest.fixture(scope="module")
def sdk(fuzzed: RunningGateway) -> Iterator[openai.OpenAI]:
    """One client (and connection pool) for every example; each uses its own key."""
    with openai.OpenAI(base_url=fuzzed.base_url, api_key="none", max_retries=0) as client:
        yield client


@pytest.fixture(scope="module")
def ledger(fuzzed: RunningGateway) -> Iterator[Ledger]:
    found = Ledger(fuzzed.settings.data_dir / "careergate.db")
    yield found
    found.engine.dispose()


@given(
    budget_micro_usd=st.integers(100, 60_000),
    tight=st.one_of(st.none(), st.tuples(st.integers(-3, 3), st.integers(-50, 50))),
    batch=st.lists(requests, min_size=1, max_size=4),
)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=REPEATABLE,
    database=None,
    suppress_health_check=list(HealthCheck),
    # No tracing (explain); targeting only in a long run, whose examples may then depend
    # on what was billed: the suite's are the same every time.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]
    + ([] if REPEATABLE else [Phase.target]),
)
def test_no_request_shape_overruns_a_hard_budget(
    fuzzed: RunningGateway,
    upstream: BillingUpstream,
    admin: str,
    sdk: openai.OpenAI,
    ledger: Ledger,
    tally: Tally,
    budget_micro_usd: int,
    tight: tuple[int, int] | None,
    batch: list[tuple[str, Body]],
) -> None:
    limit = budget_for(batch, budget_micro_usd, tight)
    budget = Decimal(limit) / 1_000_000_000
    status, created = admin_call(
        fuzzed, admin, "POST", "/admin/keys", {"budget_usd": format(budget, "f")}
    )
    assert status == 201, created
    bills_before = len(upstream.bills)
    client = sdk.with_options(api_key=created["key"])
    with ThreadPoolExecutor(len(batch)) as pool:
        outcomes = list(pool.map(lambda request: send(client, *request), batch))

    answered: list[str] = []
    for (endpoint, body), (outcome, detail) in zip(batch, outcomes, strict=True):
        refusal = expected_refusal(endpoint, body)
        if refusal is not None:
            assert (outcome, detail) == (f"400:{refusal[0]}", refusal[1]), body
        elif outcome == "ok":
            assert detail is not None
            answered.append(detail)
        else:
            assert outcome == "429:budget_exceeded", (outcome, detail, body)

    billed = bills_nano(upstream.bills[bills_before:])
    target(billed / limit, label="share of the budget billed")  # steer towards the limit
    tally.add([outcome for outcome, _ in outcomes], limit, billed)
    assert billed <= limit, f"overrun of {billed - limit} nano-dollars"
    costs: dict[str, int | None] = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the records land just after the answers
        costs = ledger.costs(answered)
        if len(costs) == len(answered) and ledger.reserved() == 0:
            break
        time.sleep(0.02)
    assert sorted(costs) == sorted(answered), "an answered request was left unmetered"
    assert sum(cost or 0 for cost in costs.values()) == billed
    assert ledger.reserved() == 0
