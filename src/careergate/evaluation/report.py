"""Summaries per model (quality, latency, cost per task, failure rate), the
recommendation, and the chart."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from careergate.evaluation.runner import Attempt
from careergate.pricing.catalogue import usd_from_nano

QUALITY_MARGIN = 0.05
"""A model within this much of the best quality counts as good enough."""
MAX_FAILURE_RATE = 0.05


@dataclass(frozen=True)
class ModelSummary:
    model: str
    attempts: int
    quality: float
    """Mean score of the answered attempts (failures score 0)."""
    p50_ms: float
    p95_ms: float
    cost_per_task_nano_usd: int
    failure_rate: float

    @property
    def cost_per_task_usd(self) -> Decimal:
        return usd_from_nano(self.cost_per_task_nano_usd)

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "attempts": self.attempts,
            "quality": round(self.quality, 4),
            "p50_ms": round(self.p50_ms, 1),
            "p95_ms": round(self.p95_ms, 1),
            "cost_per_task_usd": str(self.cost_per_task_usd),
            "failure_rate": round(self.failure_rate, 4),
        }


def summarise(attempts: list[Attempt], models: list[str]) -> list[ModelSummary]:
    summaries = []
    for model in models:
        mine = [a for a in attempts if a.model == model]
        latencies = sorted(a.latency_s * 1000 for a in mine)
        summaries.append(
            ModelSummary(
                model=model,
                attempts=len(mine),
                quality=statistics.fmean(a.score for a in mine) if mine else 0.0,
                p50_ms=_quantile(latencies, 0.50),
                p95_ms=_quantile(latencies, 0.95),
                cost_per_task_nano_usd=round(statistics.fmean(a.cost_nano_usd for a in mine))
                if mine
                else 0,
                failure_rate=sum(1 for a in mine if a.error) / len(mine) if mine else 0.0,
            )
        )
    return summaries


def _quantile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def recommend(summaries: list[ModelSummary]) -> tuple[ModelSummary | None, str]:
    """The cheapest model whose quality is within ``QUALITY_MARGIN`` of the best and whose
    failure rate is at most ``MAX_FAILURE_RATE``, and why."""
    reliable = [s for s in summaries if s.failure_rate <= MAX_FAILURE_RATE]
    if not reliable:
        return None, "no model answered reliably enough (failure rate above 5%)"
    best = max(s.quality for s in reliable)
    good = [s for s in reliable if s.quality >= best - QUALITY_MARGIN]
    choice = min(good, key=lambda s: (s.cost_per_task_nano_usd, s.p50_ms))
    return choice, (
        f"{choice.model}: the cheapest (${choice.cost_per_task_usd} per task) of "
        f"{len(good)} model(s) within {QUALITY_MARGIN:.0%} of the best quality ({best:.2f})"
    )


def svg_chart(summaries: list[ModelSummary], title: str) -> str:
    """Bars of quality, p50 latency and cost per task, side by side per model (SVG)."""
    panels: list[tuple[str, list[float], str]] = [
        ("quality", [s.quality for s in summaries], "{:.2f}"),
        ("p50 latency (ms)", [s.p50_ms for s in summaries], "{:,.0f}"),
        ("cost per task (USD)", [float(s.cost_per_task_usd) for s in summaries], "{:.6f}"),
    ]
    width, panel_h, bar_h, label_w = 760, 40 + 28 * len(summaries), 20, 200
    height = 50 + panel_h * len(panels)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="13">',
        f'<text x="10" y="24" font-size="16" font-weight="bold">{_escape(title)}</text>',
    ]
    for index, (name, values, shown) in enumerate(panels):
        top = 50 + index * panel_h
        out.append(f'<text x="10" y="{top + 14}" font-weight="bold">{_escape(name)}</text>')
        scale = max(values) or 1.0
        for row, (summary, value) in enumerate(zip(summaries, values, strict=True)):
            y = top + 24 + row * 28
            length = (width - label_w - 120) * value / scale
            out.append(f'<text x="10" y="{y + 15}">{_escape(summary.model)}</text>')
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" '
                'fill="#4c78a8"/>'
            )
            label = shown.format(value)
            out.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 15}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
