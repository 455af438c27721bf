"""History subsets of a simulated landing zone: by arrival folder, keeping each file's arrival time."""

from __future__ import annotations

import os
from datetime import date

import pytest

from service_quality.bench.commands import _names
from service_quality.bench.pipeline import link_arrivals


def _deliver(root, source, day: date, name: str, mtime: float):
    path = root / source / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("header\n")
    os.utime(path, (mtime, mtime))
    return path


def test_history_then_one_more_day(tmp_path):
    sim = tmp_path / "sim" / "landing"
    _deliver(sim, "sales", date(2025, 1, 2), "sales_20250101.csv.gz", 1_000)
    _deliver(sim, "sales", date(2025, 1, 3), "sales_20250102.csv.gz", 2_000)
    _deliver(sim, "stores", date(2025, 1, 1), "stores_20250101.csv", 500)
    _deliver(sim, "sales", date(2025, 1, 4), "sales_20250103.csv.gz", 3_000)
    dest = tmp_path / "bench" / "landing"

    assert link_arrivals(sim, dest, None, date(2025, 1, 2)) == 2
    assert sorted(p.name for p in dest.rglob("*.csv*")) == ["sales_20250101.csv.gz", "stores_20250101.csv"]
    # the arrival time (mtime) decides which version wins downstream: it must survive
    assert (dest / "sales/2025/01/02/sales_20250101.csv.gz").stat().st_mtime == 1_000

    assert link_arrivals(sim, dest, date(2025, 1, 3), date(2025, 1, 3)) == 1
    assert (dest / "sales/2025/01/03/sales_20250102.csv.gz").exists()
    assert not (dest / "sales/2025/01/04").exists()


def test_only_known_benchmarks_are_accepted():
    assert _names("parse, memory") == ["parse", "memory"]
    with pytest.raises(Exception, match="unknown benchmark"):
        _names("parse,speed")
