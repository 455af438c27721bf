"""`make airflow` opens the metadata database `sqw run` / `make demo` record their runs in, and fires no
schedule unless asked (the commands as make would run them, without running them)."""

from __future__ import annotations

import subprocess

import pytest

from service_quality.paths import ROOT


def _recipe(target: str, *variables: str) -> str:
    result = subprocess.run(
        ["make", "-n", "--always-make", target, *variables], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.mark.parametrize("target", ["airflow", "airflow-init", "dag-test", "demo"])
def test_every_local_airflow_uses_the_shared_metadata_database(target):
    recipe = _recipe(target)
    assert 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="$(.venv/bin/sqw airflow-env --metadata-url)"' in recipe


def test_the_local_ui_fires_no_schedule_unless_asked():
    standalone = [line for line in _recipe("airflow").splitlines() if "USE_JOB_SCHEDULE" in line]
    assert standalone and "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE=False" in standalone[0]
    assert "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE=True" in _recipe("airflow", "SCHEDULES=on")


def test_the_shared_database_is_the_one_sqw_run_uses(monkeypatch):
    """With a PostgreSQL metadata database configured, ``--metadata-url`` and ``sqw run`` agree on it."""
    from service_quality.orchestrate.airflow_runtime import metadata_database, runtime_environment

    url = "postgresql+psycopg2://airflow@db.example:5432/airflow"
    env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url, "AIRFLOW_HOME": "/tmp/home"}
    assert metadata_database(env) == url
    assert runtime_environment(env)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == url
