"""
### Annual attestation

Attests the calendar year that closed before the run, once the grace period for late deliveries
(9 days) is over: runs at 07:00 UTC on the 10th of January, after that day's quarterly run. The year
is scored from the whole year's observations (not as an average of quarters) and derived from the
run's data interval, so a backfill or a rerun attests the same year.

1. **plan**: mark published periods that received late data `revision_pending`; attest this run's
   year and every period already pending.
2. **build**: `dbt build` of the attestation models and everything upstream, tests included (a failed
   test stops the run: nothing is published).
3. **publish**: a new revision per period when its inputs checksum changed; otherwise the current
   revision stands. Published revisions are never altered.
4. **render**: HTML reports per store and year (with the quarterly trend), awards and an index.

Param `period` (e.g. `2025`, or `2024,2025`) attests those years instead, for a manual re-attestation.
Backfill: `airflow backfill create --dag-id <this DAG> --from-date ... --to-date ...` (catchup is off,
so a new deployment does not fire every past period at once). Connection: `warehouse`.
Guide: `docs/attestation.md`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import CronTriggerTimetable, Param, dag, task

from service_quality.attestation.periods import ANNUAL_CRON
from service_quality.dag_defaults import default_args

PERIOD_TYPE = "year"


@dag(
    schedule=CronTriggerTimetable(ANNUAL_CRON, timezone="UTC"),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    default_args=default_args(retries=1),
    params={"period": Param("", type="string", description="year(s) to attest instead, e.g. 2025 or 2024,2025")},
    tags=["attestation", "reports"],
)
def attestation_annual():
    @task
    def plan(data_interval_end=None, params=None) -> dict:
        from service_quality.airflow_support import warehouse_dsn
        from service_quality.attestation import runs

        return runs.plan(warehouse_dsn(), PERIOD_TYPE, data_interval_end, requested_label=params.get("period"))

    @task
    def build(planned: dict) -> dict:
        from service_quality.airflow_support import warehouse_dsn
        from service_quality.attestation import runs

        return runs.build(warehouse_dsn(), planned)

    @task
    def publish(built: dict, run_id=None, dag=None) -> list[dict]:
        from service_quality.airflow_support import warehouse_dsn
        from service_quality.attestation import runs

        return runs.publish_planned(warehouse_dsn(), built, run_id=run_id, dag_id=dag.dag_id)

    @task
    def render(published: list[dict]) -> dict:
        from service_quality.airflow_support import warehouse_dsn
        from service_quality.attestation import runs

        return runs.render(warehouse_dsn(), published)

    render(publish(build(plan())))


attestation_annual()
