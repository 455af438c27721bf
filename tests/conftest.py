"""Shared fixtures: a real PostgreSQL for every test that needs one.

The server is the one on 127.0.0.1:5432 when it answers (CI and developer machines have it),
otherwise the embedded one. Each test session works in databases of its own, dropped at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service_quality.warehouse.connection import WarehouseDsn


def _reachable(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def pg_admin() -> WarehouseDsn:
    """A superuser DSN to a real PostgreSQL server (database ``postgres``)."""
    host = os.environ.get("SQW_TEST_PGHOST", "127.0.0.1")
    port = int(os.environ.get("SQW_TEST_PGPORT", "5432"))
    if _reachable(host, port):
        return WarehouseDsn(host, port, os.environ.get("SQW_TEST_PGUSER", "postgres"), "", "postgres")
    from service_quality.warehouse import embedded

    return embedded.start().with_dbname("postgres")


class DatabaseFactory:
    """Creates throw-away databases on the test server and drops them at the end."""

    def __init__(self, admin: WarehouseDsn) -> None:
        self.admin = admin
        self.created: list[str] = []

    def create(self, prefix: str = "sqw_test") -> WarehouseDsn:
        from psycopg import sql

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("create database {} template template0 encoding 'UTF8'").format(sql.Identifier(name)))
        self.created.append(name)
        return self.admin.with_dbname(name)

    def drop_all(self) -> None:
        from psycopg import sql

        with self.admin.connect(autocommit=True) as conn:
            for name in self.created:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        self.created.clear()


@pytest.fixture(scope="session")
def databases(pg_admin: WarehouseDsn) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(pg_admin)
    yield factory
    factory.drop_all()


@pytest.fixture()
def empty_db(databases: DatabaseFactory) -> WarehouseDsn:
    """A new, empty database."""
    return databases.create()


@pytest.fixture()
def warehouse(databases: DatabaseFactory) -> WarehouseDsn:
    """A new database, bootstrapped: schemas, roles, migrations."""
    from service_quality.warehouse.bootstrap import bootstrap

    dsn = databases.create()
    bootstrap(dsn)
    return dsn


def _sqw_run_environment(
    local: Path, warehouse: WarehouseDsn, metadata: WarehouseDsn, pii_key: str, keep: tuple[str, ...] = ()
) -> dict[str, str]:
    """The environment of a ``sqw run`` subprocess that touches nothing of the developer's: its own local
    folder (Airflow home, archive, Data Docs), warehouse and Airflow metadata database. Every inherited
    ``AIRFLOW_*`` / ``SQW_*`` variable is dropped except those named in ``keep``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__", "SQW_")) or k in keep}
    env.update(
        {
            "SQW_LOCAL_DIR": str(local),
            "AIRFLOW_HOME": str(local / "airflow"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
                f"postgresql+psycopg2://{metadata.user}@{metadata.host}:{metadata.port}/{metadata.dbname}"
            ),
            "AIRFLOW_CONN_WAREHOUSE": warehouse.airflow_uri,
            "AIRFLOW_VAR_SURVEY_PII_KEY": pii_key,
            "AIRFLOW_VAR_ARCHIVE_ROOT": str(local / "archive"),
            "AIRFLOW_VAR_DATA_DOCS_ROOT": str(local / "data_docs"),
        }
    )
    return env


@pytest.fixture(scope="session")
def sqw_run_environment() -> Callable[..., dict[str, str]]:
    """Builds the environment of an isolated ``sqw run`` subprocess (see ``_sqw_run_environment``)."""
    return _sqw_run_environment


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> Path:
    """The Debian ``chromium`` (and ``chromium-driver``, ``poppler-utils`` for pdftotext), installed with
    apt-get when missing (CI runs the tests as root)."""
    if not CHROMIUM.exists():
        if os.geteuid() != 0:
            pytest.fail("chromium is not installed and the tests are not root: apt-get install -y chromium")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        packages = ["chromium", "chromium-driver", "poppler-utils"]
        install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
        if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
            subprocess.run(install, env=env, capture_output=True, check=True)
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium() -> Path:
    return ensure_chromium()


class NamedUsersApiServer:
    """A real ``airflow api-server`` with this project's plugin and the compose file's authentication:
    SimpleAuthManager with named users (``admin``, ``viewer``), not everyone an admin."""

    @staticmethod
    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    @contextlib.contextmanager
    def run(
        self, work: Path, metadata: WarehouseDsn, passwords: dict[str, str], env: dict[str, str]
    ) -> Iterator[tuple[str, Path]]:
        """Migrate ``metadata``, start the server for the users' ``passwords`` with ``env`` added, yield
        (URL, log); stop it at the end."""
        import json
        import sys
        import time
        import urllib.error
        import urllib.request

        from service_quality.airflow_env import environment
        from service_quality.paths import DAGS_DIR, PLUGINS_DIR

        home = work / "airflow_home"
        home.mkdir()
        # The auth manager reads the users' passwords from this file (it generates the missing ones).
        (home / "simple_auth_manager_passwords.json.generated").write_text(json.dumps(passwords))
        port = self.free_port()
        secret = "a-secret-of-this-test-only-0123456789abcdef"
        full_env = environment({k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "SQW_"))})
        full_env.update(
            {
                "AIRFLOW_HOME": str(home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_DIR),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
                    f"postgresql+psycopg2://{metadata.user}@{metadata.host}:{metadata.port}/{metadata.dbname}"
                ),
                "AIRFLOW__CORE__AUTH_MANAGER": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
                "AIRFLOW__API_AUTH__JWT_SECRET": secret,
                "AIRFLOW__API__SECRET_KEY": secret,
                "AIRFLOW__API__PORT": str(port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
                "SQW_LOCAL_DIR": str(work / "local"),
                **env,
            }
        )
        airflow = str(Path(sys.executable).with_name("airflow"))
        migrated = subprocess.run([airflow, "db", "migrate"], env=full_env, capture_output=True, text=True, timeout=600)
        assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-3000:]
        log = work / "api-server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [airflow, "api-server", "--port", str(port), "--host", "127.0.0.1"],
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_stop_with_this_process,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"api-server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"api-server not answering after 300 s:\n{log.read_text()[-4000:]}")
                try:
                    with urllib.request.urlopen(url + "/api/v2/monitor/health", timeout=5):
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    time.sleep(1)
            yield url, log
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def _stop_with_this_process() -> None:
    """In the child before exec: the kernel stops the API server if the test process dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@pytest.fixture(scope="session")
def named_users_api_server() -> NamedUsersApiServer:
    return NamedUsersApiServer()
