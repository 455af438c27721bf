"""Splitting a run's wall time into stages and Airflow overhead, from task intervals."""

from __future__ import annotations

import pytest

from service_quality.bench.stages import OVERHEAD, Interval, split, stage_of


def test_dag_ids_map_to_stages():
    assert stage_of("ingest_sales") == "ingest"
    assert stage_of("transform") == "transform"
    assert stage_of("attestation_quarterly") == "attestation"
    assert stage_of("warehouse_bootstrap") == "other"


def test_gaps_are_overhead_and_overlaps_are_shared():
    intervals = [
        Interval("ingest", 1, 5),  # alone 1-3, with transform 3-5
        Interval("ingest", 2, 4),  # a parallel ingest task: same stage, not counted twice
        Interval("transform", 3, 7),
        Interval("attestation", 8, 9),
    ]
    seconds = split(intervals, 0, 10)
    assert seconds["ingest"] == pytest.approx(2 + 1)
    assert seconds["transform"] == pytest.approx(1 + 2)
    assert seconds["attestation"] == pytest.approx(1)
    assert seconds[OVERHEAD] == pytest.approx(1 + 1 + 1)  # 0-1, 7-8, 9-10
    assert sum(seconds.values()) == pytest.approx(10)


def test_intervals_outside_the_wall_window_are_clipped():
    seconds = split([Interval("ingest", -5, 2), Interval("transform", 9, 20)], 0, 10)
    assert seconds["ingest"] == pytest.approx(2)
    assert seconds["transform"] == pytest.approx(1)
    assert sum(seconds.values()) == pytest.approx(10)
