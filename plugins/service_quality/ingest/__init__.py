"""Ingestion: landing-zone deliveries -> validated -> ``raw.<source>`` / ``quarantine.<source>`` / ``ops``.

Kept import-light: DAG files import this package at parse time; psycopg, GX and friends are imported
by the functions that need them.

* :func:`find_new_deliveries` - the deliveries of a source not processed yet (by path and content hash)
* :func:`load_delivery` - process one delivery atomically (see ``load``)
* :func:`source_totals` - per source: deliveries, rows loaded, rows quarantined, deliveries rejected
"""

from __future__ import annotations

from typing import Any


def find_new_deliveries(source: str, landing_root: str | None = None, dsn: Any = None) -> list[dict[str, Any]]:
    from service_quality.ingest.deliveries import find_new_deliveries as _find

    return _find(source, landing_root, dsn)


def load_delivery(source: str, delivery: dict[str, Any], dsn: Any = None, **kwargs: Any) -> dict[str, Any]:
    from service_quality.ingest.deliveries import load as _load

    return _load(source, delivery, dsn, **kwargs)


def source_totals(dsn: Any = None) -> list[dict[str, Any]]:
    from service_quality.ingest.source_totals import source_totals as _totals

    return _totals(dsn)
