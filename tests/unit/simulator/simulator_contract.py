"""An independent reading of DATA_CONTRACTS.md, used to check what the simulator writes.

Written from the document, not from the simulator or the ingestion code, so that a mistake in either
shows up as a disagreement here. It reports what the contract says should happen to a delivery:
rejected (with the reason and column) or loaded, with the rows that break a row rule.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
ZONES = available_timezones()

# column: (type, required, check)  check = ("enum", values) | ("range", lo, hi, lo_exclusive) | ("pattern",)
# | ("not_zero",) | ("tz",) | ("on_hour",) | None
SPEC: dict[str, dict[str, tuple]] = {
    "stores": {
        "store_code": ("text", True, ("pattern",)),
        "store_name": ("text", True, None),
        "region": ("text", True, None),
        "city": ("text", True, None),
        "format": (
            "text",
            True,
            (
                "enum",
                {"hypermarket", "supermarket", "convenience", "electronics", "service_center", "restaurant", "hotel"},
            ),
        ),
        "timezone": ("text", True, ("tz",)),
        "opened_on": ("date", True, None),
        "closed_on": ("date", False, None),
    },
    "employees": {
        "employee_code": ("text", True, ("pattern",)),
        "full_name": ("text", True, None),
        "badge_name": ("text", True, None),
        "hired_on": ("date", True, None),
        "terminated_on": ("date", False, None),
        "is_customer_facing": ("boolean", True, None),
    },
    "assignments": {
        "employee_code": ("text", True, None),
        "store_code": ("text", True, None),
        "role": (
            "text",
            True,
            ("enum", {"sales_consultant", "cashier", "store_manager", "service_engineer", "waiter", "receptionist"}),
        ),
        "valid_from": ("date", True, None),
        "valid_to": ("date", False, None),
        "fte": ("decimal", True, ("range", 0, 1, True)),
    },
    "shifts": {
        "employee_code": ("text", True, None),
        "store_code": ("text", True, None),
        "work_date": ("date", True, None),
        "hours_worked": ("decimal", True, ("range", 0, 24, True)),
    },
    "sales": {
        "transaction_id": ("text", True, None),
        "line_no": ("integer", True, ("range", 1, None, False)),
        "store_code": ("text", True, None),
        "employee_code": ("text", False, None),
        "sold_at": ("timestamptz", True, None),
        "sku": ("text", True, None),
        "brand": ("text", False, None),
        "category": ("text", False, None),
        "quantity": ("integer", True, ("not_zero",)),
        "unit_price": ("decimal", True, ("range", 0, None, False)),
        "discount_amount": ("decimal", True, ("range", 0, None, False)),
        "line_amount": ("decimal", True, None),
    },
    "traffic": {
        "store_code": ("text", True, None),
        "hour_start": ("timestamptz", True, ("on_hour",)),
        "visitors": ("integer", True, ("range", 0, None, False)),
    },
    "surveys": {
        "response_id": ("text", True, None),
        "visited_at": ("timestamptz", True, None),
        "submitted_at": ("timestamptz", True, None),
        "store_code": ("text", True, None),
        "employee_code": ("text", False, None),
        "transaction_id": ("text", False, None),
        "channel": ("text", True, ("enum", {"receipt_qr", "sms", "email", "web", "kiosk"})),
        "nps": ("integer", False, ("range", 0, 10, False)),
        "csat": ("integer", False, ("range", 1, 5, False)),
        "ces": ("integer", False, ("range", 1, 7, False)),
        "comment": ("text", False, None),
        "language": ("text", False, None),
        "customer_email": ("text", False, None),
        "customer_phone": ("text", False, None),
    },
    "audit_visits": {
        "visit_id": ("text", True, None),
        "agency": ("text", True, None),
        "shopper_code": ("text", True, None),
        "visited_at": ("timestamptz", True, None),
        "store_code": ("text", True, None),
        "employee_code": ("text", False, None),
        "employee_badge_name": ("text", False, None),
        "scenario": ("text", True, ("enum", {"service", "product_knowledge"})),
        "brand": ("text", False, None),
        "checklist_version": ("text", True, None),
        "status": ("text", True, ("enum", {"validated", "disputed", "rejected"})),
    },
    "audit_answers": {
        "visit_id": ("text", True, None),
        "question_code": ("text", True, None),
        "answer": ("text", True, ("enum", {"yes", "no", "na", "0", "1", "2", "3", "4", "5"})),
        "comment": ("text", False, None),
    },
    "appeals": {
        "appeal_id": ("text", True, None),
        "visit_id": ("text", True, None),
        "question_code": ("text", False, None),
        "filed_at": ("timestamptz", True, None),
        "filed_by": ("text", True, None),
        "category": (
            "text",
            True,
            ("enum", {"wrong_answer", "wrong_employee", "shopper_error", "technical", "other"}),
        ),
        "reason": ("text", True, None),
        "decision": ("text", False, ("enum", {"upheld", "overturned"})),
        "corrected_answer": ("text", False, ("enum", {"yes", "no", "na", "0", "1", "2", "3", "4", "5"})),
        "corrected_employee_code": ("text", False, None),
        "decided_at": ("timestamptz", False, None),
        "decided_by": ("text", False, None),
    },
}
KEYS = {
    "stores": ("store_code",),
    "employees": ("employee_code",),
    "assignments": ("employee_code", "valid_from"),
    "shifts": ("employee_code", "work_date"),
    "sales": ("transaction_id", "line_no"),
    "traffic": ("store_code", "hour_start"),
    "surveys": ("response_id",),
    "audit_visits": ("visit_id",),
    "audit_answers": ("visit_id", "question_code"),
    "appeals": ("appeal_id",),
}
ORDERS = {
    "stores": ("opened_on", "closed_on"),
    "employees": ("hired_on", "terminated_on"),
    "assignments": ("valid_from", "valid_to"),
    "surveys": ("visited_at", "submitted_at"),
    "appeals": ("filed_at", "decided_at"),
}
THRESHOLD = 0.10


@dataclass
class Report:
    """What the contract says happens to one delivery."""

    reason: str | None = None
    column: str | None = None
    header: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    #: (1-based row, column, rule)
    violations: list[tuple[int, str | None, str]] = field(default_factory=list)
    has_bom: bool = False


def _parse(kind: str, value: str):
    """The typed value, or raises ValueError (rule ``type``) / LookupError (rule ``timestamp_offset``)."""
    if kind == "text":
        return value
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise ValueError(value)
        return int(value)
    if kind == "decimal":
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
            raise ValueError(value)
        try:
            return Decimal(value)
        except InvalidOperation as error:
            raise ValueError(value) from error
    if kind == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValueError(value)
        return value == "true"
    if kind == "timestamptz":
        if not TIMESTAMP.fullmatch(value):
            raise ValueError(value)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise LookupError(value)
        return moment
    raise AssertionError(kind)


def check_row(source: str, row: dict[str, str]) -> tuple[list[tuple[str, str]], dict[str, object]]:
    """Rules a row breaks as (column, rule), and its typed values."""
    broken: list[tuple[str, str]] = []
    typed: dict[str, object] = {}
    for column, (kind, required, check) in SPEC[source].items():
        value = row.get(column, "")
        if value == "":
            typed[column] = None
            if required:
                broken.append((column, "required"))
            continue
        try:
            parsed = _parse(kind, value)
        except ValueError:
            broken.append((column, "type"))
            continue
        except LookupError:
            broken.append((column, "timestamp_offset"))
            continue
        typed[column] = parsed
        if check is None:
            continue
        name = check[0]
        if name == "enum" and parsed not in check[1]:
            broken.append((column, "enum"))
        elif name == "pattern" and not CODE.fullmatch(parsed):
            broken.append((column, "pattern"))
        elif name == "tz" and parsed not in ZONES:
            broken.append((column, "enum"))
        elif name in ("not_zero", "on_hour"):
            off_hour = name == "on_hour" and bool(parsed.minute or parsed.second or parsed.microsecond)
            if off_hour or (name == "not_zero" and parsed == 0):
                broken.append((column, "range"))
        elif name == "range":
            lo, hi, lo_exclusive = check[1], check[2], check[3]
            if (lo is not None and (parsed < lo or (lo_exclusive and parsed == lo))) or (
                hi is not None and parsed > hi
            ):
                broken.append((column, "range"))
    if source in ORDERS:
        earlier, later = ORDERS[source]
        if typed.get(earlier) is not None and typed.get(later) is not None and typed[later] < typed[earlier]:
            broken.append((later, "order"))
    if source == "sales" and all(typed.get(c) is not None for c in ("quantity", "unit_price", "line_amount")):
        discount = typed.get("discount_amount") or Decimal(0)
        expected = typed["quantity"] * typed["unit_price"] - discount
        if abs(expected - typed["line_amount"]) > Decimal("0.01"):
            broken.append(("line_amount", "arithmetic"))
    if source == "surveys" and row.get("nps", "") == "" and row.get("csat", "") == "":
        broken.append(("nps", "one_of_required"))
    if source == "audit_visits" and row.get("scenario") == "product_knowledge" and row.get("brand", "") == "":
        broken.append(("brand", "conditional_required"))
    if source == "appeals" and row.get("decision", "") != "" and row.get("decided_at", "") == "":
        broken.append(("decided_at", "conditional_required"))
    if (
        source == "appeals"
        and row.get("decision") == "overturned"
        and row.get("question_code", "") != ""
        and row.get("corrected_answer", "") == ""
    ):
        broken.append(("corrected_answer", "conditional_required"))
    return broken, typed


#: DATA_CONTRACTS.md: a field longer than 64 KiB makes its line malformed.
MAX_FIELD_BYTES = 64 * 1024


def check_file(path: Path, source: str) -> Report:
    """Apply the contract to one delivery file."""
    report = Report()
    data = path.read_bytes()
    if not data:
        report.reason = "empty_file"
        return report
    if path.name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            report.reason = "unreadable"
            return report
    report.has_bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.reason = "encoding"
        return report
    columns = list(SPEC[source])
    malformed: set[int] = set()  # lines that are not rows: a row error of their own, no other rule checked
    if ".jsonl" in path.name:
        rows = []
        for line in text.splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            rows.append({k.strip().lower(): "" if v is None else str(v) for k, v in obj.items()})
        header = list(rows[0]) if rows else columns
    else:
        reader = csv.reader(io.StringIO(text))
        raw_header = next(reader, None)
        if raw_header is None:
            report.reason = "empty_file"
            return report
        header = [h.strip().lower() for h in raw_header]
        rows = []
        for number, r in enumerate(reader, start=1):
            if len(r) != len(header) or any(len(v.encode("utf-8")) > MAX_FIELD_BYTES for v in r):
                report.violations.append((number, None, "malformed_line"))
                malformed.add(number)
            rows.append(dict(zip(header, r, strict=False)))
    report.header = header
    report.extra_columns = [h for h in header if h not in SPEC[source]]
    required = [c for c, (_, req, _) in SPEC[source].items() if req]
    missing = [c for c in required if c not in header]
    if missing:
        report.reason, report.column = "missing_column", missing[0]
        report.violations = []
        return report
    if not rows:
        report.reason = "no_rows"
        return report
    report.rows = rows
    bad_rows = set()
    for number, row in enumerate(rows, start=1):
        if number in malformed:
            bad_rows.add(number)
            continue
        broken, _ = check_row(source, row)
        for column, rule in broken:
            report.violations.append((number, column, rule))
            bad_rows.add(number)
    if len(bad_rows) > THRESHOLD * len(rows):
        report.reason = "too_many_bad_rows"
    return report


def offset_of(zone: str, day: date) -> str:
    minutes = int(ZoneInfo(zone).utcoffset(datetime(day.year, day.month, day.day, 12)).total_seconds()) // 60
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
