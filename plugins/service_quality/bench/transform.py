"""Transform: the transform DAG's run, as Airflow records it, against a bare ``dbt build``.

Cosmos renders every dbt model as an Airflow task; that must not cost much more than running dbt
directly. On one warehouse (a month of the simulated chain, ingested), after a first ``dbt build``
that creates every relation: a timed bare ``dbt build``, then two runs of the ``transform`` DAG through a
real local Airflow (scheduler, triggerer, LocalExecutor), then another bare ``dbt build``. Both sides are
measured warm: the timed bare builds reuse the first build's parse state (``partial_parse.msgpack``), and
the timed DAG run is the second one, whose producer reuses the parse state Cosmos cached from the first
(the steady state of a deployment; the first run after a deployment is reported beside it). A DAG run's
duration is ``dag_run.end_date - start_date`` from Airflow's metadata; the bare figure is the mean of the
two builds around the runs (same data, same warehouse, same run). Target: ratio <= 1.25.

Between the same two bare builds, the peers (:mod:`service_quality.bench.peers_transform`) run the same
project the stock ways: Cosmos LOCAL, Cosmos WATCHER with Cosmos's defaults, one ``dbt build`` task. Each
is reported as its DAG run ÷ the bare build, beside the project's; target: the project's ratio <= 0.8 ×
the stock watcher's.

The comparison only means something when both sides did the same work, so the benchmark stops with an
error when a bare build has a failing test (the DAG run would fail on it) or when the DAG run does not
succeed; the measured run has no retries (``SQW_DAG_RETRIES=0``), so a failure cannot hide a retry
delay in the figure. Where the DAG run's time went (waiting for the producer task, the producer's
``dbt build``, the sensors finishing after it) comes from Airflow's task instance records.
"""

from __future__ import annotations

import logging
import statistics
from datetime import date

from service_quality.bench.airflow_dag import run_dags
from service_quality.bench.pipeline import DBT_PROBLEMS, bulk_history, dbt_build, dbt_project, ingest, simulated
from service_quality.bench.results import Measurement, measure
from service_quality.bench.workspace import airflow_env, bench_database, work_dir
from service_quality.dag_defaults import RETRIES_ENV

log = logging.getLogger(__name__)

BENCHMARK = "transform"
TARGET = "<= 1.25"
PEER_TARGET = "<= 0.8"
DAG_ID = "transform"
HISTORY_END = date(2025, 1, 31)


def _require_passing_builds(when: str) -> None:
    if DBT_PROBLEMS:
        raise RuntimeError(
            f"the bare dbt build {when} has failing tests, so the DAG run cannot be compared with it "
            f"(fix the dbt project or the data first): {'; '.join(DBT_PROBLEMS)}"
        )


