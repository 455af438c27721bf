"""A real, local Airflow for the length of one command: scheduler, DAG processor, triggerer, API server.

``sqw run`` needs DAG runs executed the way production executes them: a scheduler that runs tasks in
parallel (LocalExecutor), the Cosmos watcher's sensors following the producer's build, a triggerer for
any deferrable task, and the API server that task processes report to (Airflow 3's execution API). ``airflow dags test`` runs one
task at a time in one process: Cosmos's watcher mode cannot work there (its sensors wait for a producer
that is never started) and one-task-per-model is about 9.5 × slower than a bare ``dbt build``.

The components are child processes of the command; they are stopped (process group, SIGTERM then
SIGKILL) when it ends, whatever happens. Their logs go to ``$AIRFLOW_HOME/logs/components/``. When the
command is interrupted (Ctrl-C, SIGTERM) they get a few seconds instead of a graceful shutdown, and the
DAG runs it left unfinished are marked failed: the next command's scheduler would otherwise resume them
next to the runs it triggers.

Scheduling by the clock and by Assets is switched off for these components
(``[scheduler] use_job_schedule = False``): the command triggers each run itself, with the logical date
it needs, so nothing runs that the command did not ask for. A deployment's scheduler keeps both on.
"""

from __future__ import annotations

import logging
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from service_quality import airflow_processes
from service_quality.airflow_processes import airflow_executable, free_port

log = logging.getLogger(__name__)

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")

#: Seconds the components get to exit on SIGTERM before SIGKILL: at the end of a command, and when it was
#: interrupted (the command must be gone within seconds; what the tasks committed is kept, the rest rolls back).
STOP_GRACE = 30.0
INTERRUPT_GRACE = 3.0

#: Imported by the scheduler before it starts: LocalExecutor forks task processes from it, so every task
#: inherits these instead of importing them again. Importing Great Expectations alone costs a task
#: 5-10 s of CPU (minutes on a loaded 2-core machine), dbt and Cosmos a few seconds more.
PRELOAD_MODULES = (
    "pandas",
    "psycopg",
    "great_expectations",
    "cosmos",
    "cosmos.operators.watcher",
    "dbt.adapters.postgres",
    "service_quality.ingest.load",
    "service_quality.ingest.validate",
)

_SCHEDULER_WITH_PRELOAD = """
import importlib, sys
for name in sys.argv[1].split(","):
    try:
        importlib.import_module(name)
    except Exception as error:  # a module missing from this checkout only costs its import later
        print(f"preload of {name} skipped: {error}", file=sys.stderr)
try:  # the transform DAG, rendered once here instead of once per task process
    from service_quality.transform.cosmos import warm_transform_dag

    warm_transform_dag()
except Exception as error:
    print(f"transform DAG not prebuilt: {error}", file=sys.stderr)
sys.argv = ["airflow", "scheduler"]
from airflow.__main__ import main
sys.exit(main())
"""


def metadata_database(env: dict[str, str]) -> str:
    """The metadata DB for the run: the configured one unless it is SQLite, else the embedded PostgreSQL.

    SQLite has a single writer: with the scheduler, DAG processor, triggerer, API server and hundreds of
    mapped ingestion tasks writing at once it fails with "database is locked". The embedded server (the
    one that hosts the local warehouse) gets a separate ``airflow`` database instead.
    """
    url = env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    if url and not url.startswith("sqlite"):
        return url
    from service_quality.warehouse import embedded

    admin = embedded.start().with_dbname("postgres")
    with admin.connect(autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = 'airflow'").fetchone():
            conn.execute("create database airflow")
    return f"postgresql+psycopg2://{admin.user}@{admin.host}:{admin.port}/airflow"


def runtime_environment(base: dict[str, str]) -> dict[str, str]:
    """The environment of the components: ``base`` plus what a short-lived local Airflow needs."""
    env = dict(base)
    port = int(env.get("SQW_AIRFLOW_PORT") or free_port())
    env.update(
        {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_database(env),
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            # Every component must sign and check task tokens with the same secret.
            "AIRFLOW__API_AUTH__JWT_SECRET": env.get("AIRFLOW__API_AUTH__JWT_SECRET") or secrets.token_urlsafe(32),
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # Fast feedback: tasks are picked up and deferred sensors resumed within a second or two.
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            # A level of the transform graph starts about 0.5 s after the one above it ends, not 1.2 s.
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": env.get(
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME", "0.1"
            ),
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "600",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
            "AIRFLOW__API__WORKERS": "1",
            # On a small, busy machine the API server can take many seconds to answer a task's call; a task
            # must wait for it rather than fail (the default timeout is a few seconds).
            "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": env.get("AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT", "120"),
            "AIRFLOW__WORKERS__EXECUTION_API_RETRIES": env.get("AIRFLOW__WORKERS__EXECUTION_API_RETRIES", "10"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": env.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO"),
        }
    )
    return env


