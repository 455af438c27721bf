"""
### Ingest surveys from the survey platform's HTTP API -> `raw.surveys`

Airflow DAG that pulls the responses updated in the run's data interval from the survey platform's JSON API
(connection `survey_api`: host = base URL, password = bearer token), page by page with the API's cursor.
Each page is written as a JSON Lines file under `<landing_root>/surveys/api/YYYY/MM/DD/` and then loaded
exactly like a delivered file (archive, content-hash dedupe, Great Expectations suite `expectations/surveys.py`,
quarantine, PII hashed with Variable `survey_pii_key`, one transaction per page). HTTP 429 / 5xx are retried
with exponential backoff. Reruns of an interval are idempotent. Emits the Asset of `raw.surveys`.

Docs: docs/ingestion.md.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, dag, task

from service_quality.ingest.dags import DEFAULT_ARGS, START_DATE, asset_uri, fail_without_retry


@dag(
    schedule="@hourly",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "surveys", "api"],
)
def ingest_survey_api():
    @task(pool="warehouse", outlets=[Asset(asset_uri("surveys"))])
    def pull(data_interval_start=None, data_interval_end=None, dag=None, run_id=None) -> list[dict[str, Any]]:
        from service_quality.ingest.survey_api import SurveyApi, pull
        from service_quality.warehouse.connection import resolve

        with fail_without_retry():
            return pull(
                SurveyApi.from_airflow(),
                data_interval_start,
                data_interval_end,
                resolve(in_airflow_task=True),
                dag_id=dag.dag_id,
                run_id=run_id,
            )

    pull()


ingest_survey_api()