def time_split(dag_run: dict) -> dict[str, float | int | None]:
    """Where the run's time went: before the producer task started, its ``dbt build``, after it ended.

    Times are seconds after the run started, from the task instance records. The producer is Cosmos's
    watcher task that runs the one ``dbt build``; every other task is a sensor that reports a model.
    """
    tasks = dag_run["task_times"]
    producer = next((t for t in tasks if "Producer" in (t["operator"] or "")), None)
    others = [t for t in tasks if t is not producer and t["end"] is not None]
    split: dict[str, float | int | None] = {
        "tasks": len(tasks),
        "last_task_end_s": max((t["end"] for t in others), default=None),
        "max_try_number": max((t["try_number"] for t in tasks), default=0),
    }
    if producer and producer["start"] is not None and producer["end"] is not None:
        split.update(
            {
                "producer_queued_s": producer["queued"],
                "producer_started_s": producer["start"],
                "producer_dbt_build_s": round(producer["end"] - producer["start"], 2),
                "producer_ended_s": producer["end"],
                "after_producer_s": round(dag_run["seconds"] - producer["end"], 2),
            }
        )
    return split


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the bare build's dbt process)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(scale: str) -> list[Measurement]:
    from service_quality.bench import peers_transform
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
        _require_passing_builds("that sets up the warehouse")
        manifest = generate_manifest(target_path=base / "manifest")
        env = airflow_env(work_dir("airflow-transform", scale, fresh=True), dsn, metadata)
        env["SQW_DBT_MANIFEST"] = str(manifest)
        env["AIRFLOW_VAR_LANDING_ROOT"] = str(landing)
        env[RETRIES_ENV] = "0"
        cpu_started = _children_cpu()
        before = dbt_build(dsn, base / "target", project=project)
        bare_cpu = _children_cpu() - cpu_started
        _require_passing_builds("before the DAG run")
        first_run, dag_run = run_dags([DAG_ID, DAG_ID], env)
        peer_runs = run_dags(peers_transform.dag_ids(), peers_transform.peer_env(env, base / "peer_dags"))
        after = dbt_build(dsn, base / "target", project=project)
        _require_passing_builds("after the DAG run")
    dag_seconds = dag_run["seconds"]
    for run in (first_run, dag_run):
        if run["state"] != "success" or run["seconds"] is None:
            raise RuntimeError(
                f"the transform DAG run ended {run['state']} (tasks {run['tasks']}) while the bare builds "
                "passed: see the component and task logs under benchmarks/work/airflow-transform"
            )
    bare = statistics.mean((before, after))
    split = time_split(dag_run)
    detail = {
        "history_last_arrival": HISTORY_END.isoformat(),
        "rows_ingested": loaded.rows_loaded,
        "first_dbt_build_s": round(first, 2),
        "bare_dbt_build_s": [round(before, 2), round(after, 2)],
        "dag_run_s": round(dag_seconds, 2),
        "first_dag_run_s": round(first_run["seconds"], 2),
        "first_run_time_split": time_split(first_run),
        "dag_run_id": dag_run["run_id"],
        "dag_tasks": dag_run["tasks"],
        "time_split": split,
        "task_times": dag_run["task_times"],
        "cpu_s": {
            "bare_dbt_build_client": round(bare_cpu, 2),
            **{f"dag_run_{k}": v for k, v in dag_run["cpu_s"].items()},
        },
    }
    note = (
        f"DAG run {dag_seconds:.1f} s (the first after deployment: {first_run['seconds']:.1f} s) vs bare dbt build "
        f"{before:.1f} s / {after:.1f} s (before / after)"
    )
    if "producer_dbt_build_s" in split:
        note += (
            f"; producer started at {split['producer_started_s']:.1f} s, its dbt build took "
            f"{split['producer_dbt_build_s']:.1f} s, the run ended {split['after_producer_s']:.1f} s after it"
        )
    records = [
        measure(BENCHMARK, "dag_run_vs_dbt_build", dag_seconds / bare, "x", scale, TARGET, note, detail),
        measure(BENCHMARK, "dag_run_s", dag_seconds, "s", scale, None, "dag_run end_date - start_date"),
        measure(
            BENCHMARK,
            "first_dag_run_vs_dbt_build",
            first_run["seconds"] / bare,
            "x",
            scale,
            None,
            "the first DAG run (its producer parses the dbt project from scratch)",
        ),
        measure(BENCHMARK, "bare_dbt_build_s", bare, "s", scale, None, "mean of the builds before and after"),
    ]
    records += _peer_records(scale, peer_runs, bare, dag_seconds / bare)
    if "producer_dbt_build_s" in split:
        records.append(
            measure(
                BENCHMARK,
                "producer_dbt_build_s",
                split["producer_dbt_build_s"],
                "s",
                scale,
                None,
                "the watcher producer task (the DAG run's one dbt build), start to end",
            )
        )
    return records


def _peer_records(scale: str, peer_runs: list[dict], bare: float, project_ratio: float) -> list[Measurement]:
    """Each peer's last run ÷ the bare build, and the project's ratio ÷ the stock watcher's."""
    last = {run["dag_id"]: run for run in peer_runs}
    records = []
    ratios = {}
    for dag_id, run in last.items():
        name = dag_id.removeprefix("transform_peer_")
        seconds = run["seconds"] or 0.0
        ratios[name] = seconds / bare
        failed = {k: v for k, v in run["tasks"].items() if k not in ("success",)} if run["state"] != "success" else {}
        note = f"{name}: DAG run {seconds:.1f} s ({len(run['task_times'])} tasks), {run['state']}"
        if failed:
            note += f"; task states {failed}"
        records.append(
            measure(
                BENCHMARK,
                f"peer_{name}_vs_dbt_build",
                ratios[name],
                "x",
                scale,
                None,
                note,
                {"runs_s": [r["seconds"] for r in peer_runs if r["dag_id"] == dag_id], "state": run["state"]},
            )
        )
    if "watcher" in ratios and ratios["watcher"] > 0:
        records.append(
            measure(
                BENCHMARK,
                "dag_run_vs_stock_watcher",
                project_ratio / ratios["watcher"],
                "x",
                scale,
                PEER_TARGET,
                f"the project's DAG run {project_ratio:.2f} x the bare build vs stock Cosmos WATCHER "
                f"{ratios['watcher']:.2f} x",
            )
        )
    return records
