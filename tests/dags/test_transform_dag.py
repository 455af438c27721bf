"""The transform DAG's parse stays cheap: rendered from the manifest without loading Airflow plugins, and
scheduled on the regularly delivered raw Assets exactly as ``schedule=raw_assets()`` would be."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from service_quality.paths import DAGS_DIR, PLUGINS_DIR

PROBE = """
import json, sys
from datetime import datetime

from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import DAG
from airflow.serialization.serialized_objects import DagSerialization

from service_quality.transform.cosmos import raw_assets

bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags["transform"]
reference = DAG("reference", schedule=raw_assets(), start_date=datetime(2024, 1, 1))
print("PROBE " + json.dumps({
    "errors": list(bag.import_errors),
    "tasks": len(dag.tasks),
    "plugin_loaded": "service_quality_plugin" in sys.modules,
    "timetable": DagSerialization.to_dict(dag)["dag"]["timetable"],
    "reference": DagSerialization.to_dict(reference)["dag"]["timetable"],
}))
"""


def test_transform_dag_parses_from_the_manifest_without_loading_plugins(tmp_path):
    from service_quality.transform.cosmos import ensure_manifest

    manifest, _ = ensure_manifest()
    env = {
        **os.environ,
        "SQW_DBT_MANIFEST": str(manifest),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_DIR),
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(DAGS_DIR / "transform.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("PROBE ")]
    assert lines, result.stdout[-2000:] + result.stderr[-3000:]
    parsed = json.loads(lines[-1].split(" ", 1)[1])
    assert parsed["errors"] == []
    assert parsed["tasks"] > 100, "every model and its tests, from the manifest"
    # Reading the manifest through ObjectStoragePath would load every plugin (a FastAPI app) in each parse.
    assert parsed["plugin_loaded"] is False
    assert parsed["timetable"] == parsed["reference"]
