"""Small inline SVG charts for the reports.

Inline SVG, not a JavaScript library: the reports open offline, print crisply, and need nothing from
a CDN. Each function returns a self-contained ``<svg>`` string; text is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

#: Grade colours, shared with the stylesheet (templates/report.css).
GRADE_COLOURS = {"A": "#1b7f4b", "B": "#3a7bd5", "C": "#d98c1f", "D": "#c8413b"}
MUTED = "#b8bec7"
INK = "#1f2933"
GRID = "#e4e7eb"


@dataclass(frozen=True)
class Bar:
    label: str
    points: float | None  # None: the component is not counted (insufficient data, not applicable)
    note: str = ""  # shown after the value, e.g. the effective weight
    text: str | None = None  # the value as printed in the report's locale (default: 1 decimal, half up)


@dataclass(frozen=True)
class TrendPoint:
    label: str
    total: float | None  # None: not attested (or no scorecard) in that period
    grade: str | None = None
    current: bool = False
    text: str | None = None  # the total as printed in the report's locale (default: 1 decimal, half up)


def _fmt(value: float) -> str:
    """One decimal, half away from zero (never Python's half-to-even ``.1f``: 77.25 → 77.3)."""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def component_bars(bars: Sequence[Bar], width: int = 420, not_counted: str = "not counted") -> str:
    """Horizontal bars, 0–100 points per component; components not counted are drawn as a dashed track."""
    row_h, label_w, value_w, top = 22, 150, 92, 4
    track_w = width - label_w - value_w
    height = top + row_h * len(bars) + 16
    parts = [
        f'<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="component points">'
    ]
    for tick in (0, 50, 100):
        x = label_w + track_w * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 14}" stroke="{GRID}" />')
        parts.append(
            f'<text x="{x:.1f}" y="{height - 3}" font-size="9" fill="#7b8794" text-anchor="middle">{tick}</text>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="11" fill="{INK}" text-anchor="end">{escape(bar.label)}</text>'
        )
        if bar.points is None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 5}" width="{track_w}" height="12" rx="2" fill="none" '
                f'stroke="{MUTED}" stroke-dasharray="3 3" />'
            )
            value = not_counted
            colour = "#7b8794"
        else:
            points = max(0.0, min(100.0, float(bar.points)))
            colour = _points_colour(points)
            parts.append(f'<rect x="{label_w}" y="{y + 5}" width="{track_w}" height="12" rx="2" fill="#f1f3f5" />')
            parts.append(
                f'<rect x="{label_w}" y="{y + 5}" width="{track_w * points / 100:.1f}" height="12" rx="2" fill="{colour}" />'
            )
            value = bar.text or _fmt(float(bar.points))
        note = f' <tspan fill="#7b8794">{escape(bar.note)}</tspan>' if bar.note else ""
        parts.append(
            f'<text x="{label_w + track_w + 6}" y="{y + 15}" font-size="11" fill="{colour}" font-weight="600">'
            f"{escape(value)}{note}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _points_colour(points: float) -> str:
    if points >= 85:
        return GRADE_COLOURS["A"]
    if points >= 70:
        return GRADE_COLOURS["B"]
    if points >= 55:
        return GRADE_COLOURS["C"]
    return GRADE_COLOURS["D"]


def trend(points: Sequence[TrendPoint], width: int = 260, height: int = 110) -> str:
    """Quarterly totals as columns with their value; the current period is outlined, gaps say "—"."""
    left, bottom, top = 6, 20, 16
    n = max(len(points), 1)
    slot = (width - 2 * left) / n
    col_w = min(34.0, slot * 0.6)
    plot_h = height - top - bottom
    parts = [
        f'<svg class="chart trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="quarterly trend">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" stroke="{GRID}" />',
    ]
    for i, p in enumerate(points):
        cx = left + slot * (i + 0.5)
        weight = ' font-weight="700"' if p.current else ""
        parts.append(
            f'<text x="{cx:.1f}" y="{height - 6}" font-size="10" fill="{INK if p.current else "#7b8794"}" '
            f'text-anchor="middle"{weight}>{escape(p.label)}</text>'
        )
        if p.total is None:
            parts.append(
                f'<text x="{cx:.1f}" y="{height - bottom - 4}" font-size="11" fill="#7b8794" text-anchor="middle">—</text>'
            )
            continue
        value = max(0.0, min(100.0, float(p.total)))
        h = plot_h * value / 100
        colour = GRADE_COLOURS.get(p.grade or "", MUTED)
        stroke = f' stroke="{INK}" stroke-width="1.5"' if p.current else ""
        parts.append(
            f'<rect x="{cx - col_w / 2:.1f}" y="{height - bottom - h:.1f}" width="{col_w:.1f}" height="{h:.1f}" '
            f'rx="2" fill="{colour}"{stroke} />'
        )
        parts.append(
            f'<text x="{cx:.1f}" y="{height - bottom - h - 4:.1f}" font-size="10" fill="{INK}" '
            f'text-anchor="middle">{escape(p.text or _fmt(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def grade_distribution(
    counts: dict[str, int], width: int = 320, height: int = 22, empty: str = "no attested employees"
) -> str:
    """One stacked bar: the share of each grade among attested employees, with counts in the segments."""
    total = sum(counts.get(g, 0) for g in GRADE_COLOURS)
    parts = [
        f'<svg class="chart grades" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="grade distribution">'
    ]
    if total == 0:
        parts.append(f'<rect width="{width}" height="{height}" rx="3" fill="#f1f3f5" />')
        parts.append(
            f'<text x="{width / 2}" y="{height / 2 + 4}" font-size="11" fill="#7b8794" text-anchor="middle">{escape(empty)}</text>'
        )
    x = 0.0
    for grade, colour in GRADE_COLOURS.items():
        n = counts.get(grade, 0)
        if not n:
            continue
        w = width * n / total
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}" />')
        if w >= 22:
            parts.append(
                f'<text x="{x + w / 2:.1f}" y="{height / 2 + 4}" font-size="11" fill="#fff" text-anchor="middle" '
                f'font-weight="600">{grade} {n}</text>'
            )
        x += w
    parts.append("</svg>")
    return "".join(parts)
