"""Splitting new deliveries into load batches: balanced, in arrival order, bounded by files and bytes."""

from __future__ import annotations

from service_quality.ingest.deliveries import batches, flatten


def _deliveries(n: int, size: int = 100) -> list[dict]:
    return [{"path": f"sales/{i:04d}.csv", "size_bytes": size, "copies": []} for i in range(n)]


def test_batches_are_balanced_and_keep_arrival_order():
    found = _deliveries(450)
    split = batches(found, max_files=200, max_bytes=1 << 30)
    assert [len(b) for b in split] == [150, 150, 150]
    assert [d for b in split for d in b] == found


def test_a_small_run_is_one_batch_and_nothing_new_is_none():
    assert batches(_deliveries(3), max_files=200, max_bytes=1 << 30) == [_deliveries(3)]
    assert batches([], max_files=200, max_bytes=1 << 30) == []


def test_bytes_bound_a_batch_but_a_large_file_still_gets_one():
    found = _deliveries(4, size=60)
    assert [len(b) for b in batches(found, max_files=200, max_bytes=100)] == [1, 1, 1, 1]
    huge = [{"path": "sales/huge.csv", "size_bytes": 10_000, "copies": []}]
    assert batches(huge, max_files=200, max_bytes=100) == [huge]


def test_copies_follow_their_delivery():
    first = {"path": "a.csv", "size_bytes": 1, "copies": [{"path": "b.csv", "size_bytes": 1}]}
    second = {"path": "c.csv", "size_bytes": 1, "copies": []}
    assert [d["path"] for d in flatten([first, second])] == ["a.csv", "b.csv", "c.csv"]
