"""Scale-out proof: the pipeline on Airflow's CeleryExecutor, on this machine, without Docker.

Starts a real distributed Airflow — scheduler, dag-processor, api-server and two Celery workers as
separate processes (each in its own process group), a PostgreSQL metadata database and a Redis (or
RabbitMQ) broker — runs the pipeline's DAGs through the scheduler on a simulated landing zone, and
checks two things:

* tasks ran on both workers (``task_instance.hostname`` names the worker, see ``deploy/hostname.py``);
* the warehouse the cluster leaves equals the warehouse a single-process ``airflow dags test`` run
  of the same DAGs leaves (counts and checksums, see ``deploy/warehouse_state.py``).

Everything is configured through environment variables, as a container deployment would be, on top
of :func:`service_quality.airflow_env.environment`. Every process started is stopped, and every
database and broker key created is removed, whatever happens.

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
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from service_quality.deploy import warehouse_state
from service_quality.paths import DAGS_DIR, PLUGINS_DIR
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

#: Redis database used by the harness (a dedicated number, so nothing else's keys are touched).
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"
WORKERS = ("w1", "w2")
#: The simulated period and defect share of the proof's landing zone (one day of an XS chain).
SIM_START, SIM_END, SIM_DEFECTS = date(2025, 3, 3), date(2025, 3, 3), 0.2
HEALTHY = "healthy"
#: Pools the DAGs use (as ``make airflow-init`` and the compose init create them).
POOLS = (("warehouse", 4, "concurrent loads into the warehouse"),)
TERMINAL_RUN_STATES = {"success", "failed"}


def free_port() -> int:
    """A TCP port nobody listens on right now (never 8080: a developer's Airflow may use it)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 8080:
            return port


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
class Service:
    """One long-running Airflow process, leader of its own process group."""

    name: str
    popen: subprocess.Popen
    log_path: Path

    @property
    def pgid(self) -> int:
        return self.popen.pid  # started with start_new_session: pid == pgid

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(service: Service, grace: float = 20.0) -> None:
    """SIGTERM the whole process group (Celery children, task supervisors, API workers), then SIGKILL."""
    if not _group_alive(service.pgid):
        service.popen.poll()
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(service.pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        service.popen.poll()
        if not _group_alive(service.pgid):
            return
        time.sleep(0.3)
    log.warning("%s did not stop within %ss: killing its process group", service.name, grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(service.pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        service.popen.wait(timeout=10)


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
    services: list[Service] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
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
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "service_quality.deploy.hostname.worker_hostname",
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

    def _airflow_bin(self) -> str:
        return str(Path(sys.executable).with_name("airflow"))

    def migrate(self, timeout: float = 300) -> None:
        result = subprocess.run(
            [self._airflow_bin(), "db", "migrate"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> Service:
        logs = self.workdir / "service-logs"
        logs.mkdir(exist_ok=True)
        log_path = logs / f"{name}.log"
        with log_path.open("ab") as out:
            popen = subprocess.Popen(
                [self._airflow_bin(), *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        service = Service(name, popen, log_path)
        self.services.append(service)
        log.info("started %s (pid %s)", name, popen.pid)
        return service

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
        """Stop every process group this cluster started (workers first, so no task is left orphaned)."""
        for service in reversed(self.services):
            try:
                stop_group(service)
            except Exception:  # noqa: BLE001 - keep stopping the others
                log.exception("could not stop %s", service.name)
        self._purge_broker()

    def alive(self) -> list[str]:
        """Names of started services whose process group still has a live process."""
        return [s.name for s in self.services if _group_alive(s.pgid)]

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
        for service in self.services:
            if service.popen.poll() is not None:
                raise RuntimeError(
                    f"{service.name} exited with code {service.popen.returncode}; "
                    f"last lines of {service.log_path}:\n{service.tail()}"
                )

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


# -- the proof -----------------------------------------------------------------------------------
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
    celery_state: dict[str, warehouse_state.TableState]
    reference_state: dict[str, warehouse_state.TableState]
    #: for each table that differs: sample rows only in the Celery run (-) / only in the reference (+)
    row_differences: dict[str, list[str]]
    #: differences when deliveries are identified by content, not by file (see warehouse_state)
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
        return found + warehouse_state.differences(self.celery_state, self.reference_state)

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
    airflow = str(Path(sys.executable).with_name("airflow"))
    log_path = workdir / "reference.log"
    migrate = subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    log_path.write_text(migrate.stdout + migrate.stderr)
    if migrate.returncode != 0:
        raise RuntimeError(f"reference: airflow db migrate failed:\n{migrate.stderr[-4000:]}")
    args = [sys.executable, "-m", "service_quality.deploy.reference", date, *[",".join(s) for s in stages]]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    with log_path.open("a") as out:
        out.write(result.stdout + result.stderr)
    lines = result.stdout.strip().splitlines()
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

        celery_state = warehouse_state.snapshot(wh)
        reference_state = warehouse_state.snapshot(refwh)
        content_differences = warehouse_state.differences(
            warehouse_state.snapshot(wh, by_content=True), warehouse_state.snapshot(refwh, by_content=True)
        )
        row_differences = {
            key: warehouse_state.row_differences(wh, refwh, key)
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
            celery_deliveries=warehouse_state.delivery_status_counts(wh),
            reference_deliveries=warehouse_state.delivery_status_counts(refwh),
            seconds=seconds,
            left_running=left_running,
            database_prefix=f"sqw_scaleout_%_{suffix}",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service_quality.deploy.scaleout", description=__doc__)
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
