"""Writing deliveries byte-for-byte reproducibly: fixed row order, gzip without a timestamp, fixed mtimes.

A delivery's last-modified time is its simulated arrival time, because arrival order decides which
version of a row wins. Files land under ``landing/<source>/YYYY/MM/DD/`` by arrival date (UTC).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HEADERS: dict[str, tuple[str, ...]] = {
    "stores": ("store_code", "store_name", "region", "city", "format", "timezone", "opened_on", "closed_on"),
    "employees": ("employee_code", "full_name", "badge_name", "hired_on", "terminated_on", "is_customer_facing"),
    "assignments": ("employee_code", "store_code", "role", "valid_from", "valid_to", "fte"),
    "shifts": ("employee_code", "store_code", "work_date", "hours_worked"),
    "sales": (
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
    ),
    "traffic": ("store_code", "hour_start", "visitors"),
    "surveys": (
        "response_id",
        "visited_at",
        "submitted_at",
        "store_code",
        "employee_code",
        "transaction_id",
        "channel",
        "nps",
        "csat",
        "ces",
        "comment",
        "language",
        "customer_email",
        "customer_phone",
    ),
    "audit_visits": (
        "visit_id",
        "agency",
        "shopper_code",
        "visited_at",
        "store_code",
        "employee_code",
        "employee_badge_name",
        "scenario",
        "brand",
        "checklist_version",
        "status",
    ),
    "audit_answers": ("visit_id", "question_code", "answer", "comment"),
    "appeals": (
        "appeal_id",
        "visit_id",
        "question_code",
        "filed_at",
        "filed_by",
        "category",
        "reason",
        "decision",
        "corrected_answer",
        "corrected_employee_code",
        "decided_at",
        "decided_by",
    ),
}
SOURCES: tuple[str, ...] = tuple(HEADERS)
#: columns whose JSON value is a number (surveys delivered as JSON Lines)
JSON_INTEGERS = frozenset({"nps", "csat", "ces"})


@dataclass
class Delivery:
    """One file in the landing zone, as the truth manifest describes it."""

    source: str
    file: str  # path relative to the landing root, with forward slashes
    arrived_at: int  # epoch seconds = the file's mtime
    kind: str  # regular | late | correction | duplicate | snapshot | resolution
    business_date: str  # the day (or week / snapshot date) the content is about
    rows: int
    format: str  # csv | csv.gz | jsonl
    duplicate_of: str = ""
    corrects: str = ""

    def as_row(self) -> dict[str, object]:
        row = asdict(self)
        row["arrived_at"] = datetime.fromtimestamp(self.arrived_at, UTC).isoformat()
        return row


def epoch(day: date, hours: float = 0.0) -> int:
    """Seconds since the epoch for ``day`` 00:00 UTC plus ``hours``."""
    return int((datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hours)).timestamp())


def relative_path(source: str, arrived_at: int, filename: str) -> str:
    d = datetime.fromtimestamp(arrived_at, UTC)
    return f"{source}/{d:%Y/%m/%d}/{filename}"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def jsonl_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """One object per line; empty cells become null, scores become numbers."""
    lines = []
    for row in rows:
        obj = {
            name: (None if value == "" else int(value) if name in JSON_INTEGERS else value)
            for name, value in zip(header, row, strict=True)
        }
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=5, mtime=0)


def write_file(landing: Path, rel: str, data: bytes, arrived_at: int) -> None:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (arrived_at, arrived_at))


def encode(fmt: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    if fmt == "jsonl":
        return jsonl_bytes(header, rows)
    data = csv_bytes(header, rows)
    return gzip_bytes(data) if fmt == "csv.gz" else data


def deliver(
    landing: Path,
    source: str,
    filename: str,
    rows: Sequence[Sequence[str]],
    arrived_at: int,
    kind: str,
    business_date: str,
    fmt: str = "csv",
    header: Sequence[str] | None = None,
) -> tuple[Delivery, bytes]:
    """Write one delivery and return its record and bytes (so a re-delivery can copy them exactly)."""
    data = encode(fmt, header or HEADERS[source], rows)
    rel = relative_path(source, arrived_at, filename)
    write_file(landing, rel, data, arrived_at)
    return Delivery(source, rel, arrived_at, kind, business_date, len(rows), fmt), data


def read_rows(landing: Path, delivery: Delivery) -> tuple[list[str], list[list[str]]]:
    """Read back a clean delivery written by :func:`deliver` (header, rows as strings)."""
    data = (landing / delivery.file).read_bytes()
    if delivery.format == "csv.gz":
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    if delivery.format == "jsonl":
        header = list(HEADERS[delivery.source])
        rows = []
        for line in text.splitlines():
            obj = json.loads(line)
            rows.append(["" if obj.get(h) is None else str(obj[h]) for h in header])
        return header, rows
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return header, [row for row in reader]
