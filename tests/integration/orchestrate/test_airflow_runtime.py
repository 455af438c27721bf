"""The local Airflow behind ``sqw run``: runs go through a real scheduler, and a failure names its DAG,
task and log lines; the run's closed periods and the mart checksums it compares before and after."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from service_quality.orchestrate.pipeline import closed_periods

FAILING_DAG = '''
"""A DAG whose second task fails the way a broken delivery would (airflow test DAG)."""
from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2025, 1, 1), catchup=False, tags=["test"])
def sqw_probe():
    @task(retries=0)
    def fine() -> int:
        return 1

    @task(retries=0)
    def broken(value: int) -> None:
        raise ValueError(f"sales.csv row {value + 2}: column quantity must not be 0 (rule range)")

    broken(fine())


sqw_probe()
'''


def test_closed_periods_are_the_quarters_and_years_ending_in_the_range():
    labels = [p.label for p in closed_periods(date(2025, 1, 1), date(2026, 3, 31))]
    assert labels == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025", "2026-Q1"]
    assert [p.label for p in closed_periods(date(2025, 2, 1), date(2025, 3, 30))] == []
    assert [p.label for p in closed_periods(date(2025, 3, 31), date(2025, 3, 31))] == ["2025-Q1"]


@pytest.mark.integration
def test_mart_checksums_see_any_change_in_a_mart(warehouse):
    from service_quality.orchestrate.pipeline import mart_checksums, mart_tables
    from service_quality.transform.cosmos import ensure_manifest

    ensure_manifest()
    assert ("service_quality", "dim_stores") in mart_tables()
    with warehouse.connect() as conn:
        conn.execute("create table service_quality.dim_stores (store_code text, store_name text)")
        conn.execute("insert into service_quality.dim_stores values ('S1', 'One'), ('S2', 'Two')")
        conn.execute("create table service_quality.not_a_mart (x int)")
        conn.commit()
    first = mart_checksums(warehouse)
    assert set(first) == {"service_quality.dim_stores"}, "only dbt marts are compared"
    assert first["service_quality.dim_stores"].startswith("2:")
    assert mart_checksums(warehouse) == first, "same rows, same checksum"
    with warehouse.connect() as conn:
        conn.execute("update service_quality.dim_stores set store_name = 'Two!' where store_code = 'S2'")
        conn.commit()
    assert mart_checksums(warehouse) != first


PROBE = """
import json, os, sys
from pathlib import Path
from service_quality.airflow_env import environment
from service_quality.orchestrate.airflow_runtime import LocalAirflow

airflow = LocalAirflow(environment())
with airflow:
    os.environ.update(airflow.env)  # Airflow reads its configuration on first import: after this line
    from service_quality.orchestrate.dagruns import DagRunFailed, DagRuns

    started = dict(airflow.processes)
    runs = DagRuns(Path(airflow.env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"]), check_alive=airflow.check_alive)
    runs.wait_for_dags(["sqw_probe"], timeout=600)
    run_id = runs.trigger("sqw_probe")
    try:
        runs.wait([("sqw_probe", run_id)], label="probe", timeout=900)
        outcome = {"failed": False}
    except DagRunFailed as failure:
        outcome = {"failed": True, "message": str(failure), "states": failure.result.task_states}
outcome["stopped"] = all(p.poll() is not None for p in started.values())
print("PROBE " + json.dumps(outcome))
"""


@pytest.mark.integration
@pytest.mark.airflow
def test_a_failed_run_names_the_dag_the_task_and_the_log_lines(tmp_path, databases):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "sqw_probe.py").write_text(FAILING_DAG)
    metadata = databases.create("sqw_test_airflow")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__"))}
    env.update(
        {
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(tmp_path / "airflow" / "logs"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
                f"postgresql+psycopg2://{metadata.user}@{metadata.host}:{metadata.port}/{metadata.dbname}"
            ),
        }
    )
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=1500)
    lines = [line for line in result.stdout.splitlines() if line.startswith("PROBE ")]
    assert lines, result.stdout[-2000:] + result.stderr[-3000:]
    outcome = json.loads(lines[-1].split(" ", 1)[1])
    assert outcome["failed"], "the run of a failing DAG must fail"
    message = outcome["message"]
    assert "DAG sqw_probe failed" in message
    assert "task broken: failed (try 1)" in message
    assert "sales.csv row 3: column quantity must not be 0 (rule range)" in message, message
    assert outcome["states"].get("success") == 1, "the task before the failure succeeded"
    assert outcome["stopped"], "every Airflow component is stopped when the command ends"
