"""Incremental scaling: the daily run after 12 months of history against after 1 month.

A daily run ingests one day's deliveries and rebuilds the dbt project (incremental models process
only the new days). If it slowed down with history, a year-old warehouse would miss its window.
Two warehouses are loaded side by side from the same simulated chain: one with the deliveries that
arrived by 2025-01-28 (4 weeks), one with those that arrived by 2025-12-30 (12 months); then each gets
one more day of deliveries (a Wednesday in both cases, so the day's volume is comparable) and the
daily run (ingest + ``dbt build``) is timed on each. Target: ratio <= 1.3.

History is loaded as one delivery per source and month (same rows, same order; see
``pipeline.bulk_history``) without the GX run, to keep set-up time bounded; the measured day's
deliveries go through the full loader, GX included, as in production.

The daily run is measured without Airflow: Airflow's fixed cost per run would push the ratio towards
1 and hide a slowdown in our own code. The detail keeps each daily build's slowest dbt nodes (from
``run_results.json``), so that a model whose cost grows with history shows by name.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

from service_quality.bench.pipeline import DBT_PROBLEMS, bulk_history, dbt_build, ingest, link_arrivals, simulated
from service_quality.bench.results import Measurement, measure
from service_quality.bench.workspace import bench_database, work_dir

log = logging.getLogger(__name__)

BENCHMARK = "incremental"
TARGET = "<= 1.3"
#: (label, last arrival date of the history, the day of the measured daily run)
CASES = (("1_month", date(2025, 1, 28), date(2025, 1, 29)), ("12_months", date(2025, 12, 30), date(2025, 12, 31)))
#: How many of a daily build's slowest dbt nodes the detail keeps.
SLOWEST_NODES = 12


def slowest_nodes(target_path: Path, count: int = SLOWEST_NODES) -> dict[str, float]:
    """The ``count`` slowest nodes (models, tests, seeds) of the dbt run whose artifacts are in ``target_path``."""
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    ranked = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:count]
    return {r["unique_id"].split(".", 2)[-1]: round(r["execution_time"], 2) for r in ranked}


def run(scale: str) -> list[Measurement]:
    sim = simulated(scale)
    DBT_PROBLEMS.clear()
    base = work_dir("incremental", scale, fresh=True)
    daily: dict[str, dict] = {}
    with bench_database("sqw_bench_hist1") as dsn_short, bench_database("sqw_bench_hist12") as dsn_long:
        dsns = {"1_month": dsn_short, "12_months": dsn_long}
        # History first, for both warehouses ...
        for label, history_end, _ in CASES:
            landing = base / label / "landing"
            bulk_history(sim, landing, history_end)
            loaded = ingest(dsns[label], landing, base / label, gx=False)
            build = dbt_build(dsns[label], base / label / "target", setup=True)
            log.info(
                "%s history: %s deliveries ingested in %.0f s, dbt build %.0f s",
                label,
                loaded.deliveries,
                loaded.seconds,
                build,
            )
            daily[label] = {
                "history_rows": loaded.rows_loaded,
                "history_ingest_s": round(loaded.seconds, 1),
                "history_dbt_build_s": round(build, 1),
            }
        # ... then the measured daily runs, one right after the other.
        for label, _, day in CASES:
            landing = base / label / "landing"
            linked = link_arrivals(sim, landing, day, day)
            step = ingest(dsns[label], landing, base / label)
            build = dbt_build(dsns[label], base / label / "target")
            daily[label].update(
                {
                    "day": day.isoformat(),
                    "deliveries": linked,
                    "rows_loaded": step.rows_loaded,
                    "ingest_s": round(step.seconds, 2),
                    "dbt_build_s": round(build, 2),
                    "daily_run_s": round(step.seconds + build, 2),
                    "slowest_dbt_nodes_s": slowest_nodes(base / label / "target"),
                }
            )
    short, long = daily["1_month"], daily["12_months"]
    if DBT_PROBLEMS:
        daily["dbt_problems"] = list(DBT_PROBLEMS)
    ratio = long["daily_run_s"] / short["daily_run_s"]
    note = (
        f"daily run {long['daily_run_s']:.1f} s after 12 months ({long['rows_loaded']} rows that day) vs "
        f"{short['daily_run_s']:.1f} s after 1 month ({short['rows_loaded']} rows)"
    )
    return [
        measure(BENCHMARK, "daily_run_ratio_12m_vs_1m", ratio, "x", scale, TARGET, note, daily),
        measure(
            BENCHMARK,
            "daily_run_s_after_1_month",
            short["daily_run_s"],
            "s",
            scale,
            None,
            f"ingest {short['ingest_s']} s + dbt build {short['dbt_build_s']} s",
        ),
        measure(
            BENCHMARK,
            "daily_run_s_after_12_months",
            long["daily_run_s"],
            "s",
            scale,
            None,
            f"ingest {long['ingest_s']} s + dbt build {long['dbt_build_s']} s",
        ),
        measure(
            BENCHMARK,
            "dbt_build_ratio_12m_vs_1m",
            long["dbt_build_s"] / short["dbt_build_s"],
            "x",
            scale,
            None,
            "the transform part of the daily run alone",
        ),
    ]
