"""Transform: the transform DAG's run, as Airflow records it, against a bare ``dbt build``.

Cosmos renders every dbt model as an Airflow task; that must not cost much more than running dbt
directly. On one warehouse (a month of the simulated chain, ingested), after a first ``dbt build``
that creates every relation: a timed bare ``dbt build``, then the ``transform`` DAG through a real
local Airflow (scheduler, triggerer, LocalExecutor), then another bare ``dbt build``. The DAG run's
duration is ``dag_run.end_date - start_date`` from Airflow's metadata; the bare figure is the mean of
the two builds around it (same data, same warehouse, same run). Target: ratio <= 1.25.
"""

from __future__ import annotations

import logging
import statistics
from datetime import date

from service_quality.bench.airflow_dag import run_dags
from service_quality.bench.pipeline import DBT_PROBLEMS, bulk_history, dbt_build, dbt_project, ingest, simulated
from service_quality.bench.results import Measurement, measure
from service_quality.bench.workspace import airflow_env, bench_database, work_dir

log = logging.getLogger(__name__)

BENCHMARK = "transform"
TARGET = "<= 1.25"
DAG_ID = "transform"
HISTORY_END = date(2025, 1, 31)


def run(scale: str) -> list[Measurement]:
    from service_quality.transform.cosmos import generate_manifest

    sim = simulated(scale)
    DBT_PROBLEMS.clear()
    base = work_dir("transform", scale, fresh=True)
    landing = base / "landing"
    bulk_history(sim, landing, HISTORY_END)
    with (
        bench_database("sqw_bench_transform") as dsn,
        bench_database("sqw_bench_airflow", bootstrapped=False) as metadata,
    ):
        loaded = ingest(dsn, landing, base, gx=False)
        # The DAG renders and runs the repository's dbt project: the bare builds must use the same one.
        project = dbt_project(allow_override=False)
        first = dbt_build(dsn, base / "target", setup=True, project=project)
        manifest = generate_manifest(target_path=base / "manifest")
        env = airflow_env(work_dir("airflow-transform", scale, fresh=True), dsn, metadata)
        env["SQW_DBT_MANIFEST"] = str(manifest)
        env["AIRFLOW_VAR_LANDING_ROOT"] = str(landing)
        before = dbt_build(dsn, base / "target", project=project)
        (dag_run,) = run_dags([DAG_ID], env)
        after = dbt_build(dsn, base / "target", project=project)
    bare = statistics.mean((before, after))
    dag_seconds = dag_run["seconds"]
    detail = {
        "history_last_arrival": HISTORY_END.isoformat(),
        "rows_ingested": loaded.rows_loaded,
        "first_dbt_build_s": round(first, 2),
        "bare_dbt_build_s": [round(before, 2), round(after, 2)],
        "dag_run_s": round(dag_seconds, 2),
        "dag_run_id": dag_run["run_id"],
        "dag_tasks": dag_run["tasks"],
    }
    note = f"DAG run {dag_seconds:.1f} s vs bare dbt build {before:.1f} s / {after:.1f} s (before / after)"
    if dag_run["state"] != "success" or DBT_PROBLEMS:
        detail["dag_run_state"] = dag_run["state"]
        detail["dbt_problems"] = list(DBT_PROBLEMS)
        note += f"; DAG run {dag_run['state']}, failing dbt tests in the bare builds: {len(DBT_PROBLEMS)}"
    return [
        measure(BENCHMARK, "dag_run_vs_dbt_build", dag_seconds / bare, "x", scale, TARGET, note, detail),
        measure(BENCHMARK, "dag_run_s", dag_seconds, "s", scale, None, "dag_run end_date - start_date"),
        measure(BENCHMARK, "bare_dbt_build_s", bare, "s", scale, None, "mean of the builds before and after"),
    ]
