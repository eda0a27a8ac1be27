"""Bar-chart geometry for server-rendered SVG: no script, no CDN, readable as a table too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH = 720
HEIGHT = 200
AXIS = 20  # room under the bars for the first and last date


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    downloads: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    peak: int


def bar_chart(days: list[tuple[date, int]]) -> Chart:
    """One bar per day, scaled so the busiest day fills the height."""
    peak = max((n for _, n in days), default=0)
    slot = WIDTH / max(len(days), 1)
    plot = HEIGHT - AXIS
    bars = []
    for index, (day, downloads) in enumerate(days):
        height = plot * downloads / peak if peak else 0
        bars.append(
            Bar(
                x=round(index * slot, 2),
                y=round(plot - height, 2),
                width=round(max(slot * 0.8, 1), 2),
                height=round(height, 2),
                day=day,
                downloads=downloads,
            )
        )
    return Chart(width=WIDTH, height=HEIGHT, bars=bars, peak=peak)
