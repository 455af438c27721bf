"""The attestation DAG end to end through Airflow (``airflow dags test``) on a simulated XS chain.

A first quarter of simulated deliveries is ingested by the real ingestion code into a fresh warehouse;
the real dbt models are built and tested by the DAG, which publishes and renders. Then a late survey
arrives through the ingestion and the published quarter turns ``revision_pending``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from service_quality.warehouse.connection import WarehouseDsn

pytestmark = [pytest.mark.integration, pytest.mark.airflow]


def _rows(dsn: WarehouseDsn, query: str, params: list | None = None) -> list[tuple]:
    with dsn.connect() as conn:
        return conn.execute(query, params or []).fetchall()


@pytest.fixture(scope="module")
def chain(databases, tmp_path_factory) -> dict:
    """A warehouse holding a simulated XS chain's first quarter, and a private Airflow to run DAGs with."""
    from service_quality.airflow_env import environment
    from service_quality.bench.pipeline import bulk_history, ingest
    from service_quality.simulator import simulate
    from service_quality.warehouse.bootstrap import bootstrap

    work = tmp_path_factory.mktemp("attestation_dag")
    simulate("XS", date(2025, 1, 1), date(2025, 3, 31), seed=11, out=work / "sim", workers=1, progress=False)
    landing = work / "landing"
    # The quarter's deliveries as one file per source and month (same rows, same arrival order).
    bulk_history(work / "sim" / "landing", landing, date(2025, 4, 9))
    dsn = databases.create("sqw_att_dag")
    bootstrap(dsn)
    loaded = ingest(dsn, landing, work / "scratch", gx=False)
    assert loaded.rejected == 0 and loaded.rows_loaded > 0

    home = work / "airflow"
    env = environment()
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW_CONN_WAREHOUSE": dsn.airflow_uri,
            "SQW_REPORTS_DIR": str(work / "reports"),
        }
    )
    home.mkdir()
    migrate = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "db", "migrate"], env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    return {"dsn": dsn, "env": env, "landing": landing, "work": work, "reports": work / "reports"}


def _dags_test(chain: dict, dag_id: str, logical_date: str) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "dags", "test", dag_id, logical_date],
        env=chain["env"],
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "state=success" in output, output[-4000:]


def test_quarterly_run_builds_publishes_and_renders(chain):
    dsn = chain["dsn"]
    _dags_test(chain, "attestation_quarterly", "2025-04-10T06:00:00+00:00")

    revisions = _rows(dsn, "select period_type, period_label, revision, dag_id from attestation.revisions")
    assert revisions == [("quarter", "2025-Q1", 1, "attestation_quarterly")]
    # The revision is exactly what the models built for the quarter, and only that quarter.
    built = _rows(dsn, "select count(*) from attestation.scorecards where period_label = '2025-Q1'")[0][0]
    published = _rows(dsn, "select count(*), count(distinct store_code) from attestation.latest_scorecards")[0]
    assert built > 0 and published[0] == built
    grades = dict(_rows(dsn, "select grade, count(*) from attestation.latest_scorecards group by 1"))
    assert set(grades) - {None} <= {"A", "B", "C", "D"} and sum(v for k, v in grades.items() if k) > 0

    reports = chain["reports"]
    stores = sorted(p.name for p in (reports / "2025-Q1").glob("store-*.html"))
    assert len(stores) == published[1]
    assert (reports / "2025-Q1" / "awards.html").exists() and (reports / "index.html").exists()

    from service_quality.attestation.published_summary import summarize

    text = summarize(dsn, reports).text()
    assert "quarter 2025-Q1  revision 1" in text and str(reports / "index.html") in text


def test_late_survey_marks_the_published_quarter_revision_pending(chain):
    """After the run above: a survey of March delivered in May is late for the published quarter.

    (What the next run then does, revision 2 beside an untouched revision 1, is tested on the
    publication itself in test_publication.py; a second full dbt build here would double this test.)
    """
    from service_quality.attestation.late import mark_revision_pending
    from service_quality.bench.pipeline import ingest

    dsn = chain["dsn"]
    employee, store = _rows(
        dsn,
        "select employee_code, store_code from attestation.latest_scorecards where status = 'attested' "
        "order by employee_code limit 1",
    )[0]
    late = chain["landing"] / "surveys" / "2025" / "05" / "02" / "late_surveys.csv"
    late.parent.mkdir(parents=True, exist_ok=True)
    late.write_text(
        "response_id,visited_at,submitted_at,store_code,employee_code,channel,nps,csat\n"
        f"LATE-0001,2025-03-15T12:00:00+03:00,2025-03-15T13:00:00+03:00,{store},{employee},web,0,1\n",
        encoding="utf-8",
    )
    os.utime(late, (time.time(), time.time()))
    assert ingest(dsn, chain["landing"], chain["work"] / "scratch", gx=False).rows_loaded == 1

    with dsn.connect() as conn:
        pending = mark_revision_pending(conn)
    assert [(p.period_label, p.late_rows) for p in pending] == [("2025-Q1", 1)]
    assert _rows(dsn, "select distinct period_status from attestation.latest_scorecards") == [("revision_pending",)]
    # The next run's plan re-attests the pending quarter beside its own.
    from service_quality.attestation import runs

    planned = runs.plan(dsn, "quarter", "2025-07-10T06:00:00+00:00")
    assert [p["period_label"] for p in planned["periods"]] == ["2025-Q2", "2025-Q1"]
