"""The quarantine chart is a self-contained SVG: one column per day, one colour per rule, totals in the legend."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from service_quality.ops_home.chart import quarantine_by_rule

SVG = "{http://www.w3.org/2000/svg}"


def test_stacked_columns_and_legend():
    rows = [
        {"arrival_date": date(2025, 1, 30), "source": "sales", "rule": "not_null", "rows_quarantined": 4},
        {"arrival_date": date(2025, 1, 30), "source": "traffic", "rule": "range", "rows_quarantined": 2},
        {"arrival_date": date(2025, 1, 31), "source": "sales", "rule": "not_null", "rows_quarantined": 1},
        {"arrival_date": date(2024, 12, 1), "source": "sales", "rule": "old<rule>", "rows_quarantined": 9},
    ]
    svg = quarantine_by_rule(rows, date(2025, 1, 31))
    root = ET.fromstring(svg)  # well-formed, text escaped
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 3
    tallest = max(float(b.get("height")) for b in bars)
    stacked = sum(float(b.get("height")) for b in bars if "2025-01-30" in b.find(f"{SVG}title").text)
    assert abs(stacked - 150) < 0.2 and tallest < 150  # the fullest day fills the plot
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert "not_null: 5 rows" in legend and "range: 2 rows" in legend
    assert not any("old" in (t or "") for t in legend), "outside the 30 days"


def test_an_empty_month_says_so():
    svg = quarantine_by_rule([], date(2025, 1, 31))
    assert "no row quarantined in these 30 days" in svg
    ET.fromstring(svg)
