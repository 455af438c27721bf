"""A synthetic sales delivery of an exact number of rows, valid under the contract.

The memory benchmark needs deliveries of precisely 1x and 10x the ingestion chunk size; the simulator
sizes files by chain and day, not by row count, so this writes them directly. Rows follow
DATA_CONTRACTS.md (``sales``): offset timestamps, ``line_amount = quantity * unit_price - discount``.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

COLUMNS = (
    "transaction_id",
    "line_no",
    "store_code",
    "employee_code",
    "sold_at",
    "sku",
    "brand",
    "category",
    "quantity",
    "unit_price",
    "discount_amount",
    "line_amount",
)
_BRANDS = ("Acme", "Borealis", "Cirrus", "Dorado", "Elbrus")
_CATEGORIES = ("phones", "laptops", "tv", "audio", "appliances")


def write_sales(path: Path, rows: int, seed: int = 7, day: datetime | None = None) -> Path:
    """Write ``rows`` receipt lines to ``path`` (CSV); the same seed gives the same bytes."""
    rng = random.Random(seed)
    start = day or datetime(2025, 3, 1, 9, tzinfo=UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        line_no, txn = 0, 0
        for i in range(rows):
            if line_no == 0 or rng.random() < 0.4:
                txn += 1
                line_no = 0
            line_no += 1
            quantity = -1 if rng.random() < 0.03 else rng.randint(1, 3)
            price = round(rng.uniform(5, 900), 2)
            discount = round(price * rng.choice((0, 0, 0, 0.05, 0.1)), 2)
            sold_at = start + timedelta(seconds=i * 3)
            writer.writerow(
                (
                    f"B{seed}-T{txn:09d}",
                    line_no,
                    f"S{rng.randint(1, 40):03d}",
                    f"E{rng.randint(1, 600):05d}" if rng.random() < 0.95 else "",
                    sold_at.isoformat(timespec="seconds"),
                    f"SKU-{rng.randint(1, 5000):05d}",
                    rng.choice(_BRANDS),
                    rng.choice(_CATEGORIES),
                    quantity,
                    f"{price:.2f}",
                    f"{discount:.2f}",
                    f"{quantity * price - discount:.2f}",
                )
            )
    return path
