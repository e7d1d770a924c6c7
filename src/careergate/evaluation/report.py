"""Summaries per model (quality, latency, cost per task, failure rate), the
recommendation, and the chart."""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from careergate.evaluation.attempt import Attempt
from careergate.pricing.amounts import readable_usd
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


CHART_WIDTH = 760
TITLE_FONT_PX = 16
LABEL_WIDTH_PX = 200
CHARACTER_WIDTH = 0.6
"""A sans-serif character's width as a share of its font size, on the wide side, so
that text measured with it fits (an SVG cannot wrap text itself)."""


def _title_lines(title: str) -> list[str]:
    """The title wrapped to lines that fit the chart's width."""
    room = int((CHART_WIDTH - 20) / (TITLE_FONT_PX * CHARACTER_WIDTH))
    return textwrap.wrap(title, room, break_long_words=True) or [""]


def _label(model: str) -> str:
    room = int((LABEL_WIDTH_PX - 20) / (13 * CHARACTER_WIDTH))
    return model if len(model) <= room else model[: room - 1] + "…"


def svg_chart(summaries: list[ModelSummary], title: str) -> str:
    """Bars of quality, p50 latency and cost per task, side by side per model (SVG).

    Quality is drawn on its own absolute scale, 0 to 1, over a track of the whole
    range, so that 0.25 reads as a quarter even when it is the best model's; latency
    and cost have no natural maximum and are drawn relative to the largest. The title
    is wrapped to the chart's width.
    """
    panels: list[tuple[str, list[float], Callable[[float], str], float | None]] = [
        ("quality (0 to 1)", [s.quality for s in summaries], "{:.2f}".format, 1.0),
        ("p50 latency (ms)", [s.p50_ms for s in summaries], "{:,.0f}".format, None),
        (
            "cost per task (USD)",
            [float(s.cost_per_task_usd) for s in summaries],
            lambda value: readable_usd(Decimal(str(value))),
            None,
        ),
    ]
    lines = _title_lines(title)
    head = 20 + 22 * len(lines)
    track = CHART_WIDTH - LABEL_WIDTH_PX - 120
    panel_h = 40 + 28 * len(summaries)
    height = head + panel_h * len(panels)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" '
        'font-family="sans-serif" font-size="13">',
        *(
            f'<text x="10" y="{24 + 22 * row}" font-size="{TITLE_FONT_PX}" '
            f'font-weight="bold">{_escape(line)}</text>'
            for row, line in enumerate(lines)
        ),
    ]
    for index, (name, values, shown, full) in enumerate(panels):
        top = head + index * panel_h
        out.append(f'<text x="10" y="{top + 14}" font-weight="bold">{_escape(name)}</text>')
        scale = full or max(values, default=0.0) or 1.0
        for row, (summary, value) in enumerate(zip(summaries, values, strict=True)):
            y = top + 24 + row * 28
            length = track * min(max(value, 0.0), scale) / scale
            out.append(f'<text x="10" y="{y + 15}">{_escape(_label(summary.model))}</text>')
            if full is not None:
                out.append(
                    f'<rect x="{LABEL_WIDTH_PX}" y="{y}" width="{track}" height="20" '
                    'fill="#e8e8e8"/>'
                )
            out.append(
                f'<rect x="{LABEL_WIDTH_PX}" y="{y}" width="{length:.1f}" height="20" '
                'fill="#4c78a8"/>'
            )
            label_x = LABEL_WIDTH_PX + (track if full is not None else length) + 6
            out.append(f'<text x="{label_x:.1f}" y="{y + 15}">{shown(value)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
