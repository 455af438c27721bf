"""The whole pipeline over a landing zone, through Airflow: what ``sqw run`` (and ``sqw demo``) does.

Steps, each a real DAG run on a local Airflow (:mod:`service_quality.orchestrate.airflow_runtime`):

1. ``warehouse_bootstrap``: schemas, roles, pending migrations.
2. the ten ``ingest_<source>`` DAGs (one per source of ``contracts.SOURCES``), in parallel: every delivery not processed yet.
3. ``transform``: every dbt model and its tests (Cosmos, one ``dbt build``).
4. ``attestation_quarterly`` / ``attestation_annual``: one run per quarter / year that closed within
   ``--from`` … ``--to``; a period whose inputs did not change keeps its revision. The first run builds
   only the attestation models (the transform DAG has just built everything upstream from the same
   deliveries); the later ones, attesting as of the same day, find those current and reuse them
   (``full_attestation_builds`` makes every run build the whole selection instead).

A failed run stops the pipeline with the DAG, the task and the end of its log; what the earlier DAG runs
committed stays in the warehouse (every task is a transaction), so fixing the cause and running again
continues from there. Every step is idempotent: a second run over the same landing zone changes nothing,
and the summary says so (deliveries, mart checksums and published revisions are compared before/after).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from service_quality.paths import LOCAL_DIR
from service_quality.transform.cosmos import DAG_ID as TRANSFORM_DAG_ID
from service_quality.transform.cosmos import RAW_SOURCES
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

BOOTSTRAP_DAG_ID = "warehouse_bootstrap"
INGEST_DAG_IDS = tuple(f"ingest_{source}" for source in RAW_SOURCES)
QUARTERLY_DAG_ID = "attestation_quarterly"
ANNUAL_DAG_ID = "attestation_annual"
ALL_DAG_IDS = (BOOTSTRAP_DAG_ID, *INGEST_DAG_IDS, TRANSFORM_DAG_ID, QUARTERLY_DAG_ID, ANNUAL_DAG_ID)
MART_SCHEMAS = ("service_quality", "attestation")
PII_KEY_FILE = LOCAL_DIR / "secrets" / "survey_pii_key"


@dataclass(frozen=True)
class Period:
    period_type: str  # "quarter" | "year"
    label: str  # "2025-Q1" | "2025"
    start: date
    end: date  # exclusive


def closed_periods(start: date, end: date) -> list[Period]:
    """Quarters and years whose last day falls within ``start`` … ``end`` (both inclusive)."""
    found: list[Period] = []
    for year in range(start.year, end.year + 1):
        for q in range(1, 5):
            first = date(year, 3 * q - 2, 1)
            after = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
            if start <= date.fromordinal(after.toordinal() - 1) <= end:
                found.append(Period("quarter", f"{year}-Q{q}", first, after))
        year_end = date(year, 12, 31)
        if start <= year_end <= end:
            found.append(Period("year", str(year), date(year, 1, 1), date(year + 1, 1, 1)))
    return found


# -- warehouse state, compared before and after --------------------------------------------------------------
def mart_tables() -> set[tuple[str, str]]:
    """(schema, table) of every dbt model materialised as a table in the mart schemas, from the manifest.

    The attestation's publication tables live in the same schema but are not marts: they keep run ids and
    timestamps by design, so they are compared through the revisions instead.
    """
    import json

    from service_quality.transform.cosmos import manifest_path

    manifest = json.loads(manifest_path().read_text(encoding="utf-8"))
    return {
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["schema"] in MART_SCHEMAS
        and node["config"].get("materialized") in {"table", "incremental"}
    }


def mart_checksums(dsn: WarehouseDsn) -> dict[str, str]:
    """Row count and md5 of every mart table's rows (sorted text form), keyed ``schema.table``.

    Equal values mean byte-identical tables (the text form of every column of every row).
    """
    from psycopg import sql

    wanted = mart_tables()
    out: dict[str, str] = {}
    with dsn.connect() as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1, 2",
            [list(MART_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            if (schema, table) not in wanted:
                continue
            query = sql.SQL(
                "select count(*), coalesce(md5(string_agg(t::text, E'\\n' order by t::text)), '') from {}.{} t"
            ).format(sql.Identifier(schema), sql.Identifier(table))
            count, digest = conn.execute(query).fetchone()
            out[f"{schema}.{table}"] = f"{count}:{digest}"
    return out


def _published_revisions(dsn: WarehouseDsn) -> list[tuple]:
    with dsn.connect() as conn:
        exists = conn.execute("select to_regclass('attestation.revisions') is not null").fetchone()[0]
        if not exists:
            return []
        return conn.execute(
            "select period_type, period_label, revision, inputs_checksum from attestation.revisions order by 1, 2, 3"
        ).fetchall()


def _delivery_count(dsn: WarehouseDsn) -> int:
    with dsn.connect() as conn:
        exists = conn.execute("select to_regclass('ops.deliveries') is not null").fetchone()[0]
        return conn.execute("select count(*) from ops.deliveries").fetchone()[0] if exists else 0


@dataclass
class PipelineOutputs:
    """What the pipeline has left in a warehouse, read before and after a run to tell what it changed.

    Not the scale-out proof's table-by-table fingerprint (:mod:`service_quality.proofs.warehouse_fingerprint`).
    """

    deliveries: int
    marts: dict[str, str]
    revisions: list[tuple]

    @classmethod
    def read(cls, dsn: WarehouseDsn) -> PipelineOutputs:
        return cls(_delivery_count(dsn), mart_checksums(dsn), _published_revisions(dsn))


# -- the run ---------------------------------------------------------------------------------------------------
@dataclass
class RunOutcome:
    dsn: WarehouseDsn
    landing: Path
    seconds: float
    before: PipelineOutputs
    after: PipelineOutputs
    transform_seconds: float | None
    transform_tasks: dict[str, int]
    models_ok: int
    tests_ok: int
    periods: list[Period]
    dag_runs: list[Any] = field(default_factory=list)
    #: wall seconds per step of the run, in order: start of Airflow, bootstrap, ingest, transform, attestation
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def pii_key_env(env: dict[str, str], key_file: Path | None = None) -> tuple[dict[str, str], str | None]:
    """The survey PII key: the configured one, else a key generated once for this machine (never in the repo).

    The key lives in a folder only its owner can enter (0700) and a file only its owner can read (0600),
    both created with those modes (no moment where another user could read them) and tightened if an older
    version of this command left them wider."""
    if env.get("AIRFLOW_VAR_SURVEY_PII_KEY") or env.get("AIRFLOW_CONN_SURVEY_PII_KEY"):
        return env, None
    key_file = key_file or PII_KEY_FILE
    private_folder(key_file.parent)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key_file.chmod(0o600)
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32))
    env = {**env, "AIRFLOW_VAR_SURVEY_PII_KEY": key_file.read_text(encoding="utf-8").strip()}
    return (
        env,
        f"survey contact fields are hashed with the local key in {key_file} (set AIRFLOW_VAR_SURVEY_PII_KEY to use yours)",
    )


def private_folder(folder: Path) -> Path:
    """``folder`` (and its missing parents), entered by its owner only: mode 0700 whatever the umask."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    folder.chmod(0o700)  # mkdir's mode is filtered by the umask; an existing folder may be wider
    return folder


