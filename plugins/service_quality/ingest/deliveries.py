"""Which deliveries are new, and the entry points the DAGs and commands call."""

from __future__ import annotations

import logging
from typing import Any

from service_quality.contracts import contract
from service_quality.ingest import landing
from service_quality.ingest.settings import IngestSettings
from service_quality.warehouse.connection import WarehouseDsn, resolve

log = logging.getLogger(__name__)


def pending(deliveries: list[landing.Delivery], dsn: WarehouseDsn) -> list[landing.Delivery]:
    """The deliveries whose (path, content) has no row in ``ops.deliveries`` yet."""
    if not deliveries:
        return []
    with dsn.connect() as conn:
        done = {
            (source, path, sha)
            for source, path, sha in conn.execute(
                "select source, path, content_sha256 from ops.deliveries where source = any(%s)",
                [sorted({d.source for d in deliveries})],
            )
        }
    return [d for d in deliveries if (d.source, d.path, d.sha256) not in done]


def find_new_deliveries(
    source: str, landing_root: str | None = None, dsn: WarehouseDsn | None = None
) -> list[dict[str, Any]]:
    """New deliveries of ``source`` in arrival order, as dicts (they travel through XCom).

    Byte-identical files travel together: the earliest arrival (then path) is the delivery, and the later
    copies ride along under ``copies`` to be recorded as its duplicates. Mapped load tasks run in any order,
    so leaving the copies to race would make the recorded delivery depend on scheduling, not on arrival.
    """
    root = landing_root or IngestSettings().landing_root
    found = landing.scan(root, contract(source))
    new = sorted(pending(found, dsn or resolve()), key=lambda d: (d.arrived, d.path))
    first: dict[str, dict[str, Any]] = {}
    for delivery in new:
        if delivery.sha256 in first:
            first[delivery.sha256]["copies"].append(delivery.to_dict())
        else:
            first[delivery.sha256] = {**delivery.to_dict(), "copies": []}
    log.info("%s: %s files under %s, %s new (%s distinct)", source, len(found), root, len(new), len(first))
    return list(first.values())


def batches(
    deliveries: list[dict[str, Any]], max_files: int | None = None, max_bytes: int | None = None
) -> list[list[dict[str, Any]]]:
    """Split new deliveries (from :func:`find_new_deliveries`) into load batches of similar size, in order.

    A batch is what one load task validates and commits together: one Great Expectations run and one
    set-based pass per file layout instead of one per file. Each batch keeps at most ``max_files`` files
    (a delivery's byte-identical copies ride along) and ``max_bytes`` bytes, unless one file alone is larger.
    """
    if not (max_files and max_bytes):  # the configured bounds (Variables inside Airflow)
        settings = IngestSettings()
        max_files = max_files or settings.batch_files
        max_bytes = max_bytes or settings.batch_bytes
    if not deliveries:
        return []
    total_bytes = sum(d["size_bytes"] for d in deliveries)
    count = max(-(-len(deliveries) // max_files), -(-total_bytes // max_bytes), 1)
    per_batch = -(-len(deliveries) // count)  # balanced: 450 files at 200 a batch -> 150, 150, 150
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for delivery in deliveries:
        if current and (len(current) >= per_batch or size + delivery["size_bytes"] > max_bytes):
            out.append(current)
            current, size = [], 0
        current.append(delivery)
        size += delivery["size_bytes"]
    out.append(current)
    return out


def flatten(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A batch's deliveries followed, each, by its byte-identical copies (recorded as duplicates of it)."""
    return [d for delivery in batch for d in [delivery, *delivery.get("copies", [])]]


def load(
    source: str,
    delivery: dict[str, Any],
    dsn: WarehouseDsn | None = None,
    settings: IngestSettings | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Load one delivery, then record its later byte-identical ``copies`` (if any) as duplicates of it."""
    return load_batch(source, [delivery], dsn, settings, dag_id, run_id)[0]


def load_batch(
    source: str,
    batch: list[dict[str, Any]],
    dsn: WarehouseDsn | None = None,
    settings: IngestSettings | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> list[dict[str, Any]]:
    """The result of every file of ``batch`` (each delivery, then its copies), in that order."""
    from service_quality.ingest.load import load_files

    results = load_files(source, flatten(batch), dsn or resolve(), settings, dag_id=dag_id, run_id=run_id)
    return [r.to_dict() for r in results]


def ingest_source(
    source: str, landing_root: str, dsn: WarehouseDsn, settings: IngestSettings | None = None
) -> list[dict[str, Any]]:
    """Everything new of one source, batch after batch, in arrival order (the CLI, tests and replay)."""
    settings = settings or IngestSettings(landing_root=landing_root)
    found = find_new_deliveries(source, landing_root, dsn)
    return [
        result
        for batch in batches(found, settings.batch_files, settings.batch_bytes)
        for result in load_batch(source, batch, dsn, settings)
    ]
