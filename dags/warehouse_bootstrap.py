"""
### Warehouse bootstrap

Creates the warehouse schemas (`raw`, `quarantine`, `ops`, `staging`, `intermediate`,
`service_quality`, `attestation`), the roles `loader`, `transformer`, `bi_reader` and `ops_reader` with
least privilege, and applies pending versioned migrations to `raw` / `ops`. Idempotent: run it after
every deployment; a run with nothing pending changes nothing.

Connection: `warehouse`.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from service_quality.dag_defaults import default_args


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    doc_md=__doc__,
    default_args=default_args(retries=2),
    tags=["warehouse", "ops"],
)
def warehouse_bootstrap():
    @task
    def bootstrap() -> list[str]:
        from service_quality.warehouse.bootstrap import bootstrap as run_bootstrap
        from service_quality.warehouse.connection import resolve

        return [m.path.name for m in run_bootstrap(resolve(in_airflow_task=True))]

    bootstrap()


warehouse_bootstrap()
