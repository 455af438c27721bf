"""The transform benchmark's peers: the same dbt project run as Airflow DAGs the stock ways.

Inside the transform benchmark (:mod:`service_quality.bench.transform`), on the same warehouse (the same
month of history, built once before: warm), right after the project's own ``transform`` DAG runs and
between the same two bare ``dbt build`` timings:

* ``transform_peer_local``: stock Cosmos ``ExecutionMode.LOCAL``: one task per model, its tests after it
  (``TestBehavior.AFTER_EACH``), each task its own dbt invocation;
* ``transform_peer_watcher``: stock Cosmos ``ExecutionMode.WATCHER`` with Cosmos's defaults: its own
  producer class (none of this project's changes: no publishing thread, invocation mode as Cosmos
  discovers it, deferrable sensors with Cosmos's poke interval, Cosmos's reliable-retry backup on);
* ``transform_peer_single_task``: one Airflow task that runs ``dbt build`` over the whole project.

Each Cosmos peer renders from the same manifest (``LoadMode.DBT_MANIFEST``) with the same profile (from
the ``warehouse`` connection): what differs is only how the build is run. The peers get an Airflow of
their own (same metadata database, their own DAGs folder) so that the project's Cosmos settings
(``AIRFLOW__COSMOS__*``) do not apply to them. Each runs twice and the second run is the figure, as for
the project's DAG; the stock LOCAL DAG runs once (its tasks each start dbt anyway; a second run would
double the benchmark's longest part).
"""

from __future__ import annotations

from pathlib import Path

from service_quality.airflow_env import COSMOS_SETTINGS

#: dag_id -> how many times it runs (the last run is the figure).
PEERS = {"transform_peer_watcher": 2, "transform_peer_single_task": 2, "transform_peer_local": 1}

# Airflow's DAG discovery (safe mode) parses only files that name both "airflow" and "dag": the docstring does.
_COSMOS_PEER = '''"""Benchmark peer of the transform DAG (an Airflow DAG): stock Cosmos ExecutionMode.{mode}, Cosmos's defaults."""

import os
from datetime import datetime
from pathlib import Path

from cosmos import DbtDag, ExecutionConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, LoadMode, TestBehavior

from service_quality.paths import DBT_PROJECT_DIR
from service_quality.transform.cosmos import PROFILE_NAME, _dbt_executable, profile_config

transform_peer_{name} = DbtDag(
    dag_id="transform_peer_{name}",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={{"retries": 0}},
    project_config=ProjectConfig(
        dbt_project_path=DBT_PROJECT_DIR,
        manifest_path=Path(os.environ["SQW_DBT_MANIFEST"]),
        project_name=PROFILE_NAME,
    ),
    profile_config=profile_config(),
    render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.AFTER_EACH),
    execution_config=ExecutionConfig(execution_mode=ExecutionMode.{mode}, dbt_executable_path=_dbt_executable()),
)
'''

_SINGLE_TASK_PEER = '''"""Benchmark peer of the transform DAG: one task running `dbt build` over the whole project."""

from datetime import datetime

from airflow.sdk import dag, task


@dag(dag_id="transform_peer_single_task", schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     default_args={"retries": 0})
def transform_peer_single_task():
    @task
    def dbt_build() -> float:
        import os
        from pathlib import Path

        from service_quality.transform.dbt import build
        from service_quality.warehouse.connection import resolve

        # A target folder of its own, kept between runs (dbt's partial parse: warm, like the others).
        target = Path(os.environ["AIRFLOW_HOME"]) / "peer_single_task_target"
        return build(resolve(in_airflow_task=True), target_path=target).seconds

    dbt_build()


transform_peer_single_task()
'''


def write_dags(folder: Path) -> Path:
    """Write the peers' DAG files into ``folder`` (the peers' Airflow DAGs folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.py"):
        stale.unlink()
    (folder / "transform_peer_local.py").write_text(_COSMOS_PEER.format(mode="LOCAL", name="local"))
    (folder / "transform_peer_watcher.py").write_text(_COSMOS_PEER.format(mode="WATCHER", name="watcher"))
    (folder / "transform_peer_single_task.py").write_text(_SINGLE_TASK_PEER)
    return folder


def peer_env(env: dict[str, str], dags: Path) -> dict[str, str]:
    """The benchmark's Airflow environment, with the peers' DAGs folder and without the project's Cosmos settings."""
    out = {k: v for k, v in env.items() if k not in COSMOS_SETTINGS}
    out["AIRFLOW__CORE__DAGS_FOLDER"] = str(write_dags(dags))
    return out


def dag_ids() -> list[str]:
    """The peers' DAG runs in order: each peer's runs one after the other."""
    return [dag_id for dag_id, times in PEERS.items() for _ in range(times)]
