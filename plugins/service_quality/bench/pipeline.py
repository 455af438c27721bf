"""Simulated data and the pipeline's steps, as the benchmarks drive them.

One simulated year per scale is written once to ``benchmarks/work/sim/<scale>`` and reused (the
simulator is deterministic: same seed, same bytes). A benchmark that needs "history up to a day"
hard-links the deliveries that *arrived* by then (files sit under ``<source>/YYYY/MM/DD/`` by arrival
date; a hard link keeps the file's mtime, which is its arrival time) into a landing root of its own,
and adds a day's deliveries the same way.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service_quality.bench.workspace import work_dir
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

SIM_START = date(2025, 1, 1)
SIM_END = date(2026, 1, 2)
SEED = 42


def simulated(scale: str) -> Path:
    """The simulated landing zone of one year at ``scale`` (written on first use, then reused)."""
    root = work_dir("sim") / scale
    done = root / ".complete"
    if done.exists() and done.read_text().strip() == f"{SIM_START} {SIM_END} {SEED}":
        return root / "landing"
    from service_quality.simulator import simulate

    started = time.monotonic()
    log.info("simulating scale %s from %s to %s into %s", scale, SIM_START, SIM_END, root)
    simulate(scale, SIM_START, SIM_END, seed=SEED, defects=0.0, out=root, overwrite=True)
    done.write_text(f"{SIM_START} {SIM_END} {SEED}\n")
    log.info("simulated in %.0f s", time.monotonic() - started)
    return root / "landing"


def arrival_date(path: Path, source_dir: Path) -> date | None:
    """The arrival date a delivery's folder names (``<source>/YYYY/MM/DD/file``), or None."""
    parts = path.relative_to(source_dir).parts
    if len(parts) < 4:
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def link_arrivals(sim_landing: Path, dest_landing: Path, first: date | None, last: date) -> int:
    """Hard-link deliveries that arrived in ``[first, last]`` into ``dest_landing``; returns the count."""
    count = 0
    for source_dir in sorted(p for p in sim_landing.iterdir() if p.is_dir()):
        for path in sorted(p for p in source_dir.rglob("*") if p.is_file()):
            arrived = arrival_date(path, source_dir)
            if arrived is None or arrived > last or (first is not None and arrived < first):
                continue
            target = dest_landing / path.relative_to(sim_landing)
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:  # another file system: copy, keeping the arrival time
                import shutil

                shutil.copy2(path, target)
            count += 1
    return count


@dataclass
class IngestRun:
    seconds: float
    deliveries: int
    rows_loaded: int
    rows_quarantined: int
    rejected: int


def ingest(dsn: WarehouseDsn, landing_root: Path, scratch: Path, gx: bool = True) -> IngestRun:
    """Ingest every new delivery of every source, in arrival order, the way ``sqw ingest`` does."""
    from service_quality.contracts import SOURCES
    from service_quality.ingest.deliveries import ingest_source
    from service_quality.ingest.settings import IngestSettings

    settings = IngestSettings(
        landing_root=str(landing_root),
        archive_root=str(scratch / "archive"),
        data_docs_root=str(scratch / "data_docs"),
        validate_with_gx=gx,
        pii_key=b"benchmark-only-key",
    )
    started = time.perf_counter()
    results = [r for source in SOURCES for r in ingest_source(source, str(landing_root), dsn, settings)]
    seconds = time.perf_counter() - started
    return IngestRun(
        seconds=seconds,
        deliveries=len(results),
        rows_loaded=sum(r["rows_loaded"] for r in results),
        rows_quarantined=sum(r["rows_quarantined"] for r in results),
        rejected=sum(r["status"] == "rejected" for r in results),
    )


def dbt_build(dsn: WarehouseDsn, target_path: Path) -> float:
    """Wall seconds of a bare ``dbt build`` (every model and test) on ``dsn``."""
    from service_quality.transform.dbt import run_dbt

    return run_dbt(dsn, ["build"], target_path=target_path).seconds
