"""The inline SVG charts: well-formed, escaped, and drawing what they are given."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from service_quality.attestation import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def test_component_bars_scale_points_and_mark_what_does_not_count():
    svg = charts.component_bars(
        [
            charts.Bar("Mystery shopping", 50.0, "× 0.25"),
            charts.Bar("Тайный покупатель <b>", 100.0),
            charts.Bar("Product knowledge", None),
        ],
        width=400,
    )
    root = _parse(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "Тайный покупатель <b>" in texts  # escaped in the markup, intact once parsed
    assert "&lt;b&gt;" in svg
    assert any(t.startswith("50.0") and "× 0.25" in t for t in texts)
    assert "not counted" in texts
    # Bar widths: the track is 400 - 150 - 92 = 158 px; 50 points = half of it, 100 = all of it.
    widths = sorted(float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("fill") not in {"#f1f3f5", "none"})
    assert widths == [79.0, 158.0]
    dashed = [r for r in root.iter(f"{SVG}rect") if r.get("stroke-dasharray")]
    assert len(dashed) == 1


def test_trend_outlines_the_current_quarter_and_shows_gaps():
    svg = charts.trend(
        [
            charts.TrendPoint("Q1", 72.4, "B"),
            charts.TrendPoint("Q2", 88.0, "A", current=True),
            charts.TrendPoint("Q3", None),
        ]
    )
    root = _parse(svg)
    columns = [r for r in root.iter(f"{SVG}rect")]
    assert [c.get("fill") for c in columns] == [charts.GRADE_COLOURS["B"], charts.GRADE_COLOURS["A"]]
    assert columns[1].get("stroke") == charts.INK and columns[0].get("stroke") is None
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert {"72.4", "88.0", "—"} <= set(texts)


def test_grade_distribution_splits_the_bar_by_share():
    root = _parse(charts.grade_distribution({"A": 1, "B": 3}, width=400))
    rects = {r.get("fill"): float(r.get("width")) for r in root.iter(f"{SVG}rect")}
    assert rects == {charts.GRADE_COLOURS["A"]: 100.0, charts.GRADE_COLOURS["B"]: 300.0}
    empty = charts.grade_distribution({}, width=100)
    assert re.search("no attested employees", empty)
