"""Alerts ahead of a snapshot's shutdown, for the snapshots this gateway can send to
(what aliases, canaries, deployments and fallbacks name)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from careergate.models.snapshots import SnapshotCatalogue
from careergate.observability.alerts import Alert

WARN_DAYS = 30


def upcoming_shutdowns(
    snapshots: SnapshotCatalogue, in_use: Iterable[str], today: date, within_days: int = WARN_DAYS
) -> list[Alert]:
    """One alert per snapshot in use that shuts down within ``within_days`` (or did)."""
    alerts = []
    for model in sorted({snapshots.canonical(name) for name in in_use}):
        info = snapshots.info(model)
        if info is None or info.deprecated_on is None:
            continue
        days = (info.deprecated_on - today).days
        if days > within_days:
            continue
        when = f"in {days} days" if days > 0 else "already"
        instead = f"; move to {info.replacement}" if info.replacement else ""
        alerts.append(
            Alert(
                "model_deprecation",
                model,
                f"Model {model} is shut down on {info.deprecated_on.isoformat()} ({when}) and "
                f"this gateway still routes to it{instead}.",
            )
        )
    return alerts
