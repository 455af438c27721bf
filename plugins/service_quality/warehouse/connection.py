"""Which warehouse to connect to: the one resolver every task, command and test asks.

The Airflow connection ``warehouse`` is the single source of credentials. Inside an Airflow task, Airflow
looks it up in its own order (a configured secrets backend, ``AIRFLOW_CONN_WAREHOUSE``, the metadata
database). Outside Airflow (commands, tests, benchmarks) the same connection is read from
``AIRFLOW_CONN_WAREHOUSE``; when it is unset, the embedded warehouse is used (started on demand).
"""

from __future__ import annotations

import json
import os
from urllib.parse import unquote, urlsplit

from service_quality.warehouse import embedded
from service_quality.warehouse.dsn import WarehouseDsn

__all__ = ["CONN_ID", "ENV_VAR", "WarehouseDsn", "configured", "parse", "resolve"]

CONN_ID = "warehouse"
ENV_VAR = "AIRFLOW_CONN_WAREHOUSE"


def parse(value: str) -> WarehouseDsn:
    """Parse an Airflow connection given as a URI or as Airflow's JSON form."""
    value = value.strip()
    if value.startswith("{"):
        data = json.loads(value)
        return WarehouseDsn.from_airflow_fields(
            host=data.get("host"),
            port=data.get("port"),
            login=data.get("login"),
            password=data.get("password"),
            schema=data.get("schema") or data.get("database"),
        )
    parts = urlsplit(value)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"{ENV_VAR} must be a postgres:// URI or JSON, got scheme {parts.scheme!r}")
    return WarehouseDsn.from_airflow_fields(
        host=unquote(parts.hostname or ""),
        port=parts.port,
        login=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        schema=unquote(parts.path.lstrip("/")),
    )


def configured() -> WarehouseDsn | None:
    """The warehouse named by ``AIRFLOW_CONN_WAREHOUSE``, or None when it is unset."""
    value = os.environ.get(ENV_VAR)
    return parse(value) if value else None


def resolve(*, in_airflow_task: bool = False) -> WarehouseDsn:
    """The warehouse to connect to (see the module docstring for the order in each place).

    ``in_airflow_task=True`` asks Airflow for the connection ``warehouse`` (env var, secrets backend or
    metadata DB); there is no embedded fallback in a task: a deployment without the connection fails.
    """
    if in_airflow_task:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(CONN_ID)
        return WarehouseDsn.from_airflow_fields(conn.host, conn.port, conn.login, conn.password, conn.schema)
    dsn = configured()
    if dsn is not None:
        return dsn
    return embedded.start()
