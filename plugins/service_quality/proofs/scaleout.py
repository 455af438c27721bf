"""Scale-out proof: the pipeline on Airflow's CeleryExecutor, on this machine, without Docker.

Runs the pipeline's DAGs through the scheduler of a local Celery cluster
(:mod:`service_quality.proofs.celery_cluster`: scheduler, dag-processor, api-server and two Celery
workers as separate processes, a PostgreSQL metadata database and a Redis or RabbitMQ broker) on a
simulated landing zone, and checks two things:

* tasks ran on both workers (``task_instance.hostname`` names the worker, see ``proofs/worker_hostname.py``);
* the warehouse the cluster leaves equals the warehouse a single-process ``airflow dags test`` run
  of the same DAGs leaves (counts and checksums, see ``proofs/warehouse_fingerprint.py``; the
  single-process run is ``proofs/reference.py``).

Every database created is dropped, whatever happens.

``make scale-out`` runs :func:`main`; ``tests/integration/deploy`` runs :func:`prove`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service_quality.airflow_processes import airflow_executable
from service_quality.paths import DAGS_DIR
from service_quality.proofs import warehouse_fingerprint
from service_quality.proofs.celery_cluster import DEFAULT_BROKER, CeleryCluster, plugins_folder, sqlalchemy_uri
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

#: The simulated period and defect share of the proof's landing zone (one day of an XS chain).
SIM_START, SIM_END, SIM_DEFECTS = date(2025, 3, 3), date(2025, 3, 3), 0.2


#: Ingestion DAGs that read an external service rather than the landing zone (not simulated here).
EXTERNAL_SOURCE_DAGS = frozenset({"ingest_survey_api"})


def pipeline_stages(dags_dir: Path = DAGS_DIR, include_transform: bool = False) -> list[list[str]]:
    """The DAGs to run, in dependency order: bootstrap, then every landing-zone ingestion DAG at once,
    then (optionally) transform."""
    present = {p.stem for p in dags_dir.glob("*.py") if not p.name.startswith("_")}
    stages = [["warehouse_bootstrap"]] if "warehouse_bootstrap" in present else []
    ingest = sorted(d for d in present if d.startswith("ingest_") and d not in EXTERNAL_SOURCE_DAGS)
    if ingest:
        stages.append(ingest)
    if include_transform and "transform" in present:
        stages.append(["transform"])
    return stages


def simulate_landing(
    out: Path,
    scale: str = "XS",
    start: date = SIM_START,
    end: date = SIM_END,
    defects: float = SIM_DEFECTS,
    seed: int = 7,
) -> Path | None:
    """Write the simulated chain's landing zone; returns the landing root (None without the simulator).

    A few defects are injected so that quarantine and rejected deliveries are part of the comparison.
    """
    try:
        from service_quality.simulator import simulate
    except ImportError:
        return None
    return Path(simulate(scale, start, end, seed=seed, defects=defects, out=out).landing)


def fresh_data_dir(landing: Path | None, data_dir: Path) -> Path:
    """The folder one run reads and writes: a fresh copy of the landing zone, an empty archive.

    Both runs use the same path, one after the other, so that anything the pipeline records about
    where a file was (paths in messages, archive locations) is identical. Copies keep modification
    times: they are the deliveries' arrival order.
    """
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if landing is not None:
        shutil.copytree(landing, data_dir / "landing", copy_function=shutil.copy2)
    return data_dir


@dataclass
class Proof:
    stages: list[list[str]]
    run_states: dict[str, str]
    reference_states: dict[str, str]
    task_hosts: dict[str, int]
    tasks: list[dict]
    celery_state: dict[str, warehouse_fingerprint.TableFingerprint]
    reference_state: dict[str, warehouse_fingerprint.TableFingerprint]
    #: for each table that differs: sample rows only in the Celery run (-) / only in the reference (+)
    row_differences: dict[str, list[str]]
    #: differences when deliveries are identified by content, not by file (see warehouse_fingerprint)
    content_differences: list[str]
    celery_deliveries: dict[tuple[str, str], int]
    reference_deliveries: dict[tuple[str, str], int]
    seconds: dict[str, float]
    left_running: list[str]
    #: LIKE pattern of the databases the proof created (all dropped when it returns)
    database_prefix: str

    @property
    def workers_used(self) -> set[str]:
        return {host.split("@")[0] for host in self.task_hosts if "@" in host}

    @property
    def differences(self) -> list[str]:
        """Everything that differs between the two runs: run states, then tables."""
        found = [
            f"DAG {dag_id}: {self.run_states.get(dag_id)} (celery) != {self.reference_states.get(dag_id)} (dags test)"
            for dag_id in sorted(set(self.run_states) | set(self.reference_states))
            if self.run_states.get(dag_id) != self.reference_states.get(dag_id)
        ]
        return found + warehouse_fingerprint.differences(self.celery_state, self.reference_state)

    @property
    def failed_dags(self) -> list[str]:
        return sorted(d for d, state in self.run_states.items() if state != "success")

    def summary(self) -> str:
        lines = [
            f"stages: {self.stages}",
            f"run states (celery): {self.run_states}",
            f"run states (dags test): {self.reference_states}",
            f"task instances per host: {self.task_hosts}",
            f"workers used: {sorted(self.workers_used)}",
            f"tables compared: {len(self.celery_state)}; "
            f"rows: {sum(s.rows for s in self.celery_state.values())} (celery) "
            f"vs {sum(s.rows for s in self.reference_state.values())} (dags test)",
            f"deliveries by status: {dict(sorted(self.celery_deliveries.items()))}",
            f"DAG runs not successful (in both runs alike when differences is none): {self.failed_dags or 'none'}",
            f"differences: {self.differences or 'none'}",
            *[f"  {key} {line}" for key, lines in self.row_differences.items() for line in lines],
            f"differences by content (which identical delivery is 'loaded' ignored): "
            f"{self.content_differences or 'none'}",
            f"seconds: {self.seconds}",
            f"processes left running: {self.left_running or 'none'}",
        ]
        return "\n".join(lines)


@contextlib.contextmanager
def _databases(admin: WarehouseDsn, *purposes: str, suffix: str) -> Iterator[list[WarehouseDsn]]:
    """Fresh databases for one proof, dropped at the end whatever happens."""
    from psycopg import sql

    names = [f"sqw_scaleout_{p}_{suffix}" for p in purposes]
    try:
        with admin.connect(autocommit=True) as conn:
            for name in names:
                conn.execute(
                    sql.SQL("create database {} template template0 encoding 'UTF8'").format(sql.Identifier(name))
                )
        yield [admin.with_dbname(n) for n in names]
    finally:
        with admin.connect(autocommit=True) as conn:
            for name in names:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def pipeline_env(data_dir: Path, pii_key: str) -> dict[str, str]:
    """The pipeline's Airflow Variables for a run: landing zone, archive and Data Docs under ``data_dir``.

    Both runs get the same PII key (hashes must match).
    """
    env = {
        "AIRFLOW_VAR_ARCHIVE_ROOT": str(data_dir / "archive"),
        "AIRFLOW_VAR_DATA_DOCS_ROOT": str(data_dir / "data_docs"),
        "AIRFLOW_VAR_SURVEY_PII_KEY": pii_key,
    }
    if (data_dir / "landing").is_dir():
        env["AIRFLOW_VAR_LANDING_ROOT"] = str(data_dir / "landing")
    return env


def _reference_env(
    workdir: Path, warehouse: WarehouseDsn, metadata: WarehouseDsn, data_dir: Path, pii_key: str
) -> dict:
    from service_quality.airflow_env import environment

    home = workdir / "reference_home"
    env = environment()
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins_folder(workdir)),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_uri(metadata),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW_CONN_WAREHOUSE": warehouse.airflow_uri,
        }
    )
    env.update(pipeline_env(data_dir, pii_key))
    return env


def run_reference(
    workdir: Path,
    warehouse: WarehouseDsn,
    metadata: WarehouseDsn,
    data_dir: Path,
    stages: list[list[str]],
    date: str,
    pii_key: str,
    timeout: float = 900,
) -> dict[str, str]:
    """``airflow dags test`` of every stage's DAGs, one process, into its own warehouse and metadata DB.

    Returns ``dag_id -> state``.
    """
    env = _reference_env(workdir, warehouse, metadata, data_dir, pii_key)
    airflow = airflow_executable()
    log_path = workdir / "reference.log"
    migrate = subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    log_path.write_text(migrate.stdout + migrate.stderr)
    if migrate.returncode != 0:
        raise RuntimeError(f"reference: airflow db migrate failed:\n{migrate.stderr[-4000:]}")
    args = [sys.executable, "-m", "service_quality.proofs.reference", date, *[",".join(s) for s in stages]]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    with log_path.open("a") as out:
        out.write(result.stdout + result.stderr)
    # The outcome is the last line that is a JSON object: log lines may follow it (the OpenLineage listener
    # reports the last DAG run's events as the process ends).
    lines = [line for line in result.stdout.strip().splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"reference run failed (exit {result.returncode}); see {log_path}:\n{result.stderr[-4000:]}")
    return {dag_id: outcome["state"] for dag_id, outcome in json.loads(lines[-1]).items()}


def prove(
    workdir: Path,
    admin: WarehouseDsn,
    broker_url: str = DEFAULT_BROKER,
    *,
    scale: str = "XS",
    logical_date: str = "2025-01-01T00:00:00+00:00",
    include_transform: bool = False,
    stages: list[list[str]] | None = None,
    run_timeout: float = 600,
) -> Proof:
    """Run the pipeline on a local Celery cluster and single-process; compare what each left behind."""
    seconds: dict[str, float] = {}
    stages = stages if stages is not None else pipeline_stages(include_transform=include_transform)
    if not stages:
        raise RuntimeError(f"no pipeline DAGs found in {DAGS_DIR}")
    t0 = time.monotonic()
    landing = simulate_landing(workdir / "sim", scale=scale)
    seconds["simulate"] = round(time.monotonic() - t0, 1)
    data_dir = workdir / "data"
    dag_ids = [d for stage in stages for d in stage]
    pii_key = secrets.token_hex(16)

    suffix = uuid.uuid4().hex[:8]
    with _databases(admin, "meta", "wh", "refmeta", "refwh", suffix=suffix) as (meta, wh, refmeta, refwh):
        t0 = time.monotonic()
        cluster = CeleryCluster(
            workdir / "celery",
            meta,
            wh,
            broker_url,
            extra_env=pipeline_env(fresh_data_dir(landing, data_dir), pii_key),
        )
        run_states: dict[str, str] = {}
        runs_all: dict[str, str] = {}
        with cluster:
            seconds["cluster_start"] = round(time.monotonic() - t0, 1)
            t0 = time.monotonic()
            cluster.wait_dags(dag_ids)
            for stage in stages:
                stage_started = time.monotonic()
                runs = {dag_id: cluster.trigger(dag_id, logical_date) for dag_id in stage}
                runs_all.update(runs)
                run_states.update(cluster.wait_runs(runs, timeout=run_timeout))
                log.info(
                    "celery: %s finished in %.0fs: %s",
                    ", ".join(stage),
                    time.monotonic() - stage_started,
                    {d: run_states[d] for d in stage},
                )
            seconds["celery_runs"] = round(time.monotonic() - t0, 1)
            tasks = cluster.task_instances(runs_all)
        left_running = cluster.alive()
        hosts: dict[str, int] = {}
        for t in tasks:
            hosts[t["hostname"] or "?"] = hosts.get(t["hostname"] or "?", 0) + 1

        t0 = time.monotonic()
        fresh_data_dir(landing, data_dir)
        reference_states = run_reference(workdir, refwh, refmeta, data_dir, stages, logical_date, pii_key)
        seconds["reference_runs"] = round(time.monotonic() - t0, 1)
        log.info("dags test: finished in %.0fs: %s", seconds["reference_runs"], reference_states)

        celery_state = warehouse_fingerprint.snapshot(wh)
        reference_state = warehouse_fingerprint.snapshot(refwh)
        content_differences = warehouse_fingerprint.differences(
            warehouse_fingerprint.snapshot(wh, by_content=True), warehouse_fingerprint.snapshot(refwh, by_content=True)
        )
        row_differences = {
            key: warehouse_fingerprint.row_differences(wh, refwh, key)
            for key in sorted(set(celery_state) & set(reference_state))
            if celery_state[key] != reference_state[key]
        }
        return Proof(
            stages=stages,
            run_states=run_states,
            reference_states=reference_states,
            task_hosts=hosts,
            tasks=tasks,
            celery_state=celery_state,
            reference_state=reference_state,
            row_differences=row_differences,
            content_differences=content_differences,
            celery_deliveries=warehouse_fingerprint.delivery_status_counts(wh),
            reference_deliveries=warehouse_fingerprint.delivery_status_counts(refwh),
            seconds=seconds,
            left_running=left_running,
            database_prefix=f"sqw_scaleout_%_{suffix}",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service_quality.proofs.scaleout", description=__doc__)
    parser.add_argument(
        "--pg",
        default=os.environ.get("SQW_SCALEOUT_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="superuser URI of the PostgreSQL server for the metadata and warehouse databases",
    )
    parser.add_argument(
        "--broker",
        default=os.environ.get("SQW_SCALEOUT_BROKER", DEFAULT_BROKER),
        help="Celery broker URL (redis://... or amqp://guest:guest@127.0.0.1:5672//)",
    )
    parser.add_argument("--scale", default="XS", help="simulator scale of the landing zone")
    parser.add_argument("--with-transform", action="store_true", help="also run the transform DAG (dbt)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs) after the run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    from service_quality.warehouse.connection import parse

    # A plain `kill` of the harness must still stop the cluster and drop the databases (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="sqw-scaleout-"))
    try:
        proof = prove(workdir, parse(args.pg), args.broker, scale=args.scale, include_transform=args.with_transform)
        print(proof.summary())
        ok = len(proof.workers_used) >= 2 and not proof.differences and not proof.left_running
        print("scale-out proof: " + ("PASSED" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
