"""The ``ops.deliveries`` rows of a load, and the result each delivery reports.

Every delivery that is not skipped gets one row: ``loaded`` (inserted before its rows are routed, so raw
and quarantine can reference it; its counts written when the routing is done), ``rejected`` (with the
reason, the column and a message a supplier can act on) or ``duplicate`` (of the first delivery of the
same bytes). A delivery already recorded under its path is ``skipped``: its row is read back, not written.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from service_quality.ingest.errors import DeliveryRejected
from service_quality.ingest.landing import Delivery
from service_quality.ingest.load_run import LoadRun
from service_quality.ingest.reader import Layout

log = logging.getLogger(__name__)

#: ``ops.deliveries.status`` (its check constraint allows exactly these).
DeliveryStatus = Literal["loaded", "rejected", "duplicate"]
#: What a load reports for a file: its delivery's status, or ``skipped`` when it had been processed before.
LoadStatus = Literal[DeliveryStatus, "skipped"]


@dataclass
class LoadResult:
    """What happened to one delivery (returned to Airflow as the task's XCom, printed by the CLI)."""

    source: str
    path: str
    sha256: str
    delivery_id: int | None
    status: LoadStatus
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rejection_reason: str | None = None
    rejection_column: str | None = None
    message: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    gx_success: bool | None = None
    data_docs_uri: str | None = None

    @classmethod
    def rejected(
        cls,
        run: LoadRun,
        delivery: Delivery,
        delivery_id: int,
        why: DeliveryRejected,
        rows_read: int,
        gx_success: bool | None = None,
    ) -> LoadResult:
        return cls(
            run.source,
            delivery.path,
            delivery.sha256,
            delivery_id,
            "rejected",
            rows_read=rows_read,
            rejection_reason=why.reason,
            rejection_column=why.column,
            message=why.message,
            gx_success=gx_success,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def recorded(conn, run: LoadRun, delivery: Delivery) -> list[tuple[int, str, DeliveryStatus]]:
    """The deliveries of the same bytes already recorded: (delivery_id, path, status), oldest first."""
    return conn.execute(
        "select delivery_id, path, status from ops.deliveries where source = %s and content_sha256 = %s"
        " order by delivery_id",
        [run.source, delivery.sha256],
    ).fetchall()


def insert(
    conn,
    run: LoadRun,
    delivery: Delivery,
    status: DeliveryStatus,
    archive_uri: str | None,
    duplicate_of: int | None = None,
    rejected: DeliveryRejected | None = None,
    layout: Layout | None = None,
) -> int:
    """Insert the delivery's row; returns its ``delivery_id``."""
    return conn.execute(
        """
        insert into ops.deliveries (source, path, content_sha256, size_bytes, arrived_at, status, duplicate_of,
            rows_read, rejection_reason, rejection_column, rejection_message, extra_columns, dag_id, run_id,
            archive_uri)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        returning delivery_id
        """,
        [
            run.source,
            delivery.path,
            delivery.sha256,
            delivery.size_bytes,
            delivery.arrived_at,
            status,
            duplicate_of,
            0,  # rows_read: written with the other counts once the rows are routed
            rejected.reason if rejected else None,
            rejected.column if rejected else None,
            rejected.message if rejected else None,
            list(layout.extra_headers) if layout else [],
            run.dag_id,
            run.run_id,
            archive_uri,
        ],
    ).fetchone()[0]


def record_duplicate(conn, run: LoadRun, delivery: Delivery, archive_uri: str, original: int) -> LoadResult:
    delivery_id = insert(conn, run, delivery, "duplicate", archive_uri, duplicate_of=original)
    log.info("%s: same bytes as delivery %s; recorded as duplicate, nothing loaded", delivery.path, original)
    return LoadResult(run.source, delivery.path, delivery.sha256, delivery_id, "duplicate", duplicate_of=original)


def record_rejected(
    conn, run: LoadRun, delivery: Delivery, why: DeliveryRejected, archive_uri: str | None
) -> LoadResult:
    """A delivery rejected before its rows were routed (unreadable, a required column missing, no rows, not a
    regular file); ``archive_uri`` is None when nothing of it was archived."""
    delivery_id = insert(conn, run, delivery, "rejected", archive_uri, rejected=why)
    log.warning("%s: delivery %s rejected (%s): %s", delivery.path, delivery_id, why.reason, why.message)
    return LoadResult.rejected(run, delivery, delivery_id, why, rows_read=0)


def mark_rejected(conn, delivery_id: int, why: DeliveryRejected) -> None:
    """A delivery recorded as ``loaded`` is rejected after all (too many bad rows)."""
    conn.execute(
        "update ops.deliveries set status = 'rejected', rejection_reason = %s, rejection_column = %s,"
        " rejection_message = %s where delivery_id = %s",
        [why.reason, why.column, why.message, delivery_id],
    )


#: One delivery's counts and times: (rows_read, rows_loaded, rows_quarantined, validation_seconds,
#: load_seconds, delivery_id).
Counts = tuple[int, int, int, float, float, int]


def record_counts(conn, counts: list[Counts]) -> None:
    """Write each routed delivery's reconciled counts and its share of the validation and load times."""
    conn.cursor().executemany(
        "update ops.deliveries set rows_read = %s, rows_loaded = %s, rows_quarantined = %s,"
        " validation_seconds = %s, load_seconds = %s where delivery_id = %s",
        counts,
    )


def existing(conn, run: LoadRun, delivery: Delivery, delivery_id: int) -> LoadResult:
    """The result of a delivery processed before (same path and bytes), read back from its row."""
    row = conn.execute(
        "select status, rows_read, rows_loaded, rows_quarantined, rejection_reason, rejection_column,"
        " rejection_message, extra_columns, duplicate_of from ops.deliveries where delivery_id = %s",
        [delivery_id],
    ).fetchone()
    return LoadResult(
        run.source,
        delivery.path,
        delivery.sha256,
        delivery_id,
        "skipped",
        rows_read=row[1],
        rows_loaded=row[2],
        rows_quarantined=row[3],
        rejection_reason=row[4],
        rejection_column=row[5],
        message=f"already processed: {row[0]}" + (f" ({row[6]})" if row[6] else ""),
        extra_columns=list(row[7] or []),
        duplicate_of=row[8],
    )
