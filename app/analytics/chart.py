"""Bar-chart geometry for server-rendered SVG: no script, no CDN, readable as a table too.

Plain data in and out; the caller formats the labels (dates and numbers in the
reader's language), so this module knows no locale. The chart has a value axis
with round steps and a date label under every few bars, and bars never wider
than ``MAX_BAR``, so one day of data is one readable bar, not a full-width block.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HEIGHT = 240
LEFT = 48  # room for the value labels
TOP = 12
BOTTOM = 28  # room for the date labels
RIGHT = 12
MAX_BAR = 56
TICKS = 4  # value lines above zero, at most
CHAR_WIDTH = 7.5  # a 12-unit font's average character, in chart units
LABEL_GAP = 16  # between two date labels


@dataclass(frozen=True)
class Point:
    """One bar's data: its short label under the axis, its full label, its count."""

    label: str
    long_label: str
    downloads: int


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    point: Point


@dataclass(frozen=True)
class Tick:
    """A value line across the plot, with its label at the left."""

    y: float
    label: str


@dataclass(frozen=True)
class Label:
    """A date under the axis: centred on its bar, or held inside the chart at the ends."""

    x: float
    text: str
    anchor: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    bottom: float  # the y of the zero line
    right: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    peak: int


def nice_step(peak: int, ticks: int = TICKS) -> int:
    """A round step (1, 2 or 5 times a power of ten) so ``ticks`` steps reach ``peak``.

    >>> nice_step(0), nice_step(3), nice_step(7), nice_step(130), nice_step(999)
    (1, 1, 2, 50, 250)
    """
    if peak <= ticks:
        return 1
    raw = peak / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw and float(factor * power).is_integer():
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def bar_chart(
    points: Sequence[Point], width: int = 720, number: Callable[[int], str] = str
) -> Chart:
    """Bars scaled to a round top value, with value lines and as many date labels as fit."""
    peak = max((p.downloads for p in points), default=0)
    step = nice_step(peak)
    top_value = max(step * math.ceil(peak / step), step)
    plot_width = width - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    zero = TOP + plot_height
    slot = plot_width / max(len(points), 1)
    bar_width = max(min(slot * 0.7, MAX_BAR), 1)
    bars = []
    for index, point in enumerate(points):
        height = plot_height * point.downloads / top_value
        centre = LEFT + slot * (index + 0.5)
        bars.append(
            Bar(
                x=round(centre - bar_width / 2, 2),
                y=round(zero - height, 2),
                width=round(bar_width, 2),
                height=round(height, 2),
                point=point,
            )
        )
    ticks = [
        Tick(y=round(zero - plot_height * value / top_value, 2), label=number(value))
        for value in range(0, top_value + 1, step)
    ]
    return Chart(
        width=width,
        height=HEIGHT,
        left=LEFT,
        top=TOP,
        bottom=zero,
        right=width - RIGHT,
        bars=bars,
        ticks=ticks,
        labels=_labels(bars, plot_width),
        peak=peak,
    )


def _labels(bars: list[Bar], plot_width: float) -> list[Label]:
    """Every n-th bar's label so none overlap; the last bar is always labelled."""
    if not bars:
        return []
    label_width = max(len(bar.point.label) for bar in bars) * CHAR_WIDTH + LABEL_GAP
    room = max(int(plot_width // label_width), 1)
    every = max(math.ceil(len(bars) / room), 1)
    chosen = list(range(len(bars) - 1, -1, -every))[::-1]
    labels = []
    for index in chosen:
        bar = bars[index]
        centre = bar.x + bar.width / 2
        half = len(bar.point.label) * CHAR_WIDTH / 2
        anchor = "middle"
        if centre - half < 0:
            anchor = "start"
        elif centre + half > plot_width + LEFT + RIGHT:
            anchor = "end"
        labels.append(Label(x=round(centre, 2), text=bar.point.label, anchor=anchor))
    return labels
