"""Helpers for the ingestion tests: landing-zone files with arrival times, queries, sample rows."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

PII_KEY = b"test-only-key-not-a-secret"


class Landing:
    """Writes delivery files under ``root/<source>/...`` with a chosen arrival time (mtime)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = 1_735_700_000  # 2025-01-01T02:53:20Z; each write arrives a minute later

    def write(self, rel: str, content: str | bytes, *, gz: bool = False, mtime: float | None = None) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        if gz:
            data = gzip.compress(data)
        path.write_bytes(data)
        self.clock += 60
        stamp = self.clock if mtime is None else mtime
        os.utime(path, (stamp, stamp))
        return path


def query(dsn, sql: str, params=None) -> list[tuple]:
    with dsn.connect() as conn:
        return conn.execute(sql, params).fetchall()


SURVEY_HEADER = (
    "response_id,visited_at,submitted_at,store_code,employee_code,transaction_id,channel,nps,csat,ces,comment,"
    "language,customer_email,customer_phone"
)
SALES_HEADER = (
    "transaction_id,line_no,store_code,employee_code,sold_at,sku,brand,category,quantity,unit_price,"
    "discount_amount,line_amount"
)


def sales_line(
    tx: str,
    line: int = 1,
    qty: str = "2",
    price: str = "10.00",
    disc: str = "1.00",
    amount: str = "19.00",
    sold_at: str = "2025-01-02T10:00:00+03:00",
    sku: str = "SKU-1",
) -> str:
    return f"{tx},{line},S-001,E-001,{sold_at},{sku},Acme,phones,{qty},{price},{disc},{amount}"
