"""Memory benchmark, smoke-sized: the real loader ingests small sales deliveries in fresh processes."""

from __future__ import annotations

import pytest

from service_quality.bench import memory


@pytest.mark.slow
@pytest.mark.integration
def test_peak_rss_is_measured_for_both_deliveries():
    chunk = 64 * 1024
    records = {r.name: r for r in memory.run("S", multiple=3, chunk=chunk)}
    ratio = records["peak_rss_ratio_3x_vs_1x_chunk"]
    detail = ratio.detail
    assert detail["chunk_bytes"] == chunk
    # the files really are about 1x and 3x the chunk, and every row was loaded
    assert 0.9 * chunk < detail["file_bytes"]["1x"] < 1.3 * chunk
    assert 2.7 * chunk < detail["file_bytes"]["3x"] < 3.9 * chunk
    assert detail["rows_loaded"]["3x"] > 2.5 * detail["rows_loaded"]["1x"] > 0
    # a Python process with psycopg and GX loaded is well over 50 MiB; the ratio is their quotient
    assert records["peak_rss_1x_chunk"].value > 50
    assert abs(ratio.value - records["peak_rss_3x_chunk"].value / records["peak_rss_1x_chunk"].value) < 0.01
    assert ratio.met is (ratio.value <= 1.25)
