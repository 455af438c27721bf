"""The dbt project as an Airflow DAG, through Cosmos: one place for every Cosmos setting.

Why these choices (measured on a 2-core machine, see ``docs/operating.md``):

- **Execution mode WATCHER.** One producer task runs a single ``dbt build`` over the whole project; every
  model and its tests still appear as their own task (a sensor that turns green or red as dbt reports the
  node). ``ExecutionMode.LOCAL`` starts one dbt process per model and per test and took about 9.5 × the
  bare ``dbt build``; the watcher's cost is the sensors' task processes (``docs/performance.md``).
- **The producer runs dbt as a subprocess** (``InvocationMode.SUBPROCESS``). In-process (``DBT_RUNNER``),
  dbt's threads call Cosmos's event callback, which pushes each node's status to XCom through the API
  server under one lock, while sharing the task process's GIL: dbt ran 7-10 × slower than bare (the DAG
  run 7.6-7.9 × the bare build on the benchmark); as a subprocess its build takes about the bare time
  and Cosmos reads the events from its output.
- **The producer publishes on a thread of its own** (:mod:`service_quality.transform.watcher`): Cosmos pushes
  each node's status to XCom on the thread that reads dbt's output, so a push waiting for the API server
  stalled dbt on a full pipe; and its retry backup is written only when the producer fails
  (``AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY=False``, set with the rest of the local environment).
- **Sensors poke instead of deferring** (``deferrable=False``, every 2 s). A deferred sensor resumed by the
  triggerer within seconds (most models take seconds) hits a scheduler race in Airflow 3.3 (apache/airflow
  #67287, #72716): the executor's success event of the process that deferred arrives after the task was
  queued again, and the scheduler fails the task ("state attribute is queued"). Poking also starts one
  task process per sensor instead of two (defer, then resume); a sensor holds its worker slot from when its
  upstream tasks are done until dbt reports its node, and the producer's priority puts it first.
- **Tests after each model** (``TestBehavior.AFTER_EACH``): ``dbt build`` runs a model's tests right after
  the model and skips what depends on a failed test; the test sensors show that per model.
- **Rendered from a manifest** (``LoadMode.DBT_MANIFEST``): parsing the DAG file never invokes dbt. The
  manifest is written by ``dbt parse`` (:func:`generate_manifest`), which ``sqw run`` and ``make`` targets
  call before Airflow starts. Without a manifest the DAG still parses, with Cosmos's own project parser.
- **Profile from the Airflow connection ``warehouse``**: credentials never live in the dbt project.
- **Marts emit Assets** named like the raw ones: ``postgres://warehouse/<schema>/<table>``.

Heavy imports (Cosmos, Airflow) stay inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service_quality.contracts import REGULAR_SOURCES, SOURCES
from service_quality.dag_defaults import default_args
from service_quality.paths import DBT_PROJECT_DIR, ROOT

if TYPE_CHECKING:  # pragma: no cover
    from airflow.sdk import Asset

log = logging.getLogger(__name__)

DAG_ID = "transform"
CONN_ID = "warehouse"
PROFILE_NAME = "service_quality"
TARGET_NAME = "warehouse"

#: The landing sources (``contracts.SOURCES``); the ingestion DAG ``ingest_<source>`` emits
#: ``postgres://warehouse/warehouse/raw/<source>``.
RAW_SOURCES: tuple[str, ...] = SOURCES
#: The sources whose Assets the transform waits for: every one that arrives on a cadence. Appeals arrive only
#: when someone files or decides one, so waiting for them could hold the transform back for weeks; their
#: rows are read by the next transform run, which the other sources trigger every day.
SCHEDULE_SOURCES: tuple[str, ...] = REGULAR_SOURCES

#: Schemas whose models are marts (what BI reads); each of their models emits an Asset.
MART_SCHEMAS = ("service_quality", "attestation")


def raw_asset_uri(source: str) -> str:
    """The Asset a load of ``source`` emits: the ingestion's contract names it, so both sides agree."""
    from service_quality.contracts import CONTRACTS

    return CONTRACTS[source].asset_uri


def mart_asset_uri(schema: str, table: str) -> str:
    """A mart's Asset, shaped like the raw ones (same host and database, its own schema and table)."""
    prefix = raw_asset_uri("stores").rsplit("/", 2)[0]
    return f"{prefix}/{schema}/{table}"


def raw_assets() -> list[Asset]:
    """The Assets the transform is scheduled on: those of the sources that arrive on a cadence."""
    from airflow.sdk import Asset

    return [Asset(raw_asset_uri(source)) for source in SCHEDULE_SOURCES]


def raw_assets_schedule():
    """Run when every regularly delivered raw table has new data: the timetable Airflow makes of
    ``schedule=raw_assets()``.

    Passed as the timetable itself because a DAG hashes its ``schedule`` each time two of its tasks are
    linked; nine Assets cost 0.25 ms a hash, a timetable almost nothing, and Cosmos links hundreds of
    tasks while the file is parsed. The serialized DAG is the same.
    """
    from airflow.sdk import AssetAll
    from airflow.sdk.definitions.timetables.assets import AssetTriggeredTimetable

    return AssetTriggeredTimetable(AssetAll(*raw_assets()))


