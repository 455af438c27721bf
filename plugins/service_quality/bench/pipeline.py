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


def link_arrivals(
    sim_landing: Path, dest_landing: Path, first: date | None, last: date, sources: tuple[str, ...] | None = None
) -> int:
    """Hard-link deliveries that arrived in ``[first, last]`` into ``dest_landing``; returns the count."""
    count = 0
    for source_dir in sorted(p for p in sim_landing.iterdir() if p.is_dir()):
        if sources is not None and source_dir.name not in sources:
            continue
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


#: Snapshot sources deliver the full list each time; their files are kept as they are.
SNAPSHOT_SOURCES = ("stores", "employees", "assignments")


def bulk_history(sim_landing: Path, dest_landing: Path, last: date) -> int:
    """History up to ``last`` as one delivery per source and arrival month: fast to load, same rows.

    Loading a year of daily files one by one (each validated by GX) takes hours on a shared
    2-core machine, yet the benchmarks that need history only measure what comes *after* it. The
    same rows, in the same arrival order, concatenated per month (a later row in a file wins, as a
    later file does), give the same ``raw`` tables with far fewer deliveries. Snapshot sources are
    linked file by file. Returns the number of deliveries written or linked.
    """
    import gzip
    from collections import defaultdict

    groups: dict[tuple, list[Path]] = defaultdict(list)
    count = 0
    for source_dir in sorted(p for p in sim_landing.iterdir() if p.is_dir()):
        files = [p for p in source_dir.rglob("*") if p.is_file()]
        for path in sorted(files, key=lambda p: (p.stat().st_mtime, p.as_posix())):
            arrived = arrival_date(path, source_dir)
            if arrived is None or arrived > last:
                continue
            if source_dir.name in SNAPSHOT_SOURCES:
                continue  # linked below, file by file
            kind = "jsonl" if ".jsonl" in path.name else "csv"
            header = b"" if kind == "jsonl" else _read_bytes(path).split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf")
            groups[(source_dir.name, arrived.year, arrived.month, kind, header)].append(path)
    # snapshot sources: every file that arrived by ``last``, as delivered
    for source in SNAPSHOT_SOURCES:
        if (sim_landing / source).is_dir():
            for path in (sim_landing / source).rglob("*"):
                arrived = arrival_date(path, sim_landing / source) if path.is_file() else None
                if arrived is not None and arrived <= last:
                    target = dest_landing / path.relative_to(sim_landing)
                    if not target.exists():
                        target.parent.mkdir(parents=True, exist_ok=True)
                        os.link(path, target)
                        count += 1
    for n, ((source, year, month, kind, header), paths) in enumerate(sorted(groups.items(), key=lambda g: g[0][:4])):
        folder = dest_landing / source / f"{year:04d}" / f"{month:02d}" / "01"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".jsonl.gz" if kind == "jsonl" else ".csv.gz"
        target = folder / f"{source}_history_{year:04d}{month:02d}_{n}{suffix}"
        with gzip.open(target, "wb", compresslevel=1) as out:
            if kind == "csv":
                out.write(header + b"\n")
            for path in paths:
                data = _read_bytes(path)
                body = data.split(b"\n", 1)[1] if kind == "csv" and b"\n" in data else data
                if kind == "jsonl":
                    body = body.lstrip(b"\xef\xbb\xbf")
                if body and not body.endswith(b"\n"):
                    body += b"\n"
                out.write(body)
        mtime = max(p.stat().st_mtime for p in paths)
        os.utime(target, (mtime, mtime))
        count += 1
    return count


def _read_bytes(path: Path) -> bytes:
    import gzip

    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


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


def dbt_project(allow_override: bool = True) -> Path:
    """The dbt project the benchmarks build: the repository's, or ``SQW_BENCH_DBT_PROJECT`` (a copy,
    e.g. ``git archive HEAD dbt_project``, to measure a fixed version while the tree changes)."""
    from service_quality.paths import DBT_PROJECT_DIR

    override = os.environ.get("SQW_BENCH_DBT_PROJECT") if allow_override else None
    return Path(override).resolve() if override else DBT_PROJECT_DIR


#: "Done. PASS=.. ERROR=.." lines of the dbt builds this process ran: a failing test does not stop a
#: benchmark (the timing is still real), but it is reported beside the figure.
DBT_PROBLEMS: list[str] = []


def dbt_build(dsn: WarehouseDsn, target_path: Path, setup: bool = False, project: Path | None = None) -> float:
    """Wall seconds of a bare ``dbt build`` (every model and test) on ``dsn``.

    ``setup``: the first build of a new warehouse, which only prepares the measured ones. It leaves
    out dbt unit tests: a unit test of an incremental model needs the model's table to exist already.
    A build with failing tests is still timed; its summary line goes to :data:`DBT_PROBLEMS`. A build
    that errors before running anything (the project does not compile) raises.
    """
    from service_quality.transform.dbt import DbtError, run_dbt

    command = ["build", "--exclude-resource-type", "unit_test"] if setup else ["build"]
    project = project or dbt_project()
    result = run_dbt(dsn, command, project_dir=project, target_path=target_path, check=False)
    if not result.ok:
        done = [line for line in result.output.splitlines() if "Done. PASS=" in line]
        if not done:
            tail = "\n".join(result.output.strip().splitlines()[-30:])
            raise DbtError(f"dbt {' '.join(command)} failed in {project} before running anything:\n{tail}")
        failures = [line.strip() for line in result.failures()][:5]
        DBT_PROBLEMS.append(f"{done[-1].split('Done. ', 1)[1]}: {'; '.join(failures)}")
        log.warning("dbt %s: %s", " ".join(command), DBT_PROBLEMS[-1])
    return result.seconds
