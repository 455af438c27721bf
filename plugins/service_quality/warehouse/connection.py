"""Resolve the warehouse connection.

The Airflow connection ``warehouse`` is the single source of credentials. Outside Airflow (CLI, tests)
we read the same thing from ``AIRFLOW_CONN_WAREHOUSE``; when it is unset, the embedded warehouse is used.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

CONN_ID = "warehouse"
ENV_VAR = "AIRFLOW_CONN_WAREHOUSE"


@dataclass(frozen=True)
class WarehouseDsn:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def uri(self) -> str:
        """A libpq URI (also accepted by ``AIRFLOW_CONN_WAREHOUSE``)."""
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(self.dbname, safe='')}"

    @property
    def airflow_uri(self) -> str:
        """The same connection in Airflow's URI form (scheme ``postgres``)."""
        return "postgres" + self.uri[len("postgresql") :]

    def with_dbname(self, dbname: str) -> WarehouseDsn:
        return WarehouseDsn(self.host, self.port, self.user, self.password, dbname)

    def connect(self, **kwargs):
        """Open a psycopg 3 connection."""
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=self.dbname,
            **kwargs,
        )


def parse(value: str) -> WarehouseDsn:
    """Parse an Airflow connection given as a URI or as Airflow's JSON form."""
    value = value.strip()
    if value.startswith("{"):
        data = json.loads(value)
        return WarehouseDsn(
            host=data.get("host") or "127.0.0.1",
            port=int(data.get("port") or 5432),
            user=data.get("login") or "postgres",
            password=data.get("password") or "",
            dbname=data.get("schema") or data.get("database") or "warehouse",
        )
    parts = urlsplit(value)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"{ENV_VAR} must be a postgres:// URI or JSON, got scheme {parts.scheme!r}")
    return WarehouseDsn(
        host=unquote(parts.hostname or "127.0.0.1"),
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        dbname=unquote(parts.path.lstrip("/")) or "warehouse",
    )


def configured() -> WarehouseDsn | None:
    """The warehouse named by ``AIRFLOW_CONN_WAREHOUSE``, or None when it is unset."""
    value = os.environ.get(ENV_VAR)
    return parse(value) if value else None


def resolve() -> WarehouseDsn:
    """The configured warehouse, else the embedded one (started on demand)."""
    dsn = configured()
    if dsn is not None:
        return dsn
    from service_quality.warehouse import embedded

    return embedded.start()
