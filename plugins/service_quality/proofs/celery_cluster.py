"""A local Airflow on the CeleryExecutor, without Docker: every component a separate process.

The scale-out proof (:mod:`service_quality.proofs.scaleout`) runs the pipeline's DAGs on it. The cluster
is a PostgreSQL metadata database, a Redis (or RabbitMQ) broker, and scheduler, dag-processor, api-server
and two Celery workers, each in its own process group (:mod:`service_quality.airflow_processes`).
Everything is configured through environment variables, as a container deployment would be, on top of
:func:`service_quality.airflow_env.environment`; each worker records its own name as the task instances'
host (:mod:`service_quality.proofs.worker_hostname`). Every process started is stopped, and every broker
key created is removed, whatever happens.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from service_quality import airflow_processes
from service_quality.airflow_processes import airflow_executable, free_port
from service_quality.paths import DAGS_DIR, PLUGINS_DIR
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

#: Redis database used by the harness (a dedicated number, so nothing else's keys are touched).
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"
WORKERS = ("w1", "w2")
HEALTHY = "healthy"
#: Pools the DAGs use (as ``make airflow-init`` and the compose init create them).
POOLS = (("warehouse", 4, "concurrent loads into the warehouse"),)
TERMINAL_RUN_STATES = {"success", "failed"}
#: Seconds a component gets to exit on SIGTERM before its process group is killed.
STOP_GRACE = 20.0


def sqlalchemy_uri(dsn: WarehouseDsn) -> str:
    """The metadata database in SQLAlchemy's form, with the driver Airflow's PostgreSQL support uses."""
    return "postgresql+psycopg2" + dsn.uri[len("postgresql") :]


def plugins_folder(workdir: Path) -> Path:
    """The folder Airflow loads plugins from.

    Airflow imports every ``.py`` file under its plugins folder as a top-level module named after the
    file, so without a ``plugins/.airflowignore`` that excludes the package, ``service_quality/transform/
    cosmos.py`` would replace the ``cosmos`` package in every Airflow process. The package itself is
    on ``PYTHONPATH`` either way; until the ignore file exists, the harness gives Airflow an empty folder.
    """
    if (PLUGINS_DIR / ".airflowignore").exists():
        return PLUGINS_DIR
    empty = workdir / "airflow_plugins"
    if empty.is_dir():
        return empty
    log.warning(
        "no %s: Airflow would import the package's modules as plugins; using an empty plugins folder",
        PLUGINS_DIR / ".airflowignore",
    )
    empty = workdir / "airflow_plugins"
    empty.mkdir(parents=True, exist_ok=True)
    return empty


@dataclass
class CeleryCluster:
    """Airflow on the CeleryExecutor, every component a separate local process.

    Use as a context manager: ``__enter__`` migrates the metadata database, starts the processes and
    waits until the api-server reports the metadata database, scheduler and dag-processor healthy and
    both workers answer a Celery ping; ``__exit__`` stops every process group it started.
    """

    workdir: Path
    metadata: WarehouseDsn
    warehouse: WarehouseDsn
    broker_url: str = DEFAULT_BROKER
    workers: tuple[str, ...] = WORKERS
    concurrency: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    #: component name -> its process (the leader of the component's process group), in start order
    processes: dict[str, subprocess.Popen] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_dir = self.workdir / "service-logs"
        self.api_port = free_port()
        # A queue of its own: even on a shared broker database, no other Airflow takes these tasks.
        self.queue = f"sqw_scaleout_{uuid.uuid4().hex[:8]}"
        self.jwt_secret = secrets.token_urlsafe(32)
        self._token: str | None = None

    # -- configuration ---------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def env(self, worker: str | None = None) -> dict[str, str]:
        """The environment every component shares (plus the worker's own name for a worker)."""
        from service_quality.airflow_env import environment

        home = self.workdir / "airflow_home"
        env = environment()
        env.update(
            {
                "AIRFLOW_HOME": str(home),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins_folder(self.workdir)),
                "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "service_quality.proofs.worker_hostname.worker_hostname",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_uri(self.metadata),
                "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.metadata.uri,
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__BASE_URL": self.api_url,
                "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
                "AIRFLOW__API__SECRET_KEY": self.jwt_secret,
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
                # The harness triggers every run itself, in stages: no schedule- or asset-made runs.
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
                "AIRFLOW_CONN_WAREHOUSE": self.warehouse.airflow_uri,
            }
        )
        env.update(self.extra_env)
        if worker is not None:
            env["SQW_WORKER_NAME"] = worker
        return env

    # -- life cycle ------------------------------------------------------------------------------
    def __enter__(self) -> CeleryCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def migrate(self, timeout: float = 300) -> None:
        result = subprocess.run(
            [airflow_executable(), "db", "migrate"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.processes[name] = airflow_processes.start(name, [airflow_executable(), *args], env, self.log_dir)
        log.info("started %s (pid %s)", name, self.processes[name].pid)

    def start(self, timeout: float = 240) -> None:
        started = time.monotonic()
        self.migrate()
        log.info("metadata database migrated in %.0fs", time.monotonic() - started)
        env = self.env()
        self._spawn("api-server", ["api-server", "--port", str(self.api_port), "--host", "127.0.0.1"], env)
        self._spawn("scheduler", ["scheduler", "--skip-serve-logs"], env)
        self._spawn("dag-processor", ["dag-processor"], env)
        for worker in self.workers:
            self._spawn(
                f"worker-{worker}",
                [
                    "celery",
                    "worker",
                    "--celery-hostname",
                    f"{worker}@%h",
                    "--concurrency",
                    str(self.concurrency),
                    "--queues",
                    self.queue,
                    "--skip-serve-logs",
                    "--without-gossip",
                    "--without-mingle",
                ],
                self.env(worker),
            )
        self.wait_healthy(deadline=started + timeout)
        for name, slots, description in POOLS:
            self._request("POST", "/api/v2/pools", {"name": name, "slots": slots, "description": description})
        log.info("cluster healthy after %.0fs", time.monotonic() - started)

    def stop(self) -> None:
        """Stop every process group this cluster started, one after the other, workers first (so no task is
        left orphaned), then remove its broker keys."""
        for name, process in reversed(self.processes.items()):
            try:
                if airflow_processes.stop([process], STOP_GRACE):
                    log.warning("%s did not stop within %ss: killed its process group", name, STOP_GRACE)
            except Exception:  # noqa: BLE001 - keep stopping the others
                log.exception("could not stop %s", name)
        self._purge_broker()

    def alive(self) -> list[str]:
        """Names of started components whose process group still has a live process."""
        return [name for name, process in self.processes.items() if airflow_processes.group_alive(process)]

    def _purge_broker(self) -> None:
        """Remove this run's keys from a Redis broker: its queue, its bindings, its unacked messages."""
        if not self.broker_url.startswith("redis://"):
            return
        try:
            import redis

            client = redis.Redis.from_url(self.broker_url)
            keys = list(client.scan_iter(match=f"*{self.queue}*"))
            if keys:
                client.delete(*keys)
            # Messages of tasks cut short at shutdown stay in kombu's shared "unacked" hash (and its
            # index); they name the routing key, i.e. this run's queue.
            for tag, message in client.hgetall("unacked").items():
                if self.queue.encode() in message:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
            client.close()
        except Exception:  # noqa: BLE001 - best effort: the keys are namespaced by a random queue name
            log.warning("could not remove the broker keys of queue %s", self.queue)

    # -- health ----------------------------------------------------------------------------------
    def _check_running(self) -> None:
        airflow_processes.check_running(self.processes, self.log_dir, lines=40)

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=5) as response:
            return json.load(response)

    def _workers_answering(self) -> set[str]:
        from celery import Celery

        app = Celery(broker=self.broker_url)
        try:
            replies = app.control.ping(timeout=2.0)
        finally:
            app.close()
        # Celery names a node <name>@<socket.gethostname()>; only this cluster's names count.
        mine = {f"{w}@{socket.gethostname()}": w for w in self.workers}
        return {mine[name] for reply in replies for name in reply if name in mine}

    def wait_healthy(self, deadline: float) -> None:
        last: object = "api-server not answering"
        while time.monotonic() < deadline:
            self._check_running()
            try:
                health = self.health()
                components = ("metadatabase", "scheduler", "dag_processor")
                if all(health.get(c, {}).get("status") == HEALTHY for c in components):
                    answering = self._workers_answering()
                    if answering >= set(self.workers):
                        return
                    last = f"workers answering: {sorted(answering)}"
                else:
                    last = health
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                last = exc
            time.sleep(2)
        raise TimeoutError(f"the cluster did not become healthy in time; last state: {last}")

    # -- runs ------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        if self._token is None:
            with urllib.request.urlopen(f"{self.api_url}/auth/token", timeout=30) as response:
                self._token = json.load(response)["access_token"]
        request = urllib.request.Request(
            f"{self.api_url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path} -> {exc.code}: {exc.read().decode(errors='replace')}") from exc

    def _metadata_rows(self, query: str, params: list) -> list[tuple]:
        with self.metadata.connect() as conn:
            return conn.execute(query, params).fetchall()

    def wait_dags(self, dag_ids: list[str], timeout: float = 120) -> None:
        """Wait until the dag-processor has serialized every DAG (a run can only be made of a known DAG)."""
        deadline = time.monotonic() + timeout
        missing = set(dag_ids)
        while time.monotonic() < deadline:
            self._check_running()
            found = self._metadata_rows("select dag_id from serialized_dag where dag_id = any(%s)", [dag_ids])
            missing = set(dag_ids) - {r[0] for r in found}
            if not missing:
                return
            time.sleep(2)
        errors = self._metadata_rows("select filename, stacktrace from import_error", [])
        raise TimeoutError(f"DAGs not parsed by the dag-processor: {sorted(missing)}; import errors: {errors}")

    def trigger(self, dag_id: str, logical_date: str) -> str:
        """Create a DAG run through the REST API, as an operator would; the scheduler takes it from there."""
        run_id = f"scaleout__{dag_id}__{uuid.uuid4().hex[:6]}"
        body = {"dag_run_id": run_id, "logical_date": logical_date, "conf": {}}
        return self._request("POST", f"/api/v2/dags/{dag_id}/dagRuns", body)["dag_run_id"]

    def wait_runs(self, runs: dict[str, str], timeout: float) -> dict[str, str]:
        """``dag_id -> run_id`` until every run is finished; returns ``dag_id -> state``."""
        deadline = time.monotonic() + timeout
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            self._check_running()
            rows = self._metadata_rows("select dag_id, run_id, state from dag_run where dag_id = any(%s)", [list(runs)])
            states = {dag_id: state for dag_id, run_id, state in rows if runs.get(dag_id) == run_id}
            if len(states) == len(runs) and set(states.values()) <= TERMINAL_RUN_STATES:
                return states
            time.sleep(2)
        raise TimeoutError(f"DAG runs not finished in {timeout:.0f}s: {states}")

    def task_instances(self, runs: dict[str, str]) -> list[dict]:
        rows = self._metadata_rows(
            "select dag_id, run_id, task_id, map_index, state, hostname from task_instance where dag_id = any(%s)",
            [list(runs)],
        )
        keys = ("dag_id", "run_id", "task_id", "map_index", "state", "hostname")
        return [dict(zip(keys, r, strict=True)) for r in rows if runs.get(r[0]) == r[1]]
