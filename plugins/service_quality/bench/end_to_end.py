"""End to end: the simulated year through the run command (``sqw run``), and where its time went.

``sqw run`` starts a local Airflow, bootstraps the warehouse, runs the nine ingestion DAGs, the
transform DAG and the attestation DAGs of every closed quarter and the year. The figure is its wall
time; the split into ingest, transform, attestation and Airflow overhead comes from Airflow's own
``task_instance`` records (see ``stages``): overhead is the time in which no task of ours ran
(Airflow start-up, DAG parsing, scheduling, process start-up).

The landing zone holds the year's deliveries as the simulator wrote them (daily and weekly files,
defects and re-deliveries included: about 2,100 files at scale S), with their arrival times; the
ingest DAGs load them in batches, as they would a backfill.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from service_quality.bench import stages
from service_quality.bench.pipeline import SIM_START, link_arrivals, simulated
from service_quality.bench.results import Measurement, measure
from service_quality.bench.workspace import airflow_env, bench_database, python, work_dir
from service_quality.bench.workspace import run as run_command

log = logging.getLogger(__name__)

BENCHMARK = "e2e"
YEAR_END = date(2025, 12, 31)


def run_year(scale: str) -> dict:
    sim = simulated(scale)
    base = work_dir("e2e", scale, fresh=True)
    landing = base / "landing"
    deliveries = link_arrivals(sim, landing, None, YEAR_END)
    home = work_dir("airflow-e2e", scale, fresh=True)
    with (
        bench_database("sqw_bench_e2e", bootstrapped=False) as dsn,
        bench_database("sqw_bench_airflow", bootstrapped=False) as metadata,
    ):
        env = airflow_env(home, dsn, metadata)
        env["AIRFLOW_VAR_SURVEY_PII_KEY"] = "benchmark-only-key"
        env["AIRFLOW_VAR_ARCHIVE_ROOT"] = str(base / "archive")
        env["AIRFLOW_VAR_DATA_DOCS_ROOT"] = str(base / "data_docs")
        started_at = time.time()
        started = time.perf_counter()
        result = run_command(
            [
                python(),
                "-m",
                "service_quality.cli",
                "run",
                "--landing",
                str(landing),
                "--from",
                SIM_START.isoformat(),
                "--to",
                YEAR_END.isoformat(),
                "--skip-docs",
            ],
            env=env,
            timeout=6 * 3600,
        )
        wall = time.perf_counter() - started
        with dsn.connect() as conn:
            rows = conn.execute("select coalesce(sum(rows_loaded), 0) from ops.deliveries").fetchone()[0]
        # Read before the metadata database is dropped: Airflow's own record of every task of the run.
        intervals = stages.task_intervals(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    (base / "run.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    seconds = stages.split(intervals, started_at, started_at + wall)
    return {"wall_s": wall, "seconds": seconds, "deliveries": deliveries, "rows_loaded": int(rows)}


def run(scale: str) -> list[Measurement]:
    return _records(scale, run_year(scale))


def _records(scale: str, outcome: dict) -> list[Measurement]:
    wall, seconds = outcome["wall_s"], outcome["seconds"]
    shares = {k: v / wall for k, v in seconds.items()}
    detail = {
        "deliveries": outcome["deliveries"],
        "rows_loaded": outcome["rows_loaded"],
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "shares": {k: round(v, 4) for k, v in shares.items()},
    }
    note = ", ".join(f"{k} {v:.0%}" for k, v in shares.items() if v > 0)
    records = [
        measure(
            BENCHMARK,
            f"year_{scale}_wall_s",
            wall,
            "s",
            scale,
            None,
            f"{outcome['rows_loaded']:,} rows in {outcome['deliveries']} deliveries; {note}",
            detail,
        )
    ]
    for stage in (*stages.STAGES, stages.OVERHEAD):
        if stage == "other" and seconds[stage] == 0:
            continue
        records.append(
            measure(BENCHMARK, f"share_{stage}", shares[stage], "share", scale, None, f"{seconds[stage]:.0f} s")
        )
    return records
