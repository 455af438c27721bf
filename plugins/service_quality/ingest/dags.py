"""The one definition every ``dags/ingest_<source>.py`` is built from.

Shape: ``find_new_deliveries`` -> ``load.expand(delivery=...)`` (pool ``warehouse``, emits the Asset
``postgres://warehouse/warehouse/raw/<source>``) -> ``report``. A delivery that is rejected, a duplicate or already
processed ends its mapped task as *skipped* with the reason in the log: nothing changed in ``raw``, so
no Asset event wakes the transform for it. Only light imports here: DAG files are parsed often.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service_quality.dag_defaults import default_args

START_DATE = datetime(2025, 1, 1)
DEFAULT_ARGS = default_args(retries=2)


def asset_uri(source: str) -> str:
    from service_quality.contracts import contract

    return contract(source).asset_uri


def _task_context() -> tuple[str | None, str | None]:
    from airflow.sdk import get_current_context

    ctx = get_current_context()
    return ctx["dag"].dag_id, ctx["run_id"]


def load_task_body(source: str, delivery: dict[str, Any]) -> dict[str, Any]:
    """Load one delivery through the ``warehouse`` connection; skip when nothing reached ``raw``."""
    from airflow.sdk.exceptions import AirflowSkipException

    from service_quality.airflow_support import warehouse_dsn
    from service_quality.ingest.deliveries import load

    dag_id, run_id = _task_context()
    result = load(source, delivery, warehouse_dsn(), dag_id=dag_id, run_id=run_id)
    # "skipped" with rows: an earlier attempt committed the load, then died before reporting it; the Asset
    # event is still owed to the transform DAG, so this attempt succeeds instead of skipping.
    if result["status"] == "skipped" and result["rows_loaded"] > 0:
        return result
    if result["status"] != "loaded":
        raise AirflowSkipException(
            f"{delivery['path']}: {result['status']}: {result.get('message') or 'nothing new to load'}"
        )
    return result


def ingest_dag(source: str, doc_md: str | None, schedule: str = "@hourly") -> Any:
    """Build the ingestion DAG ``ingest_<source>``."""
    from airflow.sdk import Asset, dag, task

    @dag(
        dag_id=f"ingest_{source}",
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md,
        default_args=DEFAULT_ARGS,
        tags=["ingest", source],
    )
    def ingest() -> None:
        @task
        def find_new_deliveries() -> list[dict[str, Any]]:
            """Files under ``<landing_root>/<source>/`` whose (path, content hash) is not in ``ops.deliveries``."""
            from service_quality.airflow_support import warehouse_dsn
            from service_quality.ingest.deliveries import find_new_deliveries as find

            return find(source, None, warehouse_dsn())

        @task(
            pool="warehouse",
            outlets=[Asset(asset_uri(source))],
            map_index_template="{{ task.op_kwargs['delivery']['path'] }}",
        )
        def load(delivery: dict[str, Any]) -> dict[str, Any]:
            """Validate one delivery and load it atomically into raw / quarantine / ops."""
            return load_task_body(source, delivery)

        @task(trigger_rule="all_done")
        def report() -> dict[str, Any]:
            """Log this source's totals from ``ops`` (deliveries, rows loaded / quarantined, rejected)."""
            from service_quality.airflow_support import warehouse_dsn
            from service_quality.ingest.summary import summary

            row = next(r for r in summary(warehouse_dsn()) if r["source"] == source)
            print(row)
            return row

        loaded = load.expand(delivery=find_new_deliveries())
        loaded >> report()

    return ingest()
