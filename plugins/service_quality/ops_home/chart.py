"""The quarantine chart of the operators' home: an SVG drawn here, so the page needs no chart library and
no CDN (the machines are offline). Text is escaped here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

#: Distinct colours for the rules, in order of their 30-day totals (the commonest first).
PALETTE = ("#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")


def quarantine_by_rule(rows: Sequence[dict], last_day: date, days: int = 30, width: int = 640) -> str:
    """Stacked columns: rows quarantined per arrival day, one colour per rule, with the legend's totals."""
    first_day = last_day - timedelta(days=days - 1)
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        if first_day <= row["arrival_date"] <= last_day:
            per_day[row["arrival_date"]][row["rule"]] += row["rows_quarantined"]
            totals[row["rule"]] += row["rows_quarantined"]
    rules = sorted(totals, key=lambda rule: (-totals[rule], rule))
    colour = {rule: PALETTE[i % len(PALETTE)] for i, rule in enumerate(rules)}
    top = max((sum(day.values()) for day in per_day.values()), default=0)
    left, plot_top, plot_height = 44, 10, 150
    legend_top = plot_top + plot_height + 28
    height = legend_top + 18 * max(len(rules), 1) + 6
    step = (width - left - 10) / days
    parts = [
        f'<svg class="chart quarantine" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="rows quarantined per day and rule, '
        f'{first_day:%Y-%m-%d} to {last_day:%Y-%m-%d}">',
        f'<line x1="{left}" y1="{plot_top + plot_height}" x2="{width - 10}" y2="{plot_top + plot_height}" '
        'stroke="#888"/>',
        f'<text x="{left - 6}" y="{plot_top + 8}" text-anchor="end" font-size="11">{top}</text>',
        f'<text x="{left - 6}" y="{plot_top + plot_height}" text-anchor="end" font-size="11">0</text>',
    ]
    for i in range(days):
        day = first_day + timedelta(days=i)
        x = left + i * step
        y = plot_top + plot_height
        for rule in rules:
            count = per_day.get(day, {}).get(rule, 0)
            if not count:
                continue
            h = plot_height * count / top
            y -= h
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{colour[rule]}"><title>{day:%Y-%m-%d}: {escape(rule)} {count}</title></rect>'
            )
        if (i % 7 == 0 and i < days - 4) or i == days - 1:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{plot_top + plot_height + 14}" text-anchor="middle" '
                f'font-size="10">{day:%m-%d}</text>'
            )
    if not rules:
        parts.append(
            f'<text x="{left + 8}" y="{plot_top + plot_height / 2}" font-size="12">'
            "no row quarantined in these 30 days</text>"
        )
    for i, rule in enumerate(rules):
        y = legend_top + 18 * i
        parts.append(f'<rect x="{left}" y="{y}" width="12" height="12" fill="{colour[rule]}"/>')
        parts.append(f'<text x="{left + 18}" y="{y + 10}" font-size="12">{escape(rule)}: {totals[rule]} rows</text>')
    parts.append("</svg>")
    return "".join(parts)
