"""Failure alerts: posted to the ``alerts_webhook`` connection when it is set, logged otherwise.

A real HTTP server receives the alerts; the last test makes a real Airflow task fail
(``airflow dags test``) with the callback wired in ``default_args``, as the pipeline's DAGs do.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from service_quality import alerts


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def _context(exception: BaseException) -> dict:
    ti = SimpleNamespace(
        dag_id="ingest_sales", task_id="load", run_id="manual__2025-03-03", map_index=2, try_number=3, log_url=None
    )
    return {"ti": ti, "exception": exception, "logical_date": datetime(2025, 3, 3, tzinfo=UTC)}


def test_posts_to_the_configured_webhook(webhook, monkeypatch):
    url, received = webhook
    conn = {"conn_type": "http", "host": url, "password": "s3cret", "extra": {"endpoint": "/hooks/airflow"}}
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_WEBHOOK", json.dumps(conn))
    alerts.on_failure(_context(ValueError("sales/2025/03/03.csv row 7 column quantity: must not be 0")))
    assert len(received) == 1
    alert = received[0]
    assert alert["path"] == "/hooks/airflow"
    assert alert["headers"]["Authorization"] == "Bearer s3cret"
    payload = alert["json"]
    assert (payload["dag_id"], payload["task_id"], payload["map_index"], payload["try_number"]) == (
        "ingest_sales",
        "load",
        2,
        3,
    )
    assert payload["exception"] == "ValueError: sales/2025/03/03.csv row 7 column quantity: must not be 0"
    assert payload["logical_date"] == "2025-03-03T00:00:00+00:00"
    assert payload["text"].startswith(":red_circle: Airflow task load failed: ingest_sales / manual__2025-03-03")


def test_logs_the_alert_when_no_webhook_is_configured(monkeypatch, caplog):
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_WEBHOOK", raising=False)
    with caplog.at_level(logging.ERROR, logger=alerts.__name__):
        alerts.on_failure(_context(RuntimeError("boom")))
    assert any("ALERT" in r.message and "ingest_sales" in r.message and "boom" in r.message for r in caplog.records)


def test_empty_connection_means_not_configured(monkeypatch, caplog):
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_WEBHOOK", "")
    with caplog.at_level(logging.ERROR, logger=alerts.__name__):
        alerts.on_failure(_context(RuntimeError("boom")))
    assert any("no 'alerts_webhook' connection" in r.message for r in caplog.records)


def test_an_unreachable_webhook_never_raises(monkeypatch, caplog):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_WEBHOOK", json.dumps({"conn_type": "http", "host": f"127.0.0.1:{port}"}))
    with caplog.at_level(logging.ERROR, logger=alerts.__name__):
        alerts.on_failure(_context(RuntimeError("boom")))
    assert any("could not send the alert" in r.message and "boom" in r.message for r in caplog.records)


def test_webhook_url_forms():
    conn = SimpleNamespace(conn_type="https", host="hooks.example.com", port=8443, extra_dejson={"endpoint": "a/b"})
    assert alerts.webhook_url(conn) == "https://hooks.example.com:8443/a/b"
    conn = SimpleNamespace(conn_type="http", host="https://hooks.example.com/services/X", port=None, extra_dejson={})
    assert alerts.webhook_url(conn) == "https://hooks.example.com/services/X"
    with pytest.raises(ValueError, match="no host"):
        alerts.webhook_url(SimpleNamespace(conn_type="http", host="", port=None, extra_dejson={}))


FAILING_DAG = '''
"""A DAG whose only task fails, with the project's failure callback in default_args."""
from datetime import datetime

from airflow.sdk import dag, task

from service_quality.alerts import on_failure


@dag(schedule=None, start_date=datetime(2025, 1, 1), catchup=False,
     default_args={"owner": "data-platform", "retries": 0, "on_failure_callback": on_failure})
def alert_probe():
    @task
    def explode():
        raise ValueError("stores/2025-03-03.csv row 4 column timezone: not an IANA name")

    explode()


alert_probe()
'''


@pytest.mark.airflow
def test_a_failing_airflow_task_posts_the_alert(webhook, tmp_path: Path):
    from service_quality.airflow_env import environment

    url, received = webhook
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "alert_probe.py").write_text(FAILING_DAG, encoding="utf-8")
    home = tmp_path / "home"
    env = environment()
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(tmp_path / "no_plugins"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW_CONN_ALERTS_WEBHOOK": json.dumps({"conn_type": "http", "host": f"{url}/alerts"}),
        }
    )
    # One interpreter: create the metadata database, then `airflow dags test` through Airflow's CLI parser.
    script = (
        "import sys\n"
        "from airflow.utils import db\n"
        "db.upgradedb()\n"
        "from airflow.cli import cli_parser\n"
        "args = cli_parser.get_parser().parse_args(['dags', 'test', 'alert_probe', '2025-03-03'])\n"
        "args.func(args)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and "DagRun failed" in run.stderr, run.stderr[-3000:]
    assert len(received) == 1, run.stdout[-3000:] + run.stderr[-3000:]
    payload = received[0]["json"]
    assert received[0]["path"] == "/alerts"
    assert (payload["dag_id"], payload["task_id"]) == ("alert_probe", "explode")
    assert "not an IANA name" in payload["exception"]