def run_pipeline(
    landing: Path,
    start: date,
    end: date,
    *,
    progress: Callable[[str], None] = print,
    base_env: dict[str, str] | None = None,
    full_attestation_builds: bool = False,
) -> RunOutcome:
    """Run every DAG through a local Airflow; raise :class:`DagRunFailed` (from dagruns) on a failed run."""
    from service_quality.airflow_env import environment
    from service_quality.orchestrate.airflow_runtime import LocalAirflow
    from service_quality.transform.cosmos import ensure_manifest, relative
    from service_quality.warehouse import connection

    started = time.monotonic()
    landing = landing.resolve()
    if not landing.is_dir():
        raise FileNotFoundError(f"landing zone {landing} does not exist: pass --landing with a folder of deliveries")
    dsn = connection.resolve()  # AIRFLOW_CONN_WAREHOUSE, else the embedded warehouse (started here)
    env = environment(base_env)
    env["AIRFLOW_CONN_WAREHOUSE"] = dsn.airflow_uri
    env["AIRFLOW_VAR_LANDING_ROOT"] = str(landing)
    env, note = pii_key_env(env)
    if note:
        progress(note)
    progress(f"warehouse: {dsn.host}:{dsn.port}/{dsn.dbname}; landing zone: {landing}")

    manifest, regenerated = ensure_manifest()
    how = "regenerated with dbt parse" if regenerated else "up to date with the dbt project"
    progress(f"dbt manifest for the transform DAG: {relative(manifest)} ({how})")
    # The run renders the transform DAG from its own copy: a dbt command elsewhere cannot change it mid-run.
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    run_manifest = home / "transform_manifest.json"
    shutil.copyfile(manifest, run_manifest)
    env["SQW_DBT_MANIFEST"] = str(run_manifest)

    bootstrapped = True
    try:
        before = PipelineOutputs.read(dsn)
    except Exception:  # noqa: BLE001 - a new warehouse: nothing to compare yet
        bootstrapped = False
        before = PipelineOutputs(0, {}, [])

    progress(f"starting Airflow (scheduler, DAG processor, triggerer, API server) in {env['AIRFLOW_HOME']}")
    stages: dict[str, float] = {}
    mark = time.monotonic()

    def stage(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        stages[name] = now - mark
        mark = now

    airflow = LocalAirflow(env)
    with airflow:
        os.environ.update(airflow.env)  # the ORM in this process must use the same metadata DB
        from service_quality.orchestrate.dagruns import DagRuns

        runs = DagRuns(
            Path(airflow.env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"]), progress=progress, check_alive=airflow.check_alive
        )
        progress(f"  API server: {airflow.base_url} (component logs: {airflow.log_dir})")
        runs.wait_for_dags(ALL_DAG_IDS)
        stage("Airflow start")
        done = []

        progress("1/4 warehouse_bootstrap")
        done += runs.wait([(BOOTSTRAP_DAG_ID, runs.trigger(BOOTSTRAP_DAG_ID))], label="bootstrap")
        if not bootstrapped:
            before = PipelineOutputs(0, {}, [])
        stage("bootstrap")

        progress(f"2/4 ingest: {len(INGEST_DAG_IDS)} DAGs in parallel")
        ingest_runs = [(dag_id, runs.trigger(dag_id)) for dag_id in INGEST_DAG_IDS]
        done += runs.wait(ingest_runs, label="ingest")
        stage("ingest")

        progress("3/4 transform: dbt models and their tests (Cosmos)")
        (transform,) = runs.wait([(TRANSFORM_DAG_ID, runs.trigger(TRANSFORM_DAG_ID))], label="transform")
        done.append(transform)
        stage("transform")

        periods = closed_periods(start, end)
        progress(f"4/4 attestation: {', '.join(p.label for p in periods) or 'no quarter or year closed in the range'}")
        # Every run attests as of today (the date of its logical date): the first run's build serves the others,
        # each still its own DAG run and revision.
        conf = {"full_build": True} if full_attestation_builds else {}
        attestation_started = _warehouse_now(dsn)
        for period in periods:
            dag_id = QUARTERLY_DAG_ID if period.period_type == "quarter" else ANNUAL_DAG_ID
            run_id = runs.trigger(dag_id, logical_date=datetime.now(UTC), conf={"period": period.label, **conf})
            done += runs.wait([(dag_id, run_id)], label=f"attest {period.label}")
        if periods:
            progress(f"  attestation builds: {_build_kinds(dsn, attestation_started)}")
        stage("attestation")

    model_tasks = {k: v for k, v in transform.task_states.items()}
    outcome = RunOutcome(
        dsn=dsn,
        landing=landing,
        seconds=time.monotonic() - started,
        before=before,
        after=PipelineOutputs.read(dsn),
        transform_seconds=transform.duration_seconds,
        transform_tasks=model_tasks,
        models_ok=0,
        tests_ok=0,
        periods=periods,
        dag_runs=done,
        stages=stages,
    )
    outcome.models_ok, outcome.tests_ok = _transform_counts(transform)
    return outcome


def _warehouse_now(dsn: WarehouseDsn) -> datetime:
    with dsn.connect() as conn:
        return conn.execute("select now()").fetchone()[0]


def _build_kinds(dsn: WarehouseDsn, since: datetime) -> str:
    """The attestation builds recorded since ``since``, e.g. ``attestation_only 1, attestation_reused 5``."""
    with dsn.connect() as conn:
        rows = conn.execute(
            "select kind, count(*) from ops.dbt_builds where kind like 'attestation%%' and started_at >= %s "
            "group by kind order by kind",
            [since],
        ).fetchall()
    return ", ".join(f"{kind} {count}" for kind, count in rows) or "none recorded"


def _transform_counts(transform: Any) -> tuple[int, int]:
    """Models built and test groups passed in the transform run (from its task instances)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.state).where(
                TaskInstance.dag_id == transform.dag_id, TaskInstance.run_id == transform.run_id
            )
        ).all()
    ok = [task_id for task_id, state in rows if str(getattr(state, "value", state)) == "success"]
    return sum(t.endswith(".run") for t in ok), sum(t.endswith(".test") for t in ok)


def print_error(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
