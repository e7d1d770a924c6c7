"""What every kind of task is: how its request becomes items, how one item runs, and
what its results add up to.

A kind is one class: ``plan`` checks the submitted JSON (a 400 naming the field for
anything wrong, before any item runs) and splits it into what the items share and the
items themselves; ``run_item`` does one item through the gateway as the submitter;
``summarise`` combines the items' results when they are read. Registering the class in
``kinds/__init__.py`` is all a new kind takes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from careergate.core.call import Incoming
from careergate.errors import InvalidRequest
from careergate.features.service import FeatureService
from careergate.pricing.catalogue import PriceCatalogue

Run = Callable[[Incoming], Awaitable[Any]]
"""The request path: ``Gateway.run``."""


@dataclass(frozen=True)
class Plan:
    """A checked submission: what every item shares, and the items, in order."""

    params: dict[str, Any]
    items: list[Any]


@dataclass(frozen=True)
class ItemContext:
    """What one item runs with: the gateway (its request path and features), the
    submitter's credential and end user, and the task's shared parameters."""

    run: Run
    features: FeatureService
    secret: str | None
    user: str | None
    params: dict[str, Any] = field(default_factory=dict)
    prices: PriceCatalogue | None = None
    """The gateway's prices, for kinds that report what their items cost."""


class TaskKind(ABC):
    """One kind of task."""

    name: ClassVar[str]
    """As submitted: ``{"kind": "resumes.generate", ...}``."""
    summary: ClassVar[str]
    """One line for listings and help."""
    internal: ClassVar[bool] = False
    """Submitted by the gateway alone (the lines of a batch it runs), never by a caller:
    its payload carries what the gateway vouches for."""

    @abstractmethod
    def plan(self, payload: dict[str, Any]) -> Plan:
        """The task's shared parameters and items, or ``InvalidRequest``."""

    @abstractmethod
    async def run_item(self, item: Any, context: ItemContext) -> Any:
        """One item's result (JSON). A ``GatewayError`` that may pass (``retryable``)
        has the item tried again later; any other fails the item."""

    def feature_of(self, params: dict[str, Any]) -> str | None:
        """The feature the items run under, as ``plan`` left it in ``params`` (``None``:
        the key's): whose ``secrets:`` mode holds for what the task keeps."""
        feature = params.get("feature")
        return feature if isinstance(feature, str) else None

    def summarise(self, params: dict[str, Any], results: list[Any]) -> Any:
        """What the finished items' results add up to (``None``: nothing beyond them)."""
        return None


def list_of(payload: dict[str, Any], name: str, limit: int | None = None) -> list[Any]:
    """``payload[name]``, a non-empty list."""
    value = payload.get(name)
    if not isinstance(value, list) or not value:
        raise InvalidRequest(f"`{name}` must be a non-empty list.", param=name)
    if limit is not None and len(value) > limit:
        raise InvalidRequest(f"`{name}` may hold at most {limit} entries.", param=name)
    return value


def object_at(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRequest(f"`{where}` must be an object.", param=where)
    return value


def user_of(item: dict[str, Any], default: str | None) -> str | None:
    user = item.get("user")
    return user if isinstance(user, str) else default
