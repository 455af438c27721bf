"""The warehouse connection inside an Airflow task, under the name the ingestion DAG factory imports."""

from __future__ import annotations

from service_quality.warehouse.connection import WarehouseDsn, resolve


def warehouse_dsn() -> WarehouseDsn:
    """The ``warehouse`` Airflow connection: :func:`~service_quality.warehouse.connection.resolve` in a task."""
    return resolve(in_airflow_task=True)
