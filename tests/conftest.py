"""Shared fixtures: a real PostgreSQL for every test that needs one.

The server is the one on 127.0.0.1:5432 when it answers (CI and developer machines have it),
otherwise the embedded one. Each test session works in databases of its own, dropped at the end.
"""

from __future__ import annotations

import os
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
