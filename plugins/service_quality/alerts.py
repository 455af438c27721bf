"""Failure alerts: a callback that tells a human when a task or a DAG run fails.

Wire it in a DAG's ``default_args`` (task failures) and/or as the DAG's ``on_failure_callback``::

    from service_quality.alerts import on_failure
    default_args = {"owner": "data-platform", "retries": 2, "on_failure_callback": on_failure}

Where the alert goes is configuration, not code: the Airflow connection ``alerts_webhook``
(``AIRFLOW_CONN_ALERTS_WEBHOOK``, a secrets backend, or the UI). When it is set, the alert is POSTed
there as JSON with a ``text`` field (the shape Slack, Mattermost and Teams incoming webhooks accept)
plus the structured fields. When it is not set, the alert is logged at ERROR level, so a deployment
without a webhook still has it in the task log. A failing alert never fails or hides the original
failure: delivery problems are logged and swallowed.

Connection forms accepted:

* ``{"conn_type": "http", "host": "https://hooks.example.com/services/T0/B0/XYZ"}`` (full URL in host);
* ``http://host:port`` with ``extra`` ``{"endpoint": "/path", "headers": {...}}``;
* a password, when present, is sent as ``Authorization: Bearer <password>``.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from typing import Any

log = logging.getLogger(__name__)

CONN_ID = "alerts_webhook"
TIMEOUT_SECONDS = 10


def _connection() -> Any | None:
    """The ``alerts_webhook`` connection, or None when it is not configured anywhere."""
    # docker-compose.yml passes an empty AIRFLOW_CONN_ALERTS_WEBHOOK when no webhook is configured.
    if os.environ.get(f"AIRFLOW_CONN_{CONN_ID.upper()}", None) == "":
        return None
    from airflow.sdk import BaseHook

    try:
        return BaseHook.get_connection(CONN_ID)
    except Exception as exc:  # noqa: BLE001 - "not found" has a different class across Airflow versions
        if type(exc).__name__ == "AirflowNotFoundException":
            return None
        raise


def webhook_url(conn: Any) -> str:
    """The URL an ``alerts_webhook`` connection points at (see the module docstring for the forms)."""
    extra = conn.extra_dejson or {}
    host = conn.host or ""
    if "://" in host:
        url = host
    else:
        if not host:
            raise ValueError(f"connection {CONN_ID!r} has no host: set it to the webhook URL")
        scheme = extra.get("scheme") or ("https" if conn.conn_type == "https" else "http")
        url = f"{scheme}://{host}" + (f":{conn.port}" if conn.port else "")
    endpoint = extra.get("endpoint") or ""
    if endpoint:
        url = url.rstrip("/") + "/" + endpoint.lstrip("/")
    return url


def describe(context: dict) -> dict[str, Any]:
    """The alert's fields, from an Airflow callback context (task-level or DAG-level)."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    dag = context.get("dag")
    dag_id = getattr(ti, "dag_id", None) or getattr(dag_run, "dag_id", None) or getattr(dag, "dag_id", None)
    run_id = getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None) or context.get("run_id")
    task_id = getattr(ti, "task_id", None)
    exception = context.get("exception") or context.get("reason")
    logical_date = context.get("logical_date") or getattr(dag_run, "logical_date", None)
    fields = {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": task_id,
        "map_index": getattr(ti, "map_index", None),
        "try_number": getattr(ti, "try_number", None),
        "logical_date": logical_date.isoformat() if hasattr(logical_date, "isoformat") else logical_date,
        "exception": None
        if exception is None
        else f"{type(exception).__name__}: {exception}"
        if isinstance(exception, BaseException)
        else str(exception),
        "log_url": getattr(ti, "log_url", None),
    }
    what = f"task {task_id}" if task_id else "DAG run"
    fields["text"] = (
        f":red_circle: Airflow {what} failed: {dag_id} / {run_id}"
        + (f" (try {fields['try_number']})" if fields["try_number"] else "")
        + (f"\n{fields['exception']}" if fields["exception"] else "")
        + (f"\nLog: {fields['log_url']}" if fields["log_url"] else "")
    )
    return fields


def post(conn: Any, payload: dict[str, Any]) -> int:
    """POST the payload as JSON to the connection's URL; returns the HTTP status."""
    extra = conn.extra_dejson or {}
    headers = {"Content-Type": "application/json", **(extra.get("headers") or {})}
    if conn.password:
        headers.setdefault("Authorization", f"Bearer {conn.password}")
    request = urllib.request.Request(
        webhook_url(conn), data=json.dumps(payload, default=str).encode("utf-8"), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        return response.status


def send(payload: dict[str, Any]) -> str:
    """Post ``payload`` (with its ``text``) to ``alerts_webhook`` when configured, else log it at ERROR level.
    Returns ``sent``, ``logged`` (no webhook configured) or ``failed``. Never raises: problems are logged."""
    try:
        conn = _connection()
    except Exception:  # noqa: BLE001
        log.exception("could not read the %r connection; alert: %s", CONN_ID, payload["text"])
        return "failed"
    if conn is None:
        log.error("ALERT (no %r connection configured): %s", CONN_ID, payload["text"])
        return "logged"
    try:
        status = post(conn, payload)
        log.info("alert sent to %r (HTTP %s): %s", CONN_ID, status, payload["text"].splitlines()[0])
        return "sent"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.error("could not send the alert to %r (%s); alert: %s", CONN_ID, exc, payload["text"])
        return "failed"


def on_failure(context: dict) -> None:
    """Failure callback: post to ``alerts_webhook`` when configured, else log the alert. Never raises."""
    try:
        payload = describe(context)
    except Exception:  # noqa: BLE001 - an alert about a failure must not fail itself
        log.exception("could not describe the failure for the alert")
        return
    send(payload)
