"""The two attestation DAGs, built from one factory, differ only where they should.

The integration tests run ``attestation_quarterly`` through Airflow; this pins, for both DAGs, what the
factory takes from the period type: the schedule, the ``period`` param and what ``plan`` attests.
"""

from __future__ import annotations

import pytest

from service_quality.attestation.periods import ANNUAL_CRON, QUARTERLY_CRON
from service_quality.paths import DAGS_DIR

EXPECTED = {
    "attestation_quarterly": ("quarter", QUARTERLY_CRON, "2025-Q1,2025-Q2"),
    "attestation_annual": ("year", ANNUAL_CRON, "2024,2025"),
}


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    return {dag_id: DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id] for dag_id in EXPECTED}


@pytest.mark.parametrize("dag_id", EXPECTED)
def test_schedule_param_and_chain(dags, dag_id):
    from airflow.sdk import CronTriggerTimetable

    _, cron, example = EXPECTED[dag_id]
    dag = dags[dag_id]
    assert dag.timetable == CronTriggerTimetable(cron, timezone="UTC")
    assert not dag.catchup and dag.max_active_runs == 1
    assert example in dag.params.get_param("period").description
    assert [(t.task_id, sorted(t.downstream_task_ids)) for t in dag.tasks] == [
        ("plan", ["build"]),
        ("build", ["publish"]),
        ("publish", ["render"]),
        ("render", []),
    ]


@pytest.mark.parametrize("dag_id", EXPECTED)
def test_plan_attests_the_dags_period_type(dags, dag_id, monkeypatch):
    from service_quality.attestation import runs
    from service_quality.warehouse import connection

    calls = []
    monkeypatch.setattr(connection, "resolve", lambda *, in_airflow_task=False: "dsn" if in_airflow_task else None)
    monkeypatch.setattr(runs, "plan", lambda *args, **kwargs: calls.append((args, kwargs)) or {})
    dags[dag_id].get_task("plan").python_callable(data_interval_end="2026-01-10T07:00:00+00:00", params={"period": ""})
    assert calls == [(("dsn", EXPECTED[dag_id][0], "2026-01-10T07:00:00+00:00"), {"requested_label": ""})]
