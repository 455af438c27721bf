"""Where a PostgreSQL database is and how to log in: a value, nothing resolved or started.

Which database the pipeline uses is :mod:`service_quality.warehouse.connection`'s question; the embedded
server (:mod:`service_quality.warehouse.embedded`) hands out its own address as one of these.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class WarehouseDsn:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_airflow_fields(
        cls,
        host: str | None,
        port: int | str | None,
        login: str | None,
        password: str | None,
        schema: str | None,
    ) -> WarehouseDsn:
        """An Airflow connection's fields (``schema`` is the database), a local default for each one left empty."""
        return cls(
            host=host or "127.0.0.1",
            port=int(port or 5432),
            user=login or "postgres",
            password=password or "",
            dbname=schema or "warehouse",
        )

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
