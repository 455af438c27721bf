"""Scratch space for benchmarks: a warehouse database of their own, an Airflow home of their own.

Benchmarks never touch the developer's warehouse or Airflow metadata: they create a database on the
local PostgreSQL (127.0.0.1:5432 when it answers, else the embedded server), bootstrap it, and drop it
at the end; Airflow runs with its home under ``benchmarks/work/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from service_quality.bench.results import WORK_DIR
from service_quality.paths import ROOT
from service_quality.warehouse.connection import WarehouseDsn


def _reachable(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def admin_dsn() -> WarehouseDsn:
    """A superuser connection to the local server (system PostgreSQL first, else the embedded one)."""
    host = os.environ.get("SQW_BENCH_PGHOST", "127.0.0.1")
    port = int(os.environ.get("SQW_BENCH_PGPORT", "5432"))
    if _reachable(host, port):
        return WarehouseDsn(host, port, os.environ.get("SQW_BENCH_PGUSER", "postgres"), "", "postgres")
    from service_quality.warehouse import embedded

    return embedded.start().with_dbname("postgres")


@contextlib.contextmanager
def bench_database(prefix: str = "sqw_bench", bootstrapped: bool = True) -> Iterator[WarehouseDsn]:
    """A fresh (bootstrapped) database, dropped on exit even when the benchmark fails."""
    from psycopg import sql

    admin = admin_dsn()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("create database {} template template0 encoding 'UTF8'").format(sql.Identifier(name)))
    dsn = admin.with_dbname(name)
    try:
        if bootstrapped:
            from service_quality.warehouse.bootstrap import bootstrap

            bootstrap(dsn)
        yield dsn
    finally:
        with admin.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def work_dir(*parts: str, fresh: bool = False) -> Path:
    path = WORK_DIR.joinpath(*parts)
    if fresh and path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def metadata_url(dsn: WarehouseDsn) -> str:
    """SQLAlchemy URL of a database used as Airflow's metadata DB."""
    from urllib.parse import quote

    auth = quote(dsn.user, safe="") + (":" + quote(dsn.password, safe="") if dsn.password else "")
    return f"postgresql+psycopg2://{auth}@{dsn.host}:{dsn.port}/{dsn.dbname}"


def airflow_env(
    home: Path, warehouse: WarehouseDsn | None = None, metadata: WarehouseDsn | None = None
) -> dict[str, str]:
    """The project-local Airflow environment, but with its own home, metadata DB and warehouse.

    ``metadata``: a (benchmark) database for Airflow's metadata; without it, SQLite in ``home``
    (enough for parsing; a scheduler with parallel tasks needs PostgreSQL).
    """
    from service_quality.airflow_env import environment

    base = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    base.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        }
    )
    if warehouse is not None:
        base["AIRFLOW_CONN_WAREHOUSE"] = warehouse.airflow_uri
    if metadata is not None:
        base["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = metadata_url(metadata)
    env = environment(base)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "plugins"), env.get("PYTHONPATH", "")) if p)
    return env


def python() -> str:
    """The interpreter running the benchmarks (the project's venv)."""
    return sys.executable


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float | None = None):
    """Run a command; on failure raise with its output tail, so a broken benchmark says why.

    When the benchmark is stopped, the command gets SIGTERM first (``sqw run`` then stops the Airflow
    components it started) and is killed only if it has not ended 60 s later.
    """
    process = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        process.terminate()
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        raise
    result = subprocess.CompletedProcess(cmd, process.returncode, stdout, stderr)
    if result.returncode != 0:
        tail = (result.stdout[-3000:] + "\n" + result.stderr[-3000:]).strip()
        raise RuntimeError(f"{' '.join(cmd[:4])} ... exited with {result.returncode}:\n{tail}")
    return result
