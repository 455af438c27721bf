"""The one definition ``attestation_quarterly`` and ``attestation_annual`` are built from.

Shape: ``plan`` -> ``build`` -> ``publish`` -> ``render``, each a thin task over
:mod:`service_quality.attestation.runs` (``publish`` reports each revision to the OpenLineage provider, ``build``
each dbt model it ran: ``service_quality.lineage``); the two DAGs differ only in the period type they attest, their
schedule and the help of their ``period`` param. Only light imports here: DAG files are parsed often.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from service_quality.attestation.periods import ANNUAL_CRON, QUARTERLY_CRON
from service_quality.dag_defaults import default_args

START_DATE = datetime(2025, 1, 1, tzinfo=UTC)


class AttestationDag(NamedTuple):
    dag_id: str
    cron: str
    period_help: str


#: What differs between the attestation DAGs, by the period type each attests.
DAGS = {
    "quarter": AttestationDag(
        "attestation_quarterly", QUARTERLY_CRON, "quarter(s) to attest instead, e.g. 2025-Q1 or 2025-Q1,2025-Q2"
    ),
    "year": AttestationDag("attestation_annual", ANNUAL_CRON, "year(s) to attest instead, e.g. 2025 or 2024,2025"),
}


def attestation_dag(period_type: str, doc_md: str | None) -> Any:
    """Build the attestation DAG of ``period_type`` (``quarter`` or ``year``)."""
    from airflow.sdk import CronTriggerTimetable, Param, dag, task

    from service_quality.lineage.operators import publish_task

    spec = DAGS[period_type]

    @dag(
        dag_id=spec.dag_id,
        schedule=CronTriggerTimetable(spec.cron, timezone="UTC"),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md,
        default_args=default_args(retries=1),
        params={
            "period": Param("", type="string", description=spec.period_help),
            "full_build": Param(
                False,
                type="boolean",
                description="build every model upstream of the attestation marts too, even when the transform "
                "DAG built them from the deliveries now in the warehouse",
            ),
        },
        tags=["attestation", "reports"],
    )
    def attestation() -> None:
        @task
        def plan(data_interval_end=None, params=None) -> dict:
            from service_quality.attestation import runs
            from service_quality.warehouse.connection import resolve

            return runs.plan(
                resolve(in_airflow_task=True), period_type, data_interval_end, requested_label=params.get("period")
            )

        @task
        def build(planned: dict, params=None, run_id=None, dag=None) -> dict:
            from service_quality.attestation import runs
            from service_quality.warehouse.connection import resolve

            return runs.build(
                resolve(in_airflow_task=True),
                planned,
                full_build=bool(params.get("full_build")),
                dag_id=dag.dag_id,
                run_id=run_id,
            )

        @publish_task()
        def publish(built: dict, run_id=None, dag=None) -> list[dict]:
            from service_quality.attestation import runs
            from service_quality.warehouse.connection import resolve

            return runs.publish_planned(resolve(in_airflow_task=True), built, run_id=run_id, dag_id=dag.dag_id)

        @task
        def render(published: list[dict]) -> dict:
            from service_quality.attestation import runs
            from service_quality.warehouse.connection import resolve

            return runs.render(resolve(in_airflow_task=True), published)

        render(publish(build(plan())))

    return attestation()
