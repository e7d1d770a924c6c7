"""The price catalogue, and exact costs.

Prices are per million tokens in USD, held as integers of pico-dollars per token
(1e-12 USD), so a request's cost is integer arithmetic, exact and fast on the hot path;
it is stored in whole nano-dollars (1e-9 USD, rounded half up), which sums exactly in SQL.
Reasoning tokens are part of OpenAI's ``completion_tokens`` and billed as output;
cached prompt tokens are billed at the cached-input price.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from careergate.usage.record import TokenUsage
from careergate.yaml_text import load_yaml

PICO_PER_USD_PER_MILLION = 1_000_000
"""$1 per million tokens is 1e-6 USD per token: one million pico-dollars."""


def _pico(per_million: Any) -> int:
    value = Decimal(str(per_million)) * PICO_PER_USD_PER_MILLION
    if value != value.to_integral_value():
        raise ValueError(f"price {per_million} has more than six decimal places")
    return int(value)


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """Prices of one snapshot from ``valid_from``, in pico-dollars per token."""

    valid_from: date
    input: int
    cached_input: int
    output: int
    batch_input: int
    batch_output: int

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> ModelPrice:
        valid_from = entry["from"]
        if not isinstance(valid_from, date):
            valid_from = date.fromisoformat(str(valid_from))
        input_price = _pico(entry["input"])
        return cls(
            valid_from=valid_from,
            input=input_price,
            cached_input=_pico(entry.get("cached_input", entry["input"])),
            output=_pico(entry["output"]),
            batch_input=_pico(entry.get("batch_input", entry["input"])),
            batch_output=_pico(entry.get("batch_output", entry["output"])),
        )

    def cost_pico(self, usage: TokenUsage, *, batch: bool = False) -> int:
        cached = min(usage.cached_tokens, usage.prompt_tokens)
        if batch:
            return (
                usage.prompt_tokens * self.batch_input + usage.completion_tokens * self.batch_output
            )
        return (
            (usage.prompt_tokens - cached) * self.input
            + cached * self.cached_input
            + usage.completion_tokens * self.output
        )


def nano_from_pico(pico: int) -> int:
    return (pico + 500) // 1000


def usd_from_nano(nano: int) -> Decimal:
    return Decimal(nano) / Decimal(1_000_000_000)


class PriceCatalogue:
    def __init__(self, aliases: dict[str, str], models: dict[str, list[ModelPrice]]) -> None:
        self.aliases = aliases
        self.models = {
            name: sorted(prices, key=lambda p: p.valid_from) for name, prices in models.items()
        }
        self._starts = {
            name: [p.valid_from for p in prices] for name, prices in self.models.items()
        }
        self._memo: dict[tuple[str, date], ModelPrice | None] = {}

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> PriceCatalogue:
        return cls(
            dict(document.get("aliases") or {}),
            {
                str(name): [ModelPrice.from_entry(e) for e in entries]
                for name, entries in (document.get("models") or {}).items()
            },
        )

    @classmethod
    def shipped(cls, overrides: dict[str, Any] | None = None) -> PriceCatalogue:
        """OpenAI's list prices as shipped, with a config's ``prices:`` laid over them
        (an overridden model's entries replace the shipped ones)."""
        text = resources.files("careergate.pricing").joinpath("prices.yaml").read_text()
        document = load_yaml(text)
        if overrides:
            document["aliases"].update(overrides.get("aliases") or {})
            document["models"].update(overrides.get("models") or {})
        return cls.from_document(document)

    def snapshot(self, model: str) -> str:
        return self.aliases.get(model, model)

    def price(self, model: str, on: date | None = None) -> ModelPrice | None:
        when = on or datetime.now(UTC).date()
        key = (model, when)
        if key not in self._memo:  # the hot path asks for the same few models all day
            if len(self._memo) > 10_000:
                self._memo.clear()
            self._memo[key] = self._lookup(model, when)
        return self._memo[key]

    def _lookup(self, model: str, when: date) -> ModelPrice | None:
        name = self.snapshot(model)
        prices = self.models.get(name)
        if not prices:
            return None
        index = bisect.bisect_right(self._starts[name], when) - 1
        return prices[max(index, 0)]

    def first_price(
        self, models: Iterable[str | None], on: date | None = None
    ) -> ModelPrice | None:
        """The price of the first of ``models`` that has one. A request is held and
        charged at the same one: the upstream's name for the model it is sent to, then
        the public name (an Azure deployment's name has no price of its own)."""
        for model in models:
            if model and (price := self.price(model, on)) is not None:
                return price
        return None

    def request_cost(self, usage: TokenUsage, on: date, models: Iterable[str | None]) -> int | None:
        """A request's cost at the price of the first of ``models`` that has one;
        ``None``: unpriced (``0`` when none is named).
        A request that used no tokens costs nothing."""
        named = [model for model in models if model]
        if not (usage.prompt_tokens or usage.completion_tokens) or not named:
            return 0
        price = self.first_price(named, on)
        return nano_from_pico(price.cost_pico(usage)) if price is not None else None

    def cost_nano(self, model: str, usage: TokenUsage, *, on: date | None = None) -> int | None:
        """The cost in nano-dollars, or ``None`` for a model with no price."""
        price = self.price(model, on)
        return nano_from_pico(price.cost_pico(usage)) if price is not None else None
