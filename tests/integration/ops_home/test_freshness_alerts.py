"""An overdue source raises the failure alert once per source and day (the ``ops_freshness`` DAG's task),
posted to a real HTTP server configured as the ``alerts_webhook`` connection."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service_quality.ops_home.freshness_check import alert_overdue, overdue_sources

pytestmark = pytest.mark.integration


@pytest.fixture()
def webhook(monkeypatch) -> Iterator[dict]:
    state: dict = {"received": [], "status": 200}

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            state["received"].append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_WEBHOOK", json.dumps({"conn_type": "http", "host": url}))
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_an_overdue_source_alerts_once_per_day(ops_chain, webhook):
    with ops_chain.dsn.connect() as conn:
        conn.execute("delete from ops.freshness_alerts")
    # Two days after the last delivery: the daily sources are overdue, the weekly rosters are not.
    as_of = ops_chain.last_arrived_at + timedelta(days=2)
    overdue = {f.source for f in overdue_sources(ops_chain.dsn, as_of, None)}
    assert {"sales", "traffic", "shifts", "surveys"} <= overdue
    assert not overdue & {"stores", "employees", "assignments"}

    sent = alert_overdue(ops_chain.dsn, as_of, None, dag_id="ops_freshness", run_id="scheduled__a")
    assert {a["source"] for a in sent} == overdue and {a["outcome"] for a in sent} == {"sent"}
    assert sorted(p["source"] for p in webhook["received"]) == sorted(overdue)
    sales = next(p for p in webhook["received"] if p["source"] == "sales")
    assert (
        sales["text"].startswith(":red_circle: Overdue delivery: sales: overdue by ")
        and sales["dag_id"] == "ops_freshness"
    )

    # The next hour's run, and a rerun: nothing new.
    assert alert_overdue(ops_chain.dsn, as_of + timedelta(hours=1), None, "ops_freshness", "scheduled__b") == []
    assert alert_overdue(ops_chain.dsn, as_of, None, "ops_freshness", "scheduled__a") == []
    assert len(webhook["received"]) == len(overdue)
    # The next day: once more.
    next_day = alert_overdue(ops_chain.dsn, as_of + timedelta(days=1), None, "ops_freshness", "scheduled__c")
    assert {a["source"] for a in next_day} >= overdue
    recorded = ops_chain.rows("select source, alert_date, run_id from ops.freshness_alerts")
    assert len(recorded) == len(webhook["received"])


def test_a_refused_alert_is_tried_again_by_the_next_run(ops_chain, webhook):
    with ops_chain.dsn.connect() as conn:
        conn.execute("delete from ops.freshness_alerts")
    as_of = ops_chain.last_arrived_at + timedelta(days=2)
    webhook["status"] = 500
    assert alert_overdue(ops_chain.dsn, as_of, None) == []
    assert webhook["received"] and ops_chain.rows("select * from ops.freshness_alerts") == []
    webhook["status"] = 200
    assert alert_overdue(ops_chain.dsn, as_of + timedelta(hours=1), None)


def test_the_cadence_variable_decides(ops_chain):
    as_of = ops_chain.last_arrived_at + timedelta(days=2)
    relaxed = json.dumps({s: {"every": "weekly"} for s in ("sales", "traffic", "shifts", "surveys")})
    assert {f.source for f in overdue_sources(ops_chain.dsn, as_of, relaxed)} & {"sales", "surveys"} == set()
