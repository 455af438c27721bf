"""Lineage switched off costs nothing, and the local settings write events to a file under the local folder.

Off, the per-model dbt events are never built: not even the project is read (a missing project would make
the OpenLineage dbt processor raise). Cosmos's producer would read the artifacts anyway; ours does not.
"""

from __future__ import annotations

import json

import pytest
from airflow.providers.openlineage import conf

from service_quality import airflow_env
from service_quality.lineage.dbt_runs import emit_dbt_run
from service_quality.transform.cosmos import profile_config
from service_quality.transform.watcher import DbtProducerWatcherOperator


@pytest.fixture()
def lineage(monkeypatch):
    """Set ``[openlineage] disabled`` (the provider reads its settings afresh under pytest, uncached)."""

    def switch(disabled: bool) -> None:
        monkeypatch.setenv("AIRFLOW__OPENLINEAGE__DISABLED", str(disabled).lower())
        monkeypatch.setenv("AIRFLOW__OPENLINEAGE__TRANSPORT", json.dumps({"type": "console"}))

    return switch


def test_off_the_dbt_artifacts_are_not_read(lineage, tmp_path):
    missing = tmp_path / "no-such-project"
    lineage(disabled=True)
    assert emit_dbt_run(missing, profile_name="service_quality", target_name="warehouse") == 0

    producer = DbtProducerWatcherOperator(
        task_id="dbt_producer_watcher", project_dir=str(missing), profile_config=profile_config()
    )
    assert producer.calculate_openlineage_events_completes({}, missing, ["dbt", "build"]) is False
    assert producer.openlineage_events_completes == []

    # Cosmos's own producer reads the project for its aggregate event whatever the setting
    from cosmos.operators.watcher import DbtProducerWatcherOperator as CosmosProducer

    cosmos = CosmosProducer(task_id="dbt_producer_watcher", project_dir=str(missing), profile_config=profile_config())
    with pytest.raises(FileNotFoundError):
        cosmos.calculate_openlineage_events_completes({}, missing, ["dbt", "build"])


def test_on_but_outside_an_airflow_task_nothing_is_emitted(lineage, tmp_path, caplog):
    lineage(disabled=False)
    assert not conf.is_disabled()
    assert emit_dbt_run(tmp_path, profile_name="service_quality", target_name="warehouse") == 0
    assert "OpenLineage" not in caplog.text  # the command line and tests run dbt too: no warning for them


def test_local_runs_write_events_to_a_file_under_the_local_folder(tmp_path):
    settings = airflow_env.lineage_settings()
    transport = json.loads(settings["AIRFLOW__OPENLINEAGE__TRANSPORT"])
    assert transport == {"type": "file", "log_file_path": str(airflow_env.lineage_file()), "append": True}
    assert airflow_env.lineage_file().parent.name == "lineage"

    target = tmp_path / "a" / "b" / "events.jsonl"
    env = {"AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps({"type": "file", "log_file_path": str(target)})}
    airflow_env.prepare_lineage({**env, "AIRFLOW__OPENLINEAGE__DISABLED": "true"})
    assert not target.parent.exists()
    airflow_env.prepare_lineage(env)
    assert target.parent.is_dir()
    inner = tmp_path / "c" / "events.jsonl"
    composite = {"type": "composite", "transports": {"file": {"type": "file", "log_file_path": str(inner)}}}
    airflow_env.prepare_lineage({"AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(composite)})
    assert inner.parent.is_dir()


def test_the_watcher_sensors_emit_nothing_and_every_other_task_does(monkeypatch):
    from airflow.providers.openlineage.utils.emission_policy import resolve_task_emission_policy
    from airflow.sdk import DAG

    settings = airflow_env.lineage_settings()
    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__EMISSION_POLICY", settings["AIRFLOW__OPENLINEAGE__EMISSION_POLICY"])
    from cosmos.operators.watcher import DbtRunWatcherOperator, DbtTestWatcherOperator

    with DAG("policy_probe", schedule=None):
        sensors = [
            DbtRunWatcherOperator(task_id="m.run", project_dir="/x", profile_config=profile_config()),
            DbtTestWatcherOperator(task_id="m.test", project_dir="/x", profile_config=profile_config()),
        ]
        producer = DbtProducerWatcherOperator(task_id="p", project_dir="/x", profile_config=profile_config())
    for sensor in sensors:
        assert not resolve_task_emission_policy(operator=sensor, dag_id="policy_probe", task_id=sensor.task_id).emit
    assert resolve_task_emission_policy(operator=producer, dag_id="policy_probe", task_id="p").emit
