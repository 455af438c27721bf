"""Bounded memory on a delivery much larger than the chunk size; replay from the archive reproduces raw."""

from __future__ import annotations

import tracemalloc

import pytest
from ingest_helpers import SALES_HEADER, query, sales_line

from service_quality.ingest.deliveries import ingest_source
from service_quality.ingest.replay import replay

pytestmark = pytest.mark.integration


def test_a_delivery_far_larger_than_the_chunk_is_loaded_in_bounded_memory(warehouse, landing_zone, settings):
    settings.chunk_bytes = 64 * 1024
    rows = 300_000
    body = "\n".join([SALES_HEADER, *(sales_line(f"T{i}") for i in range(rows))]) + "\n"
    path = landing_zone.write("sales/2025/02/01/big.csv.gz", body, gz=True)
    size = len(body.encode())
    del body
    assert size > 300 * settings.chunk_bytes
    tracemalloc.start()
    try:
        [result] = ingest_source("sales", settings.landing_root, warehouse, settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result["rows_loaded"] == rows
    # the file is 20 MB unzipped; Python never holds more than a few chunks of it
    assert peak < 8 * settings.chunk_bytes + 2 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte delivery"
    assert path.exists()


def _raw_state(dsn) -> dict[str, list[tuple]]:
    """Every raw row with its delivery's path and arrival (delivery ids may differ between warehouses)."""
    state = {}
    for source in ("sales", "surveys"):
        state[source] = query(
            dsn,
            f"""
            select d.path, d.status, r._row_number, r._arrived_at, to_jsonb(r) - '_delivery_id' - '_loaded_at'
            from raw.{source} r join ops.deliveries d on d.delivery_id = r._delivery_id
            order by d.path, r._row_number
            """,
        )
    state["deliveries"] = query(
        dsn,
        "select source, path, content_sha256, arrived_at, status, rows_read, rows_loaded, rows_quarantined,"
        " rejection_reason from ops.deliveries order by arrived_at, path",
    )
    state["quarantine"] = query(
        dsn,
        "select d.path, q.row_number, q.column_name, q.rule, q.value from quarantine.sales q"
        " join ops.deliveries d using (delivery_id) order by 1, 2, 3",
    )
    return state


def test_replay_into_an_empty_warehouse_reaches_the_same_raw_state(warehouse, databases, landing_zone, settings):
    from service_quality.warehouse.bootstrap import bootstrap

    body1 = "\n".join([SALES_HEADER, *(sales_line(f"T{i}") for i in range(30)), sales_line("B", qty="x")]) + "\n"
    landing_zone.write("sales/2025/01/02/a.csv", body1)
    landing_zone.write("sales/2025/01/02/a-again.csv", body1)  # duplicate
    landing_zone.write("sales/2025/01/03/b.csv", "\n".join([SALES_HEADER, sales_line("T1", qty="5", amount="49.00")]))
    landing_zone.write("sales/2025/01/04/empty.csv", "")  # rejected
    landing_zone.write(
        "surveys/2025/01/02/s.csv",
        "response_id,visited_at,submitted_at,store_code,channel,nps,customer_email\n"
        "R1,2025-01-02T10:00:00+03:00,2025-01-02T12:00:00+03:00,S-001,sms,9,a@b.c\n",
    )
    for source in ("sales", "surveys"):
        ingest_source(source, settings.landing_root, warehouse, settings)
    before = _raw_state(warehouse)
    assert len(before["deliveries"]) == 5

    # the landing zone is gone; only the archive remains
    import shutil

    shutil.rmtree(settings.landing_root)
    empty = databases.create()
    bootstrap(empty)
    results = replay(empty, settings)
    assert len(results) == 5
    assert _raw_state(empty) == before
    with pytest.raises(RuntimeError, match="already has 5 deliveries"):
        replay(empty, settings)
