"""Glue between Airflow and the package: the warehouse connection as Airflow resolves it."""

from __future__ import annotations

from service_quality.warehouse.connection import CONN_ID, WarehouseDsn


def warehouse_dsn() -> WarehouseDsn:
    """The ``warehouse`` Airflow connection (env var, secrets backend or metadata DB), as a DSN."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(CONN_ID)
    return WarehouseDsn(
        host=conn.host or "127.0.0.1",
        port=int(conn.port or 5432),
        user=conn.login or "postgres",
        password=conn.password or "",
        dbname=conn.schema or "warehouse",
    )
