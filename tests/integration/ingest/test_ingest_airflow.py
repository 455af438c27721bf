"""An ingestion DAG run through Airflow itself (``airflow dags test``) against a test warehouse."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ingest_helpers import PII_KEY, SALES_HEADER, Landing, query, sales_line

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

AIRFLOW = str(Path(sys.executable).parent / "airflow")


def test_ingest_dag_run_loads_new_deliveries_and_emits_the_asset(warehouse, tmp_path):
    from service_quality.airflow_env import environment

    landing = Landing(tmp_path / "landing")
    landing.write("sales/2025/01/02/a.csv", "\n".join([SALES_HEADER, sales_line("T1"), sales_line("T2")]) + "\n")
    landing.write("sales/2025/01/03/b.csv.gz", "\n".join([SALES_HEADER, sales_line("T3", qty="x")]) + "\n", gz=True)
    landing.write("sales/2025/01/04/empty.csv", "")
    home = tmp_path / "airflow"
    home.mkdir()
    env = environment()
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW_CONN_WAREHOUSE": warehouse.airflow_uri,
            "AIRFLOW_VAR_LANDING_ROOT": str(landing.root),
            "AIRFLOW_VAR_ARCHIVE_ROOT": str(tmp_path / "archive"),
            "AIRFLOW_VAR_DATA_DOCS_ROOT": str(tmp_path / "docs"),
            "AIRFLOW_VAR_SURVEY_PII_KEY": PII_KEY.decode(),
        }
    )
    for command in (["db", "migrate"], ["pools", "set", "warehouse", "2", "warehouse loads"]):
        done = subprocess.run([AIRFLOW, *command], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    run = subprocess.run(
        [AIRFLOW, "dags", "test", "ingest_sales", "2025-01-05"], env=env, capture_output=True, text=True
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "state=success" in output, output[-4000:]

    deliveries = query(
        warehouse,
        "select path, status, rows_loaded, rows_quarantined, rejection_reason, dag_id from ops.deliveries"
        " order by path",
    )
    assert deliveries == [
        ("sales/2025/01/02/a.csv", "loaded", 2, 0, None, "ingest_sales"),
        ("sales/2025/01/03/b.csv.gz", "rejected", 0, 0, "too_many_bad_rows", "ingest_sales"),
        ("sales/2025/01/04/empty.csv", "rejected", 0, 0, "empty_file", "ingest_sales"),
    ]
    # one batch, one layout: one GX validation covers both files that reached validation
    assert query(warehouse, "select count(*), sum(deliveries) from ops.validation_results") == [(1, 2)]
    assert query(
        warehouse,
        "select d.path, v.rows_checked, v.rows_unexpected from ops.validation_deliveries v"
        " join ops.deliveries d using (delivery_id) order by d.path",
    ) == [("sales/2025/01/02/a.csv", 2, 0), ("sales/2025/01/03/b.csv.gz", 1, 1)]
    assert (tmp_path / "docs" / "index.html").exists()
    with sqlite3.connect(home / "airflow.db") as meta:
        events = meta.execute(
            "select a.uri, count(*) from asset_event e join asset a on a.id = e.asset_id group by a.uri"
        ).fetchall()
    # one event: the batch changed raw.sales (the rejected files did not)
    assert events == [("postgres://warehouse:5432/warehouse/raw/sales", 1)]
