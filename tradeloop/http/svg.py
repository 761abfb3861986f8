"""Charts as inline SVG, drawn on the server: a line or area over a series, and bars of signed values.

Each chart is one self-contained <svg> element (no script, no stylesheet of its
own, no font or image from elsewhere) that scales to its container and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Final

WIDTH: Final = 800
HEIGHT: Final = 240
_PAD: Final = 40


def _scale(values: Sequence[float], low: float, high: float, top: float, bottom: float) -> list[float]:
    span = high - low or 1.0
    return [bottom - (value - low) / span * (bottom - top) for value in values]


def _xs(count: int) -> list[float]:
    inner = WIDTH - 2 * _PAD
    return [_PAD + (inner * i / (count - 1) if count > 1 else inner / 2) for i in range(count)]


def path_data(values: Sequence[float], low: float, high: float) -> str:
    """The SVG path of a series drawn across the chart: one point per value, 'M x y L x y ...'."""
    ys = _scale(values, low, high, _PAD / 2, HEIGHT - _PAD)
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.2f} {y:.2f}" for i, (x, y) in enumerate(zip(_xs(len(values)), ys)))


def _tick(value: float) -> str:
    """An axis value: to the cent from 1 up, else to three significant digits (a drawdown of -0.00067%)."""
    return f"{value:,.2f}" if value == 0 or abs(value) >= 1 else f"{value:.3g}"


def _axis(low: float, high: float, label: str) -> str:
    return (
        f'<line x1="{_PAD}" y1="{HEIGHT - _PAD}" x2="{WIDTH - _PAD}" y2="{HEIGHT - _PAD}" class="axis"/>'
        f'<text x="4" y="{_PAD / 2 + 4}" class="tick">{escape(_tick(high))}</text>'
        f'<text x="4" y="{HEIGHT - _PAD}" class="tick">{escape(_tick(low))}</text>'
        f'<text x="{WIDTH - _PAD}" y="{HEIGHT - 8}" class="tick" text-anchor="end">{escape(label)}</text>'
    )


def line_chart(title: str, series: Sequence[tuple[str, str, Sequence[float]]], label: str = "") -> str:
    """Lines over the same points, each (name, css class, values), on a shared scale."""
    drawn = [values for _, _, values in series if values]
    if not drawn:
        return f'<p class="empty">{escape(title)}: no data.</p>'
    low = min(min(values) for values in drawn)
    high = max(max(values) for values in drawn)
    paths = "".join(
        f'<path class="{css}" data-series="{escape(name)}" data-points="{len(values)}" d="{path_data(values, low, high)}"/>'
        for name, css, values in series
        if values
    )
    named = [(name, css) for name, css, values in series if values]
    legend = " ".join(f'<span class="{css}-key">{escape(name)}</span>' for name, css in named) if len(named) > 1 else ""
    return (
        f"<figure><figcaption>{escape(title)} {legend}</figcaption>"
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f"{_axis(low, high, label)}{paths}</svg></figure>"
    )


def bar_chart(title: str, bars: Sequence[tuple[str, float]]) -> str:
    """One bar per (name, value) from a zero line: above it for gains, below for losses."""
    if not bars:
        return f'<p class="empty">{escape(title)}: no data.</p>'
    low, high = min(0.0, *(v for _, v in bars)), max(0.0, *(v for _, v in bars))
    zero = _scale([0.0], low, high, _PAD / 2, HEIGHT - _PAD)[0]
    slot = (WIDTH - 2 * _PAD) / len(bars)
    shapes = []
    for i, ((name, value), y) in enumerate(zip(bars, _scale([v for _, v in bars], low, high, _PAD / 2, HEIGHT - _PAD))):
        x = _PAD + i * slot + slot * 0.15
        w = slot * 0.7
        top, bottom = min(y, zero), max(y, zero)
        css = "gain" if value >= 0 else "loss"
        shapes.append(
            f'<path class="{css}" data-series="{escape(name)}" data-points="1" '
            f'd="M{x:.2f} {bottom:.2f} L{x:.2f} {top:.2f} L{x + w:.2f} {top:.2f} L{x + w:.2f} {bottom:.2f} Z"/>'
            f'<text x="{x + w / 2:.2f}" y="{HEIGHT - _PAD + 16}" class="tick" text-anchor="middle">{escape(name)}</text>'
            f'<text x="{x + w / 2:.2f}" y="{top - 4:.2f}" class="tick" text-anchor="middle">{escape(_tick(value))}</text>'
        )
    return (
        f"<figure><figcaption>{escape(title)}</figcaption>"
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f'<line x1="{_PAD}" y1="{zero:.2f}" x2="{WIDTH - _PAD}" y2="{zero:.2f}" class="axis"/>{"".join(shapes)}</svg></figure>'
    )