def manifest_path(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """Where the manifest the DAG is rendered from lives (``SQW_DBT_MANIFEST`` overrides it)."""
    override = os.environ.get("SQW_DBT_MANIFEST")
    return Path(override) if override else project_dir / "target" / "manifest.json"


def _dbt_executable() -> str:
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def manifest_is_fresh(manifest: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """True when the manifest is newer than every file dbt reads from the project (models, macros, seeds, yml)."""
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    skip = {"target", "dbt_packages", "logs"}
    for path in project_dir.rglob("*"):
        inside_project = not skip.intersection(path.relative_to(project_dir).parts)
        if inside_project and path.is_file() and path.stat().st_mtime > built:
            return False
    return True


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> tuple[Path, bool]:
    """The manifest, regenerated only when the project changed since it was written; (path, regenerated)."""
    manifest = manifest_path(project_dir)
    if manifest_is_fresh(manifest, project_dir):
        return manifest, False
    return generate_manifest(project_dir, manifest.parent), True


def generate_manifest(project_dir: Path = DBT_PROJECT_DIR, target_path: Path | None = None) -> Path:
    """Run ``dbt parse`` (no database connection) and return the manifest's path.

    Called before Airflow starts (``sqw run``, ``make dbt-manifest``), never while a DAG file is parsed.
    A throw-away profile with placeholder credentials is enough: parsing never connects.
    """
    target = target_path or manifest_path(project_dir).parent
    with tempfile.TemporaryDirectory(prefix="sqw-dbt-parse-") as profiles_dir:
        Path(profiles_dir, "profiles.yml").write_text(
            f"{PROFILE_NAME}:\n  target: {TARGET_NAME}\n  outputs:\n    {TARGET_NAME}:\n"
            "      type: postgres\n      host: 127.0.0.1\n      port: 5432\n      user: parse_only\n"
            "      password: parse_only\n      dbname: parse_only\n      schema: public\n      threads: 1\n",
            encoding="utf-8",
        )
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"}
        command = [
            _dbt_executable(),
            "parse",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            profiles_dir,
            "--profile",
            PROFILE_NAME,
            "--target",
            TARGET_NAME,
            "--target-path",
            str(target),
            "--no-send-anonymous-usage-stats",
        ]
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=project_dir)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise RuntimeError(f"dbt parse failed in {project_dir}; fix the dbt project and rerun:\n{tail}")
    return target / "manifest.json"


def profile_config(conn_id: str = CONN_ID):
    """The dbt profile, built at run time from the Airflow connection (credentials never in the repo)."""
    from cosmos import ProfileConfig
    from cosmos.profiles.postgres.user_pass import PostgresUserPasswordProfileMapping

    class WarehouseProfileMapping(PostgresUserPasswordProfileMapping):
        """The stock mapping, except that an empty password is valid (``trust`` or peer authentication).

        Cosmos refuses a connection without a password; the embedded warehouse and CI use trust auth.
        """

        @property
        def env_vars(self) -> dict[str, str]:
            env = {self.get_env_var_name("password"): str(self.get_dbt_value("password") or "")}
            env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
            env["DO_NOT_TRACK"] = "1"
            return env

    threads = int(os.environ.get("SQW_DBT_THREADS", "4"))
    return ProfileConfig(
        profile_name=PROFILE_NAME,
        target_name=TARGET_NAME,
        profile_mapping=WarehouseProfileMapping(
            conn_id=conn_id,
            profile_args={"schema": "public", "threads": threads},
            disable_event_tracking=True,
        ),
    )


def _mark_mart_outlets(dag: Any) -> None:
    """Give every mart model's task an Asset outlet, so downstream DAGs (and BI refreshes) can react."""
    from airflow.sdk import Asset
    from cosmos.constants import DbtResourceType

    for node in dag.dbt_graph.filtered_nodes.values():
        if node.resource_type != DbtResourceType.MODEL:
            continue
        schema = node.config.get("schema")
        if schema not in MART_SCHEMAS:
            continue
        task = dag.tasks_map.get(node.unique_id)
        if task is None:
            continue
        model_task = getattr(task, "children", None)
        if model_task:  # a task group (model + its tests): the model's task is the "run" child
            candidates = [t for t in model_task.values() if t.task_id.endswith(".run")]
            task = candidates[0] if candidates else None
        if task is not None and hasattr(task, "outlets"):
            task.outlets = [*task.outlets, Asset(mart_asset_uri(schema, node.config.get("alias") or node.name))]


@contextlib.contextmanager
def _quiet_parse() -> Iterator[None]:
    """Keep DAG parsing silent: Cosmos logs its rendering steps and warns about features we do not use.

    The DAG processor parses this file often; those lines are noise there, and the DAG-integrity probe
    requires a silent parse. Task logs are not affected (the levels are restored afterwards).
    """
    names = ("cosmos", "airflow.sdk._shared.configuration.parser")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*deprecated.*")
            # Airflow's config parser warns (on stdout) that Cosmos asks for an unset OpenLineage option.
            with contextlib.redirect_stdout(io.StringIO()):
                yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


#: DAGs built ahead of time by :func:`warm_transform_dag`, each handed out once (see there).
_PREBUILT: dict[tuple, Any] = {}


def _cache_key(dag_id: str, project_dir: Path, manifest: Path, schedule: Any, start_date: datetime, tags) -> tuple:
    built = manifest.stat().st_mtime_ns if manifest.exists() else None
    return (dag_id, str(project_dir), str(manifest), built, repr(schedule), start_date, tuple(tags or ()))


def warm_transform_dag(**kwargs: Any) -> None:
    """Build the transform DAG now so that processes forked later get it without parsing the manifest.

    Every task of the transform DAG is a process that parses the DAG file; for a project of a hundred
    nodes that is seconds of CPU per task (Cosmos loads the manifest and renders every node), which
    dominates the watcher sensors' cost. ``sqw run``'s scheduler calls this before it forks task
    processes: each child finds the DAG here and takes it instead of rendering it again.
    """
    kwargs.setdefault("tags", ["transform", "dbt"])
    dag_id = kwargs.get("dag_id", DAG_ID)
    project_dir = kwargs.get("project_dir", DBT_PROJECT_DIR)
    manifest = kwargs.get("manifest") or manifest_path(project_dir)
    key = _cache_key(
        dag_id,
        project_dir,
        manifest,
        kwargs.get("schedule", "raw-assets"),
        kwargs.get("start_date", START),
        kwargs["tags"],
    )
    _PREBUILT[key] = build_transform_dag(**kwargs)


START = datetime(2024, 1, 1)


def build_transform_dag(
    *,
    dag_id: str = DAG_ID,
    project_dir: Path = DBT_PROJECT_DIR,
    manifest: Path | None = None,
    schedule: Any = "raw-assets",
    doc_md: str | None = None,
    start_date: datetime = START,
    tags: list[str] | None = None,
):
    """The transform DAG: every dbt model a task, tests after each, one ``dbt build`` behind them."""
    key = _cache_key(dag_id, project_dir, manifest or manifest_path(project_dir), schedule, start_date, tags)
    prebuilt = _PREBUILT.pop(key, None)
    if prebuilt is not None:
        prebuilt.doc_md = doc_md
        return prebuilt
    with _quiet_parse():
        return _build_transform_dag(
            dag_id=dag_id,
            project_dir=project_dir,
            manifest=manifest,
            schedule=schedule,
            doc_md=doc_md,
            start_date=start_date,
            tags=tags,
        )


def _build_transform_dag(*, dag_id, project_dir, manifest, schedule, doc_md, start_date, tags):
    from cosmos import DbtDag, ExecutionConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    from service_quality.transform.watcher import publish_off_the_reading_thread

    manifest = manifest or manifest_path(project_dir)
    if manifest.exists():
        project = ProjectConfig(dbt_project_path=project_dir, manifest_path=manifest, project_name=PROFILE_NAME)
        # Cosmos wraps the path in an ObjectStoragePath, whose first read loads every Airflow plugin (for
        # hook lineage): in a DAG-processor child that is most of this file's parse. The manifest is local.
        project.manifest_path = Path(manifest)
        load_method = LoadMode.DBT_MANIFEST
    else:
        log.warning("no dbt manifest at %s: rendering from the project files; run `make dbt-manifest`", manifest)
        project = ProjectConfig(dbt_project_path=project_dir)
        load_method = LoadMode.CUSTOM
    dag = DbtDag(
        dag_id=dag_id,
        schedule=raw_assets_schedule() if schedule == "raw-assets" else schedule,
        start_date=start_date,
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md,
        tags=tags or ["transform", "dbt"],
        default_args=default_args(retries=1),
        project_config=project,
        profile_config=profile_config(),
        render_config=RenderConfig(load_method=load_method, test_behavior=TestBehavior.AFTER_EACH, emit_datasets=False),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=_dbt_executable(),
        ),
        operator_args={"install_deps": False, "poke_interval": 2, "deferrable": False},
    )
    _mark_mart_outlets(dag)
    publish_off_the_reading_thread(dag)
    _add_late_data_mark(dag)
    return dag


#: The transform DAG's one task that is not a dbt node.
LATE_DATA_TASK_ID = "mark_late_data"


def _add_late_data_mark(dag: Any) -> None:
    """Mark published periods that this run's deliveries can change ``revision_pending``.

    ATTESTATION_METHOD.md §7: a period is pending from the moment data that can change it is in the
    warehouse, at the latest when the transform run after that delivery ends. The mark reads ``raw`` and
    ``ops`` only, so it runs beside dbt, not after it, and a failed model does not hold it back.
    """
    from airflow.sdk import task

    @task(task_id=LATE_DATA_TASK_ID, retries=2)
    def mark_late_data() -> list[str]:
        from service_quality.attestation.late import mark_revision_pending
        from service_quality.warehouse.connection import resolve

        with resolve(in_airflow_task=True).connect() as conn:
            pending = mark_revision_pending(conn)
        return [p.message() for p in pending]

    with dag:
        mark_late_data()


def relative(path: Path) -> str:
    """A path as shown to users: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