class LocalAirflow:
    """Context manager: start the components, yield, stop them. ``env`` is the full environment."""

    def __init__(self, env: dict[str, str], *, start_timeout: float = 240.0) -> None:
        self.env = runtime_environment(env)
        self.home = Path(self.env["AIRFLOW_HOME"])
        self.log_dir = self.home / "logs" / "components"
        self.start_timeout = start_timeout
        self.processes: dict[str, subprocess.Popen] = {}
        self.started_at: datetime | None = None

    @property
    def base_url(self) -> str:
        return self.env["AIRFLOW__API__BASE_URL"]

    def _airflow(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([airflow_executable(), *args], env=self.env, capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
            raise RuntimeError(f"`airflow {' '.join(args)}` failed:\n{tail}")
        return result

    def prepare(self) -> None:
        """Metadata database and the ``warehouse`` pool (idempotent; what ``make airflow-init`` does)."""
        from service_quality.airflow_env import prepare_lineage

        self.home.mkdir(parents=True, exist_ok=True)
        prepare_lineage(self.env)
        self._airflow("db", "migrate")
        self._airflow("pools", "set", "warehouse", "4", "concurrent loads into the warehouse")

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.started_at = datetime.now(UTC)
        for name in COMPONENTS:
            command = [airflow_executable(), name]
            if name == "scheduler":
                command = [sys.executable, "-c", _SCHEDULER_WITH_PRELOAD, ",".join(PRELOAD_MODULES)]
            self.processes[name] = airflow_processes.start(name, command, self.env, self.log_dir)
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        import urllib.request

        deadline = time.monotonic() + self.start_timeout
        url = f"{self.base_url}/api/v2/monitor/health"
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError(f"the Airflow API server did not answer at {url} within {self.start_timeout:.0f} s")

    def check_alive(self) -> None:
        """Raise, with the end of its log, when a component has died."""
        airflow_processes.check_running(self.processes, self.log_dir)

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop every component and the task processes they started, all at once (see :func:`airflow_processes.stop`)."""
        airflow_processes.stop(self.processes.values(), grace)
        self.processes.clear()

    def fail_unfinished_runs(self) -> int:
        """Mark the DAG runs queued since :meth:`start` that did not end as failed; returns how many.

        Like Airflow's "mark failed": running tasks become failed, tasks that had not started are skipped.
        Called only when the components are stopped, so nothing races the update.
        """
        if self.started_at is None:
            return 0
        from sqlalchemy import create_engine, text

        engine = create_engine(self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        runs = "select dag_id, run_id from dag_run where state in ('queued', 'running') and queued_at >= :started"
        try:
            with engine.begin() as conn:
                params = {"started": self.started_at}
                conn.execute(
                    text(
                        "update task_instance set state = case when state in "
                        "('running', 'deferred', 'up_for_reschedule', 'awaiting_input') then 'failed' "
                        "else 'skipped' end, end_date = now() "
                        "where (state is null or state in ('running', 'deferred', 'up_for_reschedule', "
                        "'awaiting_input', 'scheduled', 'queued', 'up_for_retry', 'restarting')) "
                        f"and (dag_id, run_id) in ({runs})"
                    ),
                    params,
                )
                return conn.execute(
                    text(
                        "update dag_run set state = 'failed', end_date = now() "
                        "where state in ('queued', 'running') and queued_at >= :started"
                    ),
                    params,
                ).rowcount
        finally:
            engine.dispose()

    def __enter__(self) -> LocalAirflow:
        self.prepare()
        try:
            self.start()
        except BaseException as error:
            self.stop(_grace_after(type(error)))
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop(_grace_after(exc_type))
        if exc_type is not None and not issubclass(exc_type, Exception):
            try:
                failed = self.fail_unfinished_runs()
            except Exception as error:  # noqa: BLE001 - the interruption is what the caller must see
                log.warning("could not mark the interrupted DAG runs failed: %s", error)
            else:
                if failed:
                    log.info("marked %s interrupted DAG run(s) failed", failed)


def _grace_after(exc_type: type[BaseException] | None) -> float:
    """Errors and a normal end let the components shut down; an interruption (Ctrl-C, SIGTERM) must be quick."""
    if exc_type is None or issubclass(exc_type, Exception):
        return STOP_GRACE
    return INTERRUPT_GRACE
