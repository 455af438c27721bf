"""End to end: the simulated year through the run command (``sqw run``), and where its time went.

``sqw run`` starts a local Airflow, bootstraps the warehouse, runs the nine ingestion DAGs, the
transform DAG and the attestation DAGs of every closed quarter and the year. The figure is its wall
time; the split into ingest, transform, attestation and Airflow overhead comes from Airflow's own
``task_instance`` records (see ``stages``): overhead is the time in which no task of ours ran
(Airflow start-up, DAG parsing, scheduling, process start-up).

The attestation runs build only the attestation models when the transform DAG has just built everything
upstream from the same deliveries (``service_quality.attestation.build``). To show that this changes the
time and not the result, the same year runs a second time the older way (``sqw run
--full-attestation-builds``: each of the six attestation runs builds every model upstream of the marts
again), each in a warehouse and an Airflow of its own, and the published revisions of both (period,
revision number, inputs checksum) are compared: ``revisions_identical`` is 1 only when they are equal.

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


def run_year(scale: str, *, full_attestation_builds: bool = False) -> dict:
    sim = simulated(scale)
    variant = "-full-attestation" if full_attestation_builds else ""
    base = work_dir(f"e2e{variant}", scale, fresh=True)
    landing = base / "landing"
    deliveries = link_arrivals(sim, landing, None, YEAR_END)
    home = work_dir(f"airflow-e2e{variant}", scale, fresh=True)
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
                *(["--full-attestation-builds"] if full_attestation_builds else []),
            ],
            env=env,
            timeout=6 * 3600,
        )
        wall = time.perf_counter() - started
        with dsn.connect() as conn:
            rows = conn.execute("select coalesce(sum(rows_loaded), 0) from ops.deliveries").fetchone()[0]
            revisions = conn.execute(
                "select period_type, period_label, revision, inputs_checksum from attestation.revisions order by 1, 2, 3"
            ).fetchall()
            attestation_builds = dict(
                conn.execute(
                    "select kind, count(*) from ops.dbt_builds where kind like 'attestation%' group by kind"
                ).fetchall()
            )
        # Read before the metadata database is dropped: Airflow's own record of every task of the run.
        intervals = stages.task_intervals(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    (base / "run.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    seconds = stages.split(intervals, started_at, started_at + wall)
    return {
        "wall_s": wall,
        "seconds": seconds,
        "deliveries": deliveries,
        "rows_loaded": int(rows),
        "revisions": [list(r) for r in revisions],
        "attestation_builds": attestation_builds,
    }


def run(scale: str) -> list[Measurement]:
    outcome = run_year(scale)
    older = run_year(scale, full_attestation_builds=True)
    return _records(scale, outcome) + _comparison(scale, outcome, older)


def _comparison(scale: str, outcome: dict, older: dict) -> list[Measurement]:
    """The older way's attestation share and wall time beside the project's, and whether both published alike."""
    same = outcome["revisions"] == older["revisions"]
    share = older["seconds"]["attestation"] / older["wall_s"]
    builds = ", ".join(f"{k} {v}" for k, v in sorted(outcome["attestation_builds"].items()))
    return [
        measure(
            BENCHMARK,
            "share_attestation_full_builds",
            share,
            "share",
            scale,
            None,
            f"the same year with `sqw run --full-attestation-builds` (each attestation run builds everything "
            f"upstream): attestation {older['seconds']['attestation']:.0f} s of {older['wall_s']:.0f} s",
            {"seconds": {k: round(v, 1) for k, v in older["seconds"].items()}, "builds": older["attestation_builds"]},
        ),
        measure(
            BENCHMARK,
            "attestation_s_vs_full_builds",
            outcome["seconds"]["attestation"] / older["seconds"]["attestation"],
            "x",
            scale,
            None,
            f"attestation {outcome['seconds']['attestation']:.0f} s ({builds}) vs "
            f"{older['seconds']['attestation']:.0f} s with full builds",
        ),
        measure(
            BENCHMARK,
            "revisions_identical",
            1.0 if same else 0.0,
            "bool",
            scale,
            ">= 1",
            f"{len(outcome['revisions'])} published revisions (period, revision, inputs checksum) "
            + ("equal to" if same else "DIFFERENT from")
            + " the full-build run's",
            {"revisions": outcome["revisions"], "full_build_revisions": older["revisions"]},
        ),
    ]


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
        target = "<= 0.15" if stage == "attestation" else None
        records.append(
            measure(BENCHMARK, f"share_{stage}", shares[stage], "share", scale, target, f"{seconds[stage]:.0f} s")
        )
    return records
