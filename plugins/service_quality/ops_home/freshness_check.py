"""The scheduled freshness check (DAG ``ops_freshness``): an overdue source raises the failure alert once
per source and day.

The same rule as the operators' home (:mod:`freshness`), at the end of the DAG run's data interval, so a
rerun of a run checks the same instant. Each alert is recorded in ``ops.freshness_alerts`` (source, UTC
date) in the same transaction as it is sent: the next hour's run, or a rerun, does not send it again. An
alert the webhook refused is not recorded, so the next run tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from service_quality import alerts
from service_quality.ops_home import freshness, queries
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)


def overdue_sources(dsn: WarehouseDsn, as_of: datetime, cadence_json: str | None) -> list[freshness.Freshness]:
    cadence = freshness.parse_cadence(cadence_json)
    with queries.read_only(dsn) as conn:
        activity = queries.source_activity(conn, as_of)
        timezones = queries.store_timezones(conn)
    last = {r["source"]: r["last_arrived_at"] for r in activity}
    return [f for f in freshness.freshness(last, as_of, cadence, timezones) if f.is_overdue]


def alert_overdue(
    dsn: WarehouseDsn,
    as_of: datetime,
    cadence_json: str | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> list[dict[str, Any]]:
    """Alert each source overdue at ``as_of`` that was not alerted yet that day; returns the alerts sent."""
    sent = []
    for f in overdue_sources(dsn, as_of, cadence_json):
        message = f.describe(as_of)
        with dsn.connect() as conn:
            new = conn.execute(
                "insert into ops.freshness_alerts (source, alert_date, due_at, last_arrived_at, message, dag_id, run_id)"
                " values (%s, (%s at time zone 'UTC')::date, %s, %s, %s, %s, %s)"
                " on conflict (source, alert_date) do nothing returning source",
                [f.source, as_of, f.due_at, f.last_arrived_at, message, dag_id, run_id],
            ).fetchone()
            if new is None:
                log.info("already alerted today: %s", message)
                continue
            payload = {
                "dag_id": dag_id,
                "run_id": run_id,
                "task_id": "alert_overdue_sources",
                "source": f.source,
                "due_at": f.due_at,
                "last_arrived_at": f.last_arrived_at,
                "text": f":red_circle: Overdue delivery: {message}. Operators' home: /service-quality/ops/",
            }
            outcome = alerts.send(payload)
            if outcome == "failed":
                conn.rollback()  # not recorded: the next run tries again
                continue
            conn.commit()
        sent.append({"source": f.source, "message": message, "outcome": outcome})
    return sent
