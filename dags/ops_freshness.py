"""
### Freshness of the sources

Every hour, checks each source's last delivery against its expected cadence (Variable `source_cadence`;
defaults: sales, traffic and shifts daily by 06:00 store time, surveys daily, audits and the rosters
weekly) at the end of the run's data interval. Each overdue source raises the failure alert (connection
`alerts_webhook`) once per source and day; `ops.freshness_alerts` records what was sent. The operators'
home in the Airflow UI shows the same freshness.

Connections: `warehouse`, `alerts_webhook`.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from service_quality.dag_defaults import default_args


@dag(
    schedule="20 * * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    doc_md=__doc__,
    default_args=default_args(retries=2),
    tags=["ops", "alerts"],
)
def ops_freshness():
    @task
    def alert_overdue_sources(data_interval_end=None, dag_run=None, dag=None, run_id=None) -> list[dict]:
        from airflow.sdk import Variable

        from service_quality.ops_home.freshness import VARIABLE
        from service_quality.ops_home.freshness_check import alert_overdue
        from service_quality.warehouse.connection import resolve

        return alert_overdue(
            resolve(in_airflow_task=True),
            data_interval_end or dag_run.run_after,  # a manual run has no interval: the instant it was asked for
            Variable.get(VARIABLE, default=None),
            dag_id=dag.dag_id,
            run_id=run_id,
        )

    alert_overdue_sources()


ops_freshness()
