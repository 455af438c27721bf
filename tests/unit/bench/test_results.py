"""The benchmark harness: targets are checked, results merge per (benchmark, scale), files are written."""

from __future__ import annotations

import json

import pytest

from service_quality.bench import results
from service_quality.bench.results import Target, measure


@pytest.mark.parametrize(
    ("target", "value", "met"),
    [
        (">= 0.6", 0.6, True),
        (">= 0.6", 0.59, False),
        ("<= 1.25", 1.25, True),
        ("<= 1.25", 1.3, False),
        ("< 1", 0.999, True),
        ("< 1", 1.0, False),
    ],
)
def test_target_is_checked_when_the_record_is_made(target, value, met):
    record = measure("parse", "x", value, "s", "S", target)
    assert record.met is met
    assert Target.parse(target).met(value) is met


def test_a_context_figure_has_no_target_and_no_verdict():
    record = measure("ingest", "copy_rows_per_s", 12345.678, "rows/s", "S")
    assert record.target is None and record.met is None


def test_a_malformed_target_is_refused():
    with pytest.raises(ValueError, match="must look like"):
        Target.parse("about 1")


def test_write_merges_per_benchmark_and_scale(tmp_path):
    results.write(
        [
            measure("parse", "parse_s_worst", 0.4, "s", "S", "< 1"),
            measure("memory", "peak_rss_ratio", 1.1, "x", "S", "<= 1.25"),
        ],
        tmp_path,
    )
    # Re-running only `parse` at S replaces parse at S and keeps memory; M is added beside S.
    results.write([measure("parse", "parse_s_worst", 1.5, "s", "S", "< 1")], tmp_path)
    results.write([measure("parse", "parse_s_worst", 0.3, "s", "M", "< 1")], tmp_path)

    records = json.loads((tmp_path / "latest.json").read_text())
    assert {(r["benchmark"], r["scale"], r["value"], r["met"]) for r in records} == {
        ("parse", "S", 1.5, False),
        ("memory", "S", 1.1, True),
        ("parse", "M", 0.3, True),
    }
    for record in records:
        assert {"name", "value", "unit", "target", "met", "scale", "measured_at"} <= record.keys()

    table = (tmp_path / "latest.md").read_text()
    assert "## Scale S" in table and "## Scale M" in table
    assert "| parse | parse_s_worst | 1.50 | s | < 1 | **NO** |" in table
    assert "| memory | peak_rss_ratio | 1.10 | x | <= 1.25 | yes |" in table


def test_machine_description_names_cpu_cores_and_memory():
    host = results.machine()
    assert host["cores"] >= 1 and host["memory_gib"] > 0 and host["cpu"]


def test_the_table_in_the_doc_is_replaced_between_its_markers(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Perf\n\nintro\n\n{results.DOC_START}\nold table\n{results.DOC_END}\n\n## Findings\nkept\n")
    results.write([measure("parse", "parse_s_worst", 0.4, "s", "S", "< 1")], tmp_path / "out", doc=doc)
    text = doc.read_text()
    assert "old table" not in text and "intro" in text and "## Findings\nkept" in text
    assert "### Scale S" in text and "| parse | parse_s_worst | 0.400 | s | < 1 | yes |" in text
