"""Bar charts drawn as inline SVG: counts per period, laid out once, here.

The ties page (conversations per week) and a member's development page (conversations per
month) draw the same picture; the templates only place what this computes. Coordinates are
numbers, so templates print them inside `{% localize off %}` (a decimal comma breaks SVG).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

CHART_WIDTH, CHART_HEIGHT = 300, 120
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 4, 4, 14, 18


@dataclass(frozen=True)
class Bar:
    """One period of a chart, already laid out for the SVG."""

    period: date
    count: int
    x: float
    y: float
    width: float
    height: float
    label: str
    show_label: bool

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    total: int
    peak: int
    baseline: float
    # What a screen reader hears instead of the picture.
    summary: str
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def bar_chart(
    values: Sequence[tuple[date, int]],
    *,
    label: Callable[[date], str],
    summary: Callable[[list[Bar], int], str],
    label_every: int = 3,
) -> BarChart:
    """Lay out (period, count) pairs, oldest first, as bars scaled to the busiest period;
    every `label_every`-th period is labelled, counting back from the latest."""
    usable_w = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    usable_h = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = usable_w / max(len(values), 1)
    peak = max((count for _, count in values), default=0)
    bars = []
    for i, (period, count) in enumerate(values):
        height = usable_h * count / peak if peak else 0.0
        bars.append(
            Bar(
                period=period,
                count=count,
                x=round(CHART_LEFT + i * slot + slot * 0.15, 1),
                y=round(CHART_TOP + usable_h - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=label(period),
                show_label=(len(values) - 1 - i) % label_every == 0,
            )
        )
    total = sum(count for _, count in values)
    return BarChart(
        bars=bars,
        total=total,
        peak=peak,
        baseline=CHART_TOP + usable_h,
        summary=summary(bars, total),
    )
