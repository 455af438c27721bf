"""Which failures of a load task Airflow retries: a terminal one (a broken invariant, a missing PII key)
fails the task at once as ``AirflowFailException``; a transient one (connection lost, lock timeout) leaves
the task as the error it is, and Airflow retries it. The load task's own callable runs here against a real
warehouse, through the ``warehouse`` connection as in Airflow."""

from __future__ import annotations

import psycopg
import pytest
from airflow.sdk.exceptions import AirflowFailException
from ingest_helpers import SALES_HEADER, SURVEY_HEADER, query, sales_line

from service_quality.ingest.dags import load_task_body
from service_quality.ingest.deliveries import batches, find_new_deliveries
from service_quality.ingest.errors import InvariantBroken, PiiKeyMissing
from service_quality.warehouse.connection import WarehouseDsn

pytestmark = pytest.mark.integration


@pytest.fixture()
def task_env(monkeypatch, warehouse, landing_zone, tmp_path):
    """What a load task reads in Airflow: the ``warehouse`` connection and the Variables, no PII key."""
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", warehouse.airflow_uri)
    monkeypatch.setenv("AIRFLOW_VAR_LANDING_ROOT", str(landing_zone.root))
    monkeypatch.setenv("AIRFLOW_VAR_ARCHIVE_ROOT", str(tmp_path / "archive"))
    monkeypatch.setenv("AIRFLOW_VAR_DATA_DOCS_ROOT", str(tmp_path / "docs"))
    for name in ("AIRFLOW_VAR_SURVEY_PII_KEY", "AIRFLOW_CONN_SURVEY_PII_KEY", "AIRFLOW_CTX_DAG_ID"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _batch(source: str, landing_zone, warehouse) -> list[dict]:
    [batch] = batches(find_new_deliveries(source, str(landing_zone.root), warehouse))
    return batch


def _fails_without_retry(source: str, batch: list[dict], match: str, cause: type[Exception]) -> None:
    """The task raises AirflowFailException (Airflow fails it without a retry), chained to ingestion's error."""
    with pytest.raises(AirflowFailException, match=match) as failed:
        load_task_body(source, batch, f"ingest_{source}", "manual__1")
    assert isinstance(failed.value.__cause__, cause)


def _nothing_committed(warehouse, source: str) -> None:
    assert query(warehouse, "select count(*) from ops.deliveries") == [(0,)]
    assert query(warehouse, f"select count(*) from raw.{source}") == [(0,)]


def test_a_broken_invariant_fails_the_task_without_a_retry(task_env, warehouse, landing_zone):
    # A trigger drops one row on its way into raw: the rows read no longer reconcile with loaded + quarantined.
    with warehouse.connect() as conn:
        conn.execute(
            "create function drop_t2() returns trigger language plpgsql as"
            " $$ begin if new.transaction_id = 'T2' then return null; end if; return new; end $$"
        )
        conn.execute("create trigger drop_t2 before insert on raw.sales for each row execute function drop_t2()")
    landing_zone.write("sales/2025/01/02/a.csv", "\n".join([SALES_HEADER, sales_line("T1"), sales_line("T2")]) + "\n")
    batch = _batch("sales", landing_zone, warehouse)
    _fails_without_retry("sales", batch, "reconciliation failed: read 2, loaded 1, quarantined 0", InvariantBroken)
    _nothing_committed(warehouse, "sales")


def test_a_missing_pii_key_fails_the_task_without_a_retry(task_env, warehouse, landing_zone):
    row = "R1,2025-01-02T10:00:00+03:00,2025-01-02T12:00:00+03:00,S-001,,,sms,9,5,,,,a@b.c,"
    landing_zone.write("surveys/2025/01/02/s.csv", SURVEY_HEADER + "\n" + row + "\n")
    batch = _batch("surveys", landing_zone, warehouse)
    _fails_without_retry("surveys", batch, "survey_pii_key", PiiKeyMissing)
    _nothing_committed(warehouse, "surveys")


def test_a_lost_warehouse_connection_is_left_to_airflows_retry(task_env, warehouse, landing_zone):
    landing_zone.write("sales/2025/01/02/a.csv", "\n".join([SALES_HEADER, sales_line("T1")]) + "\n")
    batch = _batch("sales", landing_zone, warehouse)
    gone = WarehouseDsn(warehouse.host, _closed_port(), warehouse.user, warehouse.password, warehouse.dbname)
    task_env.setenv("AIRFLOW_CONN_WAREHOUSE", gone.airflow_uri)
    with pytest.raises(psycopg.OperationalError) as failed:
        load_task_body("sales", batch, "ingest_sales", "manual__1")
    assert not isinstance(failed.value, AirflowFailException)
    _nothing_committed(warehouse, "sales")


def test_a_lock_timeout_is_left_to_airflows_retry(task_env, warehouse, landing_zone):
    landing_zone.write("sales/2025/01/02/a.csv", "\n".join([SALES_HEADER, sales_line("T1")]) + "\n")
    batch = _batch("sales", landing_zone, warehouse)
    with warehouse.connect(autocommit=True) as holder:
        holder.execute(f"alter database {warehouse.dbname} set lock_timeout = '200ms'")
        # Another load of the same bytes holds the delivery's lock for longer than the timeout.
        holder.execute("select pg_advisory_lock(hashtextextended(%s, 0))", [f"sqw-ingest:sales:{batch[0]['sha256']}"])
        with pytest.raises(psycopg.errors.LockNotAvailable) as failed:
            load_task_body("sales", batch, "ingest_sales", "manual__1")
    assert isinstance(failed.value, psycopg.OperationalError) and not isinstance(failed.value, AirflowFailException)
    _nothing_committed(warehouse, "sales")


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
