"""Which deliveries are new, and the entry points the DAGs and commands call."""

from __future__ import annotations

import logging
from typing import Any

from service_quality.contracts import contract
from service_quality.ingest import landing
from service_quality.ingest.settings import IngestSettings
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)


def _dsn(dsn: WarehouseDsn | None) -> WarehouseDsn:
    if dsn is not None:
        return dsn
    from service_quality.warehouse.connection import resolve

    return resolve()


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
    new = sorted(pending(found, _dsn(dsn)), key=lambda d: (d.arrived, d.path))
    first: dict[str, dict[str, Any]] = {}
    for delivery in new:
        if delivery.sha256 in first:
            first[delivery.sha256]["copies"].append(delivery.to_dict())
        else:
            first[delivery.sha256] = {**delivery.to_dict(), "copies": []}
    log.info("%s: %s files under %s, %s new (%s distinct)", source, len(found), root, len(new), len(first))
    return list(first.values())


def load(
    source: str,
    delivery: dict[str, Any],
    dsn: WarehouseDsn | None = None,
    settings: IngestSettings | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Load one delivery, then record its later byte-identical ``copies`` (if any) as duplicates of it."""
    return load_all(source, delivery, dsn, settings, dag_id, run_id)[0]


def load_all(
    source: str,
    delivery: dict[str, Any],
    dsn: WarehouseDsn | None = None,
    settings: IngestSettings | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> list[dict[str, Any]]:
    """The results of loading ``delivery`` and then each of its ``copies``, in that order."""
    from service_quality.ingest.load import load_delivery

    dsn = _dsn(dsn)
    return [
        load_delivery(source, d, dsn, settings, dag_id=dag_id, run_id=run_id).to_dict()
        for d in [delivery, *delivery.get("copies", [])]
    ]


def ingest_source(
    source: str, landing_root: str, dsn: WarehouseDsn, settings: IngestSettings | None = None
) -> list[dict[str, Any]]:
    """Everything new of one source, in arrival order (the CLI and tests; DAGs map over deliveries)."""
    settings = settings or IngestSettings(landing_root=landing_root)
    return [
        result
        for delivery in find_new_deliveries(source, landing_root, dsn)
        for result in load_all(source, delivery, dsn, settings)
    ]
