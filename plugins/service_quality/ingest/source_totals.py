"""Ingestion totals per source, from ``ops.deliveries``: deliveries by status and rows (``sqw ingest`` and
``sqw run`` print them)."""

from __future__ import annotations

from typing import Any

from service_quality.contracts import SOURCES
from service_quality.warehouse.connection import WarehouseDsn

COLUMNS = (
    "source",
    "deliveries",
    "deliveries_loaded",
    "deliveries_rejected",
    "deliveries_duplicate",
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
)


def source_totals(dsn: WarehouseDsn | None = None) -> list[dict[str, Any]]:
    """One row per source (every source of the contracts, zeros when nothing arrived): deliveries, rows loaded / quarantined,
    deliveries rejected."""
    if dsn is None:
        from service_quality.warehouse.connection import resolve

        dsn = resolve()
    with dsn.connect() as conn:
        rows = conn.execute(
            """
            select source,
                count(*),
                count(*) filter (where status = 'loaded'),
                count(*) filter (where status = 'rejected'),
                count(*) filter (where status = 'duplicate'),
                coalesce(sum(rows_read), 0),
                coalesce(sum(rows_loaded), 0),
                coalesce(sum(rows_quarantined), 0)
            from ops.deliveries
            group by source
            """
        ).fetchall()
    found = {r[0]: dict(zip(COLUMNS, (r[0], *map(int, r[1:])), strict=True)) for r in rows}
    return [found.get(s, dict.fromkeys(COLUMNS, 0) | {"source": s}) for s in SOURCES]


def format_source_totals(rows: list[dict[str, Any]], with_total: bool = False) -> str:
    """A fixed-width table for terminals and logs; ``with_total`` adds a line that sums every source."""
    header = f"{'source':<14}{'deliveries':>11}{'loaded':>8}{'rejected':>9}{'dupes':>7}{'rows loaded':>13}{'quarantined':>13}"
    lines = [header, "-" * len(header), *map(_line, rows)]
    if with_total:
        lines += ["-" * len(header), _line({"source": "total"} | {k: sum(r[k] for r in rows) for k in COLUMNS[1:]})]
    return "\n".join(lines)


def _line(r: dict[str, Any]) -> str:
    return (
        f"{r['source']:<14}{r['deliveries']:>11}{r['deliveries_loaded']:>8}{r['deliveries_rejected']:>9}"
        f"{r['deliveries_duplicate']:>7}{r['rows_loaded']:>13}{r['rows_quarantined']:>13}"
    )
