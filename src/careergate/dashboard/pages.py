"""The dashboard's pages: each a path, a title in the navigation, a template for its
body and a script that fills it. A new page is a line here, a template and a script."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Page:
    slug: str
    """Its path under ``/dashboard/`` (``""``: the dashboard's own path)."""
    title: str
    template: str
    script: str

    @property
    def path(self) -> str:
        return f"/dashboard/{self.slug}" if self.slug else "/dashboard"


PAGES = (
    Page("", "Usage and cost", "usage.html", "usage.js"),
    Page("budgets", "Budgets", "budgets.html", "budgets.js"),
    Page("keys", "Keys", "keys.html", "keys.js"),
    Page("alerts", "Alerts", "alerts.html", "alerts.js"),
    Page("upstreams", "Upstreams and latency", "upstreams.html", "upstreams.js"),
    Page("cache", "Cache", "cache.html", "cache.js"),
    Page("evals", "Evals", "evals.html", "evals.js"),
)
