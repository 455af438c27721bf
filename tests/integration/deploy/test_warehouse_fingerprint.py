"""The warehouse fingerprint the scale-out proof compares: equal for the same data loaded in another
order (other surrogate ids, other load times), different as soon as one value differs."""

from __future__ import annotations

import pytest

from service_quality.proofs import warehouse_fingerprint

pytestmark = pytest.mark.integration

DELIVERIES = [
    # path, sha, status, rows_read, rows_loaded, rows_quarantined
    ("stores/2025/03/03/stores_20250303.csv", "a" * 64, "loaded", 2, 1, 1),
    ("stores/2025/03/04/stores_20250304.csv", "b" * 64, "loaded", 1, 1, 0),
]
STORE_ROWS = {
    "stores/2025/03/03/stores_20250303.csv": [("KGD", "Kaliningrad 1", 1)],
    "stores/2025/03/04/stores_20250304.csv": [("KGD", "Kaliningrad One", 1)],
}


def _load(dsn, order: list[int], name_override: str | None = None) -> None:
    """Load the deliveries in the given order (so ids and load times differ between databases)."""
    with dsn.connect() as conn:
        for index in order:
            path, sha, status, read, loaded, quarantined = DELIVERIES[index]
            delivery_id = conn.execute(
                """
                insert into ops.deliveries (source, path, content_sha256, size_bytes, arrived_at, status,
                                            rows_read, rows_loaded, rows_quarantined, run_id)
                values ('stores', %s, %s, 100, '2025-03-03T06:00:00+00', %s, %s, %s, %s, %s)
                returning delivery_id
                """,
                [path, sha, status, read, loaded, quarantined, f"run-{order}"],
            ).fetchone()[0]
            for code, store_name, row_number in STORE_ROWS[path]:
                conn.execute(
                    """
                    insert into raw.stores (store_code, store_name, region, city, format, timezone, opened_on,
                                            _delivery_id, _row_number, _arrived_at)
                    values (%s, %s, 'West', 'Kaliningrad', 'electronics', 'Europe/Kaliningrad', '2020-01-01',
                            %s, %s, '2025-03-03T06:00:00+00')
                    """,
                    [code, name_override or store_name, delivery_id, row_number],
                )
            if quarantined:
                conn.execute(
                    """
                    insert into quarantine.stores (delivery_id, row_number, column_name, rule, value, message, record)
                    values (%s, 2, 'timezone', 'iana_timezone', 'Mars/Olympus', 'not an IANA time zone', '{}')
                    """,
                    [delivery_id],
                )
            conn.commit()


def test_same_data_in_another_order_has_the_same_fingerprint(databases):
    from service_quality.warehouse.bootstrap import bootstrap

    first, second, third = databases.create(), databases.create(), databases.create()
    for dsn in (first, second, third):
        bootstrap(dsn)
    _load(first, [0, 1])
    _load(second, [1, 0])
    _load(third, [1, 0], name_override="Kaliningrad 2")

    a, b, c = (warehouse_fingerprint.snapshot(d) for d in (first, second, third))
    assert a["raw.stores"].rows == 2 and a["quarantine.stores"].rows == 1 and a["ops.deliveries"].rows == 2
    assert warehouse_fingerprint.differences(a, b) == []
    assert warehouse_fingerprint.delivery_status_counts(first) == {("stores", "loaded"): 2}
    diff = warehouse_fingerprint.differences(a, c)
    assert [d.split(":")[0] for d in diff] == ["raw.stores"]
    rows = warehouse_fingerprint.row_differences(first, third, "raw.stores")
    assert [r.split(",")[:2] for r in rows] == [
        ["- (KGD", '"Kaliningrad 1"'],
        ["- (KGD", '"Kaliningrad One"'],
        ["+ (KGD", '"Kaliningrad 2"'],
        ["+ (KGD", '"Kaliningrad 2"'],
    ]


def test_identical_deliveries_resolved_in_another_order_differ_by_file_but_not_by_content(databases):
    """Two byte-identical snapshots: whichever is processed first is `loaded`, the other `duplicate`."""
    from service_quality.warehouse.bootstrap import bootstrap

    first, second = databases.create(), databases.create()
    for dsn, loaded_first in ((first, 0), (second, 1)):
        bootstrap(dsn)
        paths = ["stores/2025/03/03/stores_20250303.csv", "stores/2025/03/04/stores_20250304.csv"]
        order = [loaded_first, 1 - loaded_first]
        with dsn.connect() as conn:
            winner = None
            for index in order:
                status = "loaded" if winner is None else "duplicate"
                winner_id = conn.execute(
                    """
                    insert into ops.deliveries (source, path, content_sha256, size_bytes, arrived_at, status,
                                                duplicate_of, rows_read, rows_loaded)
                    values ('stores', %s, %s, 100, %s, %s, %s, %s, %s) returning delivery_id
                    """,
                    [
                        paths[index],
                        "c" * 64,
                        f"2025-03-0{3 + index}T06:00:00+00",
                        status,
                        winner,
                        *((1, 1) if winner is None else (0, 0)),
                    ],
                ).fetchone()[0]
                if winner is None:
                    winner = winner_id
                    conn.execute(
                        """
                        insert into raw.stores (store_code, store_name, region, city, format, timezone, opened_on,
                                                _delivery_id, _row_number, _arrived_at)
                        values ('KGD', 'Kaliningrad 1', 'West', 'Kaliningrad', 'electronics',
                                'Europe/Kaliningrad', '2020-01-01', %s, 1, %s)
                        """,
                        [winner, f"2025-03-0{3 + index}T06:00:00+00"],
                    )
            conn.commit()
    by_file = warehouse_fingerprint.differences(
        warehouse_fingerprint.snapshot(first), warehouse_fingerprint.snapshot(second)
    )
    assert [d.split(":")[0] for d in by_file] == ["ops.deliveries", "raw.stores"]
    by_content = warehouse_fingerprint.differences(
        warehouse_fingerprint.snapshot(first, by_content=True), warehouse_fingerprint.snapshot(second, by_content=True)
    )
    assert by_content == []
