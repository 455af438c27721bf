"""Injecting known cases into a clean landing zone, and recording each one in the truth manifest.

``--defects RATE`` is the share of eligible deliveries that carry a case; besides, every case kind is
injected at least once when some delivery can carry it, so a short simulation still covers them all.
A delivery carries at most one case, so each case's expected outcome is unambiguous. Row defects go
only into deliveries with at least 15 rows, keeping the share of bad rows under the 10 % threshold
(except for the case that is meant to cross it).

Eligible deliveries are the regular, late and snapshot files that no realistic re-delivery or
correction refers to (changing those would change what the correction or duplicate means). Snapshot
files only get cases that keep them loadable, and never the first snapshot (the roster must load).

Besides, people type personal data into free text: some eligible survey and audit-answer files that carry
no other case get an e-mail address, a phone number or a card number written into a few comments (case
``free_text_pii``, expected ``accepted``: the row loads, with the personal data replaced). Their truth
records the text as delivered, each piece of personal data, and the text the warehouse must hold. They
are drawn from a random stream of their own, so they do not move the other cases of a seed.

Likewise some survey CSV files that carry no other case get one comment with a comma written without its
quotes (case ``unquoted_comma``, expected ``quarantined`` with rule ``malformed_line`` and no column: the
line has a field more than the header; the rest of the file loads), from a stream of their own too.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from service_quality.simulator import cases as c
from service_quality.simulator.files import HEADERS, JSON_INTEGERS, Delivery, gzip_bytes, relative_path, write_file

MIN_ROWS_FOR_ROW_DEFECT = 15
SNAPSHOT_SOURCES = frozenset({"stores", "employees", "assignments"})
#: required columns per source (DATA_CONTRACTS.md, `*`)
REQUIRED: dict[str, tuple[str, ...]] = {
    "stores": ("store_code", "store_name", "region", "city", "format", "timezone", "opened_on"),
    "employees": ("employee_code", "full_name", "badge_name", "hired_on", "is_customer_facing"),
    "assignments": ("employee_code", "store_code", "role", "valid_from", "fte"),
    "shifts": ("employee_code", "store_code", "work_date", "hours_worked"),
    "sales": (
        "transaction_id",
        "line_no",
        "store_code",
        "sold_at",
        "sku",
        "quantity",
        "unit_price",
        "discount_amount",
        "line_amount",
    ),
    "traffic": ("store_code", "hour_start", "visitors"),
    "surveys": ("response_id", "visited_at", "submitted_at", "store_code", "channel"),
    "audit_visits": (
        "visit_id",
        "agency",
        "shopper_code",
        "visited_at",
        "store_code",
        "scenario",
        "checklist_version",
        "status",
    ),
    "audit_answers": ("visit_id", "question_code", "answer"),
}

Row = dict[str, str]


@dataclass(frozen=True)
class RowDefect:
    """Change one cell of one row: in ``source``, ``column`` of a row where ``when`` holds."""

    source: str
    column: str
    when: Callable[[Row], bool]
    value: Callable[[Row, random.Random], str]
    expected: str
    rule: str | None
    #: the new value is a string even where JSON expects a number (the point of a type defect)
    raw_json: bool = False


def _always(_: Row) -> bool:
    return True


def _unparseable(ts: str) -> str:
    return f"{ts[:10]}T25:61:00{ts[-6:]}"


def _day_before(value: str) -> str:
    return (date.fromisoformat(value) - timedelta(days=1)).isoformat()


def _hour_before(value: str) -> str:
    return (datetime.fromisoformat(value) - timedelta(hours=1)).isoformat()


def _plus_rouble(value: str) -> str:
    kopecks = int(round(float(value) * 100)) + 100
    sign = "-" if kopecks < 0 else ""
    return f"{sign}{abs(kopecks) // 100}.{abs(kopecks) % 100:02d}"


Q, F, A = c.QUARANTINED, c.LOADED_FLAGGED, c.ACCEPTED
ROW_DEFECTS: dict[str, tuple[RowDefect, ...]] = {
    c.CASE_REQUIRED_NULL: (
        RowDefect("sales", "sku", _always, lambda r, g: "", Q, c.RULE_REQUIRED),
        RowDefect("shifts", "store_code", _always, lambda r, g: "", Q, c.RULE_REQUIRED),
        RowDefect("traffic", "visitors", _always, lambda r, g: "", Q, c.RULE_REQUIRED),
        RowDefect("surveys", "channel", _always, lambda r, g: "", Q, c.RULE_REQUIRED),
        RowDefect("audit_visits", "shopper_code", _always, lambda r, g: "", Q, c.RULE_REQUIRED),
        RowDefect("audit_answers", "answer", _always, lambda r, g: "", Q, c.RULE_REQUIRED),
    ),
    c.CASE_BAD_TYPE: (
        RowDefect("sales", "line_no", _always, lambda r, g: "первая", Q, c.RULE_TYPE),
        RowDefect("shifts", "hours_worked", _always, lambda r, g: r["hours_worked"].replace(".", ","), Q, c.RULE_TYPE),
        RowDefect(
            "shifts",
            "work_date",
            _always,
            lambda r, g: date.fromisoformat(r["work_date"]).strftime("%d.%m.%Y"),
            Q,
            c.RULE_TYPE,
        ),
        RowDefect("traffic", "visitors", _always, lambda r, g: "двенадцать", Q, c.RULE_TYPE),
        RowDefect("surveys", "nps", lambda r: r["nps"] != "", lambda r, g: "десять", Q, c.RULE_TYPE, raw_json=True),
        RowDefect("employees", "is_customer_facing", _always, lambda r, g: "да", Q, c.RULE_TYPE),
        RowDefect("assignments", "fte", _always, lambda r, g: "1/2", Q, c.RULE_TYPE),
    ),
    c.CASE_TIMESTAMP_UNPARSEABLE: (
        RowDefect("sales", "sold_at", _always, lambda r, g: _unparseable(r["sold_at"]), Q, c.RULE_TYPE),
        RowDefect("traffic", "hour_start", _always, lambda r, g: _unparseable(r["hour_start"]), Q, c.RULE_TYPE),
        RowDefect("surveys", "submitted_at", _always, lambda r, g: _unparseable(r["submitted_at"]), Q, c.RULE_TYPE),
        RowDefect("audit_visits", "visited_at", _always, lambda r, g: _unparseable(r["visited_at"]), Q, c.RULE_TYPE),
    ),
    c.CASE_TIMESTAMP_NO_OFFSET: (
        RowDefect("sales", "sold_at", _always, lambda r, g: r["sold_at"][:-6], Q, c.RULE_TIMESTAMP_OFFSET),
        RowDefect("traffic", "hour_start", _always, lambda r, g: r["hour_start"][:-6], Q, c.RULE_TIMESTAMP_OFFSET),
        RowDefect("surveys", "visited_at", _always, lambda r, g: r["visited_at"][:-6], Q, c.RULE_TIMESTAMP_OFFSET),
        RowDefect("audit_visits", "visited_at", _always, lambda r, g: r["visited_at"][:-6], Q, c.RULE_TIMESTAMP_OFFSET),
    ),
    c.CASE_OUT_OF_RANGE: (
        RowDefect("sales", "line_no", _always, lambda r, g: "0", Q, c.RULE_RANGE),
        RowDefect("traffic", "visitors", _always, lambda r, g: "-3", Q, c.RULE_RANGE),
        RowDefect(
            "traffic",
            "hour_start",
            _always,
            lambda r, g: r["hour_start"][:14] + "30" + r["hour_start"][16:],
            Q,
            c.RULE_RANGE,
        ),
        RowDefect("shifts", "hours_worked", _always, lambda r, g: "25.50", Q, c.RULE_RANGE),
        RowDefect("surveys", "nps", lambda r: r["nps"] != "", lambda r, g: "11", Q, c.RULE_RANGE),
        RowDefect("surveys", "csat", lambda r: r["csat"] != "", lambda r, g: "7", Q, c.RULE_RANGE),
        RowDefect("assignments", "fte", _always, lambda r, g: "1.5", Q, c.RULE_RANGE),
    ),
    c.CASE_UNKNOWN_ENUM: (
        RowDefect("surveys", "channel", _always, lambda r, g: "telegram", Q, c.RULE_ENUM),
        RowDefect("audit_visits", "status", _always, lambda r, g: "pending", Q, c.RULE_ENUM),
        RowDefect(
            "audit_visits", "scenario", lambda r: r["scenario"] == "service", lambda r, g: "phone_call", Q, c.RULE_ENUM
        ),
        RowDefect("audit_answers", "answer", _always, lambda r, g: "maybe", Q, c.RULE_ENUM),
        RowDefect("assignments", "role", _always, lambda r, g: "courier", Q, c.RULE_ENUM),
        RowDefect("stores", "format", _always, lambda r, g: "kiosk", Q, c.RULE_ENUM),
    ),
    c.CASE_BAD_PATTERN: (
        RowDefect("employees", "employee_code", _always, lambda r, g: r["employee_code"].lower(), Q, c.RULE_PATTERN),
    ),
    c.CASE_ARITHMETIC: (
        RowDefect("sales", "line_amount", _always, lambda r, g: _plus_rouble(r["line_amount"]), Q, c.RULE_ARITHMETIC),
    ),
    c.CASE_ORDER: (
        RowDefect("surveys", "submitted_at", _always, lambda r, g: _hour_before(r["visited_at"]), Q, c.RULE_ORDER),
        RowDefect("employees", "terminated_on", _always, lambda r, g: _day_before(r["hired_on"]), Q, c.RULE_ORDER),
        RowDefect("assignments", "valid_to", _always, lambda r, g: _day_before(r["valid_from"]), Q, c.RULE_ORDER),
        RowDefect("stores", "closed_on", _always, lambda r, g: _day_before(r["opened_on"]), Q, c.RULE_ORDER),
    ),
    c.CASE_NO_SCORE: (RowDefect("surveys", "nps", _always, lambda r, g: "", Q, c.RULE_ONE_OF_REQUIRED),),
    c.CASE_BRAND_MISSING: (
        RowDefect(
            "audit_visits",
            "brand",
            lambda r: r["scenario"] == "product_knowledge",
            lambda r, g: "",
            Q,
            c.RULE_CONDITIONAL_REQUIRED,
        ),
    ),
    c.CASE_ORPHAN_STORE: tuple(
        RowDefect(s, "store_code", _always, lambda r, g: c.ORPHAN_STORE_CODE, F, c.FLAG_UNKNOWN_STORE)
        for s in ("sales", "shifts", "traffic", "surveys", "audit_visits")
    ),
    c.CASE_ORPHAN_EMPLOYEE: tuple(
        RowDefect(
            s,
            "employee_code",
            lambda r: r["employee_code"] != "",
            lambda r, g: c.ORPHAN_EMPLOYEE_CODE,
            F,
            c.FLAG_UNKNOWN_EMPLOYEE,
        )
        for s in ("sales", "shifts", "surveys", "audit_visits")
    ),
}


def _decided(r: Row) -> bool:
    return r["decision"] != "" and r["decided_at"] != ""


#: Row defects of the appeals exports (``inject_appeal_defects``), one per case kind of ``cases.APPEAL_CASES``.
APPEAL_ROW_DEFECTS: dict[str, RowDefect] = {
    c.CASE_REQUIRED_NULL: RowDefect("appeals", "reason", _always, lambda r, g: "", Q, c.RULE_REQUIRED),
    c.CASE_UNKNOWN_ENUM: RowDefect("appeals", "category", _always, lambda r, g: "complaint", Q, c.RULE_ENUM),
    c.CASE_TIMESTAMP_NO_OFFSET: RowDefect(
        "appeals", "filed_at", _always, lambda r, g: r["filed_at"][:-6], Q, c.RULE_TIMESTAMP_OFFSET
    ),
    c.CASE_ORDER: RowDefect(
        "appeals", "decided_at", _decided, lambda r, g: _hour_before(r["filed_at"]), Q, c.RULE_ORDER
    ),
    c.CASE_DECISION_UNDATED: RowDefect(
        "appeals", "decided_at", _decided, lambda r, g: "", Q, c.RULE_CONDITIONAL_REQUIRED
    ),
    c.CASE_CORRECTION_MISSING: RowDefect(
        "appeals",
        "corrected_answer",
        lambda r: r["decision"] == "overturned" and r["question_code"] != "" and r["corrected_answer"] != "",
        lambda r, g: "",
        Q,
        c.RULE_CONDITIONAL_REQUIRED,
    ),
}

#: duplicate key within a file: the appended row is a newer version of an earlier one
DUPLICATE_CHANGE: dict[str, tuple[str, Callable[[Row], str]]] = {
    "traffic": ("visitors", lambda r: str(int(r["visitors"]) + 1)),
    "shifts": ("hours_worked", lambda r: f"{min(24.0, float(r['hours_worked']) + 0.25):.2f}"),
    "audit_answers": ("comment", lambda r: "Уточнено агентством"),
    "surveys": ("comment", lambda r: "Дополнение к отзыву"),
}

REJECTIONS = {
    c.CASE_ENCODING: c.REASON_ENCODING,
    c.CASE_SEMICOLON: c.REASON_MISSING_COLUMN,
    c.CASE_MISSING_COLUMN: c.REASON_MISSING_COLUMN,
    c.CASE_EMPTY_FILE: c.REASON_EMPTY_FILE,
    c.CASE_TRUNCATED_GZIP: c.REASON_UNREADABLE,
    c.CASE_HEADER_ONLY: c.REASON_NO_ROWS,
    c.CASE_TOO_MANY_BAD_ROWS: c.REASON_TOO_MANY_BAD_ROWS,
}
ACCEPTED_FILE_CASES = (c.CASE_BOM, c.CASE_COLUMN_ORDER, c.CASE_COLUMN_CASE, c.CASE_EXTRA_COLUMN, c.CASE_REDELIVERY)
EXTRA_COLUMN = "source_system"
#: two empty (or two header-only) files of a source have the same bytes: the second would be a duplicate
#: of the first, not a rejection of its own, so these cases are injected once per source
ONCE_PER_SOURCE = frozenset({c.CASE_EMPTY_FILE, c.CASE_HEADER_ONLY})


class _File:
    """A delivery's content, decoded for editing and encoded back the way the generator wrote it."""

    def __init__(self, landing: Path, delivery: Delivery) -> None:
        self.landing = landing
        self.delivery = delivery
        raw = (landing / delivery.file).read_bytes()
        self.raw = raw
        text = (gzip.decompress(raw) if delivery.format == "csv.gz" else raw).decode("utf-8")
        self.header = list(HEADERS[delivery.source])
        self.json_raw: set[tuple[int, str]] = set()
        self.extra: tuple[str, str] | None = None
        if delivery.format == "jsonl":
            self.rows = []
            for line in text.splitlines():
                obj = json.loads(line)
                self.rows.append({h: "" if obj.get(h) is None else str(obj[h]) for h in self.header})
        else:
            reader = csv.reader(io.StringIO(text))
            self.header = next(reader)
            self.rows = [dict(zip(self.header, row, strict=True)) for row in reader]

    def text(self, header: list[str] | None = None, delimiter: str = ",", header_names: list[str] | None = None) -> str:
        header = header or self.header
        if self.delivery.format == "jsonl":
            lines = []
            for i, row in enumerate(self.rows):
                obj: dict[str, object] = {}
                for h in header:
                    v = row[h]
                    if v == "":
                        obj[h] = None
                    elif h in JSON_INTEGERS and (i, h) not in self.json_raw:
                        obj[h] = int(v)
                    else:
                        obj[h] = v
                if self.extra:
                    obj[self.extra[0]] = self.extra[1]
                lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
            return "".join(line + "\n" for line in lines)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", delimiter=delimiter)
        names = header_names or header
        writer.writerow([*names, self.extra[0]] if self.extra else names)
        for row in self.rows:
            values = [row[h] for h in header]
            writer.writerow([*values, self.extra[1]] if self.extra else values)
        return buffer.getvalue()

    def save(self, data: bytes) -> None:
        if self.delivery.format == "csv.gz":
            data = gzip_bytes(data)
        write_file(self.landing, self.delivery.file, data, self.delivery.arrived_at)

    def save_raw(self, data: bytes) -> None:
        write_file(self.landing, self.delivery.file, data, self.delivery.arrived_at)


def _case(d: Delivery, kind: str, expected: str, **fields: object) -> dict[str, object]:
    record: dict[str, object] = {
        "source": d.source,
        "file": d.file,
        "row": None,
        "case": kind,
        "column": None,
        "expected": expected,
        "rule": None,
        "reason": None,
    }
    record.update(fields)
    return record


def _has_non_ascii(landing: Path, d: Delivery) -> bool:
    return any(b > 127 for b in (landing / d.file).read_bytes())


def _applicable(kind: str, d: Delivery, landing: Path, first_snapshot: str) -> bool:
    snapshot = d.source in SNAPSHOT_SOURCES
    if kind in ROW_DEFECTS:
        specs = [s for s in ROW_DEFECTS[kind] if s.source == d.source]
        if not specs or (snapshot and d.business_date == first_snapshot):
            return False
        needs = MIN_ROWS_FOR_ROW_DEFECT if specs[0].expected == c.QUARANTINED else 2
        return d.rows >= needs
    if kind == c.CASE_DUPLICATE_KEY:
        return d.source in DUPLICATE_CHANGE and d.format == "csv" and d.rows >= 2
    csv_like = d.format in ("csv", "csv.gz")
    if kind in (c.CASE_BOM, c.CASE_COLUMN_ORDER, c.CASE_COLUMN_CASE):
        return csv_like and d.rows >= 1
    if kind in (c.CASE_EXTRA_COLUMN, c.CASE_REDELIVERY):
        return d.rows >= 1
    if snapshot:
        return False  # a rejected roster would hide a month of joiners: keep the snapshots loadable
    if kind == c.CASE_ENCODING:
        return d.format == "csv" and _has_non_ascii(landing, d)
    if kind in (c.CASE_SEMICOLON, c.CASE_HEADER_ONLY):
        return d.format == "csv" and d.rows >= 1
    if kind == c.CASE_MISSING_COLUMN:
        return csv_like
    if kind == c.CASE_EMPTY_FILE:
        return d.format in ("csv", "jsonl")
    if kind == c.CASE_TRUNCATED_GZIP:
        return d.format == "csv.gz" and (landing / d.file).stat().st_size > 200
    if kind == c.CASE_TOO_MANY_BAD_ROWS:
        return d.source in ("traffic", "shifts") and d.format == "csv" and d.rows >= 10
    return False


def _apply(kind: str, d: Delivery, landing: Path, rng: random.Random) -> tuple[list[dict], list[Delivery]]:
    """Change the delivery's file for ``kind``; return its case records and any new deliveries."""
    if kind == c.CASE_REDELIVERY:
        again = d.arrived_at + rng.randint(1, 4) * 86400 + rng.randint(0, 3600)
        name = d.file.rsplit("/", 1)[1]
        stem, dot, ext = name.partition(".")
        rel = relative_path(d.source, again, f"{stem}_redelivered{dot}{ext}")
        write_file(landing, rel, (landing / d.file).read_bytes(), again)
        copy = Delivery(d.source, rel, again, "duplicate", d.business_date, d.rows, d.format, duplicate_of=d.file)
        record = _case(
            copy, kind, c.ACCEPTED, duplicate_of=d.file, detail="same bytes as an earlier delivery: loaded once"
        )
        return [record], [copy]
    if kind == c.CASE_EMPTY_FILE:
        write_file(landing, d.file, b"", d.arrived_at)
        d.rows = 0
        return [_case(d, kind, c.REJECTED, reason=c.REASON_EMPTY_FILE)], []
    if kind == c.CASE_TRUNCATED_GZIP:
        raw = (landing / d.file).read_bytes()
        write_file(landing, d.file, raw[: len(raw) * 2 // 3], d.arrived_at)
        return [_case(d, kind, c.REJECTED, reason=c.REASON_UNREADABLE, detail="gzip stream cut at two thirds")], []

    f = _File(landing, d)
    if kind == c.CASE_BOM:
        f.save(b"\xef\xbb\xbf" + f.text().encode("utf-8"))
        return [_case(d, kind, c.ACCEPTED)], []
    if kind == c.CASE_COLUMN_ORDER:
        shift = rng.randrange(1, len(f.header))
        order = f.header[shift:] + f.header[:shift]
        f.save(f.text(header=order).encode("utf-8"))
        return [_case(d, kind, c.ACCEPTED, detail="columns: " + ",".join(order))], []
    if kind == c.CASE_COLUMN_CASE:
        shown = [h.upper() for h in f.header]
        shown[0] = f" {f.header[0].title()} "
        f.save(f.text(header_names=shown).encode("utf-8"))
        return [_case(d, kind, c.ACCEPTED, detail="header: " + ",".join(shown))], []
    if kind == c.CASE_EXTRA_COLUMN:
        f.extra = (EXTRA_COLUMN, "pos-export-2")
        f.save(f.text().encode("utf-8"))
        return [_case(d, kind, c.ACCEPTED, column=EXTRA_COLUMN, detail="an unknown column: kept aside in _extra")], []
    if kind == c.CASE_ENCODING:
        data = f.text().encode("cp1251", errors="replace")
        try:
            data.decode("utf-8")
            return [], []  # no Cyrillic that cp1251 would make invalid UTF-8: not a defect here
        except UnicodeDecodeError:
            pass
        f.save(data)
        return [_case(d, kind, c.REJECTED, reason=c.REASON_ENCODING, detail="encoded as cp1251, not UTF-8")], []
    if kind == c.CASE_SEMICOLON:
        f.save(f.text(delimiter=";").encode("utf-8"))
        detail = "semicolon delimiter: the header parses as one unknown column, so every required column is missing"
        return [_case(d, kind, c.REJECTED, reason=c.REASON_MISSING_COLUMN, detail=detail)], []
    if kind == c.CASE_MISSING_COLUMN:
        column = rng.choice(REQUIRED[d.source])
        f.save(f.text(header=[h for h in f.header if h != column]).encode("utf-8"))
        return [_case(d, kind, c.REJECTED, reason=c.REASON_MISSING_COLUMN, column=column)], []
    if kind == c.CASE_HEADER_ONLY:
        f.rows = []
        f.save(f.text().encode("utf-8"))
        d.rows = 0
        return [_case(d, kind, c.REJECTED, reason=c.REASON_NO_ROWS)], []
    if kind == c.CASE_TOO_MANY_BAD_ROWS:
        column, value = ("visitors", "-1") if d.source == "traffic" else ("hours_worked", "0")
        bad = sorted(rng.sample(range(len(f.rows)), math.ceil(len(f.rows) * 0.3)))
        for i in bad:
            f.rows[i][column] = value
        f.save(f.text().encode("utf-8"))
        detail = f"{len(bad)} of {len(f.rows)} rows break rule range (share above the 10 % threshold)"
        record = _case(d, kind, c.REJECTED, reason=c.REASON_TOO_MANY_BAD_ROWS, column=column, detail=detail)
        record["bad_rows"] = [i + 1 for i in bad]
        return [record], []
    if kind == c.CASE_DUPLICATE_KEY:
        column, change = DUPLICATE_CHANGE[d.source]
        i = rng.randrange(len(f.rows))
        newer = dict(f.rows[i])
        newer[column] = change(newer)
        f.rows.append(newer)
        f.save(f.text().encode("utf-8"))
        d.rows += 1
        record = _case(
            d,
            kind,
            c.ACCEPTED,
            row=len(f.rows),
            column=column,
            value=newer[column],
            superseded_row=i + 1,
            detail="the key repeats within the file; the later row wins",
        )
        return [record], []
    specs = [s for s in ROW_DEFECTS[kind] if s.source == d.source]
    spec = rng.choice(specs)
    candidates = [i for i, row in enumerate(f.rows) if spec.when(row)]
    if not candidates:
        return [], []
    i = rng.choice(candidates)
    old = f.rows[i][spec.column]
    new = spec.value(f.rows[i], rng)
    f.rows[i][spec.column] = new
    if spec.raw_json:
        f.json_raw.add((i, spec.column))
    if kind == c.CASE_NO_SCORE:
        f.rows[i]["csat"] = ""
    f.save(f.text().encode("utf-8"))
    rule_field = {"rule": spec.rule}
    return [_case(d, kind, spec.expected, row=i + 1, column=spec.column, value=new, original=old, **rule_field)], []


# ---- personal data in free text ------------------------------------------------------------------------

#: The free-text column of each source that has one (DATA_CONTRACTS.md, "Free text").
FREE_TEXT: dict[str, str] = {"surveys": "comment", "audit_answers": "comment", "appeals": "reason"}
#: (kind, language, sentence): ``{pii}`` is the personal data, ``{order}`` and ``{date}`` look-alikes that must
#: stay as written.
PII_SENTENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "surveys": (
        ("phone", "ru", "Перезвоните мне: {pii}"),
        ("phone", "ru", "Мой телефон {pii}, заказ № {order} от {date}"),
        ("phone", "en", "Call me back at {pii} about order {order}"),
        ("email", "ru", "Чек пришлите на {pii}, пожалуйста"),
        ("email", "en", "Send the receipt to {pii}"),
        ("card", "ru", "Оплатил картой {pii} {date}, списали дважды"),
        ("card", "en", "Charged twice on card {pii}"),
    ),
    "audit_answers": (
        ("phone", "ru", "Сотрудник дал личный номер {pii} вместо номера магазина"),
        ("email", "ru", "Консультант предложил прислать предложение на {pii}"),
        ("card", "ru", "На копии чека виден номер карты {pii}"),
    ),
    "appeals": (
        ("phone", "ru", "Прошу перезвонить по результату: {pii}"),
        ("email", "ru", "Ответ прошу направить на {pii}"),
        ("phone", "en", "Please call me back at {pii}"),
    ),
}
_PHONE_FORMS = (
    "+7 {a} {b}-{c}-{d}",
    "+7 ({a}) {b}-{c}-{d}",
    "+7{a}{b}{c}{d}",
    "8 ({a}) {b}{c}{d}",
    "8 {a} {b} {c} {d}",
    "8-{a}-{b}-{c}-{d}",
    "8{a}{b}{c}{d}",
    "({a}) {b}-{c}-{d}",
)
_INTL_PHONES = ("+1 415 555 {n:04d}", "+44 20 7946 {n:04d}", "+375 29 {n:03d}-45-67")
_MAILBOXES = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "example.com")
_CARD_PREFIXES = ("2200", "2202", "4276", "4279", "5469", "5536")


def _luhn_completed(digits: str) -> str:
    """``digits`` and the check digit that makes them pass the Luhn test."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (1 if i % 2 else 2)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


def _pii(kind: str, rng: random.Random) -> str:
    if kind == "phone":
        if rng.random() < 0.2:
            return rng.choice(_INTL_PHONES).format(n=rng.randrange(100, 1000))
        code = rng.choice(("916", "903", "985", "926", "495", "812"))
        return rng.choice(_PHONE_FORMS).format(
            a=code, b=f"{rng.randrange(100, 1000)}", c=f"{rng.randrange(100):02d}", d=f"{rng.randrange(100):02d}"
        )
    if kind == "email":
        user = rng.choice(("ivan.petrov", "anna_s", "client", "olga.ivanova", "m.sidorova", "john.smith"))
        return f"{user}{rng.randrange(1, 1000)}@{rng.choice(_MAILBOXES)}"
    number = _luhn_completed(rng.choice(_CARD_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(11)))
    separator = rng.choice((" ", "-", ""))
    return separator.join(number[i : i + 4] for i in range(0, 16, 4))


def _pii_cases(d: Delivery, landing: Path, rng: random.Random) -> list[dict]:
    """Write personal data into one to three comments of ``d``; one truth record per comment."""
    f = _File(landing, d)
    column = FREE_TEXT[d.source]
    records = []
    for i in sorted(rng.sample(range(len(f.rows)), min(len(f.rows), rng.randint(1, 3)))):
        kind, language, sentence = rng.choice(PII_SENTENCES[d.source])
        pii = _pii(kind, rng)
        order, day = f"{rng.randrange(10**6, 10**7)}", f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}.2025"
        written = sentence.format(pii=pii, order=order, date=day)
        stored = sentence.format(pii=f"[{kind}]", order=order, date=day)
        original = f.rows[i][column]
        if original:
            written, stored = f"{original} {written}", f"{original} {stored}"
        elif "language" in f.rows[i]:
            f.rows[i]["language"] = language
        f.rows[i][column] = written
        records.append(
            _case(
                d,
                c.CASE_FREE_TEXT_PII,
                c.ACCEPTED,
                row=i + 1,
                column=column,
                value=written,
                original=original,
                pii=[{"kind": kind, "text": pii}],
                scrubbed=stored,
                detail=f"a {kind} typed into the {column}: stored as [{kind}]",
            )
        )
    f.save(f.text().encode("utf-8"))
    return records


def inject_free_text_pii(
    landing: Path, eligible: list[Delivery], taken: set[str], rate: float, seed: int
) -> list[dict]:
    """Personal data in the comments of some eligible deliveries that carry no other case: each with
    probability ``rate``, and at least one per source that has free text."""
    rng = random.Random(f"{seed}|free_text_pii")
    candidates = [d for d in eligible if d.source in FREE_TEXT and d.file not in taken and d.rows >= 1]
    chosen = {d.file for d in candidates if rng.random() < rate}
    for source in FREE_TEXT:
        of_source = [d for d in candidates if d.source == source]
        if of_source and not any(d.file in chosen for d in of_source):
            chosen.add(rng.choice(of_source).file)
    records: list[dict] = []
    for d in candidates:
        if d.file in chosen:
            records.extend(_pii_cases(d, landing, rng))
    return records


# ---- malformed lines ------------------------------------------------------------------------------------

#: Comments with a comma, written without the quotes CSV needs: the line gets a field too many.
UNQUOTED_COMMENTS = (
    "Быстро, вежливо",
    "Всё хорошо, спасибо",
    "Долго ждал, но помогли",
    "Friendly staff, quick checkout",
)


def inject_malformed_lines(
    landing: Path, eligible: list[Delivery], taken: set[str], rate: float, seed: int
) -> list[dict]:
    """One line with an unquoted comma in the comment of some survey CSV files that carry no other case: each
    with probability ``rate``, and at least one. The line is a row error (``malformed_line``), so only files
    with enough rows to keep it under the bad-row threshold are chosen."""
    rng = random.Random(f"{seed}|malformed_line")
    candidates = [
        d
        for d in eligible
        if d.source == "surveys"
        and d.format in ("csv", "csv.gz")
        and d.file not in taken
        and d.rows >= MIN_ROWS_FOR_ROW_DEFECT
    ]
    chosen = {d.file for d in candidates if rng.random() < rate}
    if candidates and not chosen:
        chosen.add(rng.choice(candidates).file)
    return [_malformed_line(d, landing, rng) for d in candidates if d.file in chosen]


def _malformed_line(d: Delivery, landing: Path, rng: random.Random) -> dict:
    f = _File(landing, d)
    i = rng.randrange(len(f.rows))
    comment = rng.choice(UNQUOTED_COMMENTS)
    f.rows[i]["comment"] = "\x00"  # written by csv, then replaced by the comment without its quotes
    lines = f.text().split("\n")
    assert len(lines) == len(f.rows) + 2, "a simulated survey line holds no line break"
    lines[i + 1] = lines[i + 1].replace("\x00", comment)
    f.save("\n".join(lines).encode("utf-8"))
    return _case(
        d,
        c.CASE_MALFORMED_LINE,
        c.QUARANTINED,
        row=i + 1,
        rule=c.RULE_MALFORMED_LINE,
        value=lines[i + 1],
        detail="a comment with a comma and no quotes: the line has a field more than the header",
    )


def inject_appeal_defects(landing: Path, exports: list[Delivery], rate: float, seed: int) -> list[dict]:
    """Row cases in the appeals exports, from a stream of their own (they move no other case of a seed).

    The exports repeat an appeal while it is in their 28-day window (exports that repeat another's bytes are left
    alone), so a row that has an identical version in a
    later export can be broken without changing what the warehouse ends up holding of that appeal (the later
    version wins): only such rows are broken, only in exports of at least 15 rows (so never in the last export,
    which no later one backs). Each kind of
    ``cases.APPEAL_CASES`` at least once when an export can carry it, then each export with probability ``rate``.
    Besides, personal data is typed into the ``reason`` of a few rows of one export that carries no other case.
    """
    if rate <= 0 or len(exports) < 2:
        return []
    rng = random.Random(f"{seed}|appeal_defects")
    # an export that repeats another's bytes is not loaded, and changing either would undo the repeat
    repeated = {d.duplicate_of for d in exports if d.duplicate_of}
    ordered = sorted(
        (d for d in exports if not d.duplicate_of and d.file not in repeated), key=lambda d: (d.arrived_at, d.file)
    )
    if len(ordered) < 2:
        return []
    contents = [_File(landing, d) for d in ordered]
    keys = [[tuple(row.values()) for row in f.rows] for f in contents]
    candidates = [i for i, d in enumerate(ordered[:-1]) if d.rows >= MIN_ROWS_FOR_ROW_DEFECT]
    plan: dict[int, str] = {}

    def backed_rows(i: int, spec: RowDefect) -> list[int]:
        later = {k for j in range(i + 1, len(ordered)) if j not in plan for k in keys[j]}
        return [r for r, row in enumerate(contents[i].rows) if spec.when(row) and keys[i][r] in later]

    for kind in c.APPEAL_CASES:
        usable = [i for i in candidates if i not in plan and backed_rows(i, APPEAL_ROW_DEFECTS[kind])]
        if usable:
            plan[rng.choice(usable)] = kind
    for i in candidates:
        if i in plan or rng.random() >= rate:
            continue
        kinds = [k for k in c.APPEAL_CASES if backed_rows(i, APPEAL_ROW_DEFECTS[k])]
        if kinds:
            plan[i] = rng.choice(kinds)
    records: list[dict] = []
    for i in sorted(plan):
        spec = APPEAL_ROW_DEFECTS[plan[i]]
        rows = backed_rows(i, spec)  # backed by exports that carry no case themselves
        if not rows:
            continue
        f, r = contents[i], rng.choice(rows)
        old = f.rows[r][spec.column]
        new = spec.value(f.rows[r], rng)
        f.rows[r][spec.column] = new
        f.save(f.text().encode("utf-8"))
        records.append(
            _case(
                ordered[i],
                plan[i],
                spec.expected,
                row=r + 1,
                column=spec.column,
                value=new,
                original=old,
                rule=spec.rule,
                appeal_id=f.rows[r]["appeal_id"],
                detail="an earlier version of an appeal that a later export delivers again unchanged",
            )
        )
    broken = {str(r["appeal_id"]) for r in records}  # their later, unchanged versions stay unchanged
    free = [
        d
        for i, d in enumerate(ordered)
        if i not in plan and d.rows >= 1 and not broken & {row["appeal_id"] for row in contents[i].rows}
    ]
    if free:
        records.extend(_pii_cases(rng.choice(free), landing, rng))
    return records


def inject(landing: Path, deliveries: list[Delivery], rate: float, seed: int) -> tuple[list[dict], list[Delivery]]:
    """Inject cases into the written landing zone; return (case records, extra deliveries)."""
    if rate <= 0:
        return [], []
    rng = random.Random(f"{seed}|defects")
    referenced = {d.duplicate_of for d in deliveries if d.duplicate_of} | {d.corrects for d in deliveries if d.corrects}
    eligible = sorted(
        (
            d
            for d in deliveries
            if d.kind in ("regular", "late", "snapshot") and not d.duplicate_of and d.file not in referenced
        ),
        key=lambda d: d.file,
    )
    first_snapshot = min((d.business_date for d in deliveries if d.kind == "snapshot"), default="")
    plan: dict[str, str] = {}  # file -> case kind
    once: set[tuple[str, str]] = set()  # (kind, source) of the cases whose files would be byte-identical

    def possible(kind: str, d: Delivery) -> bool:
        if d.file in plan or (kind in ONCE_PER_SOURCE and (kind, d.source) in once):
            return False
        return _applicable(kind, d, landing, first_snapshot)

    def choose(kind: str, d: Delivery) -> None:
        plan[d.file] = kind
        if kind in ONCE_PER_SOURCE:
            once.add((kind, d.source))

    for kind in c.ALL_CASES:  # every kind at least once
        candidates = [d for d in eligible if possible(kind, d)]
        if candidates:
            choose(kind, rng.choice(candidates))
    for d in eligible:  # and then the requested share
        if d.file in plan or rng.random() >= rate:
            continue
        kinds = [k for k in c.ALL_CASES if possible(k, d)]
        if kinds:
            choose(rng.choice(kinds), d)
    by_file = {d.file: d for d in eligible}
    records: list[dict] = []
    extra: list[Delivery] = []
    for file in sorted(plan):
        new_records, new_deliveries = _apply(plan[file], by_file[file], landing, rng)
        records.extend(new_records)
        extra.extend(new_deliveries)
    records.extend(inject_free_text_pii(landing, eligible, set(plan), rate, seed))
    taken = set(plan) | {str(r["file"]) for r in records}
    records.extend(inject_malformed_lines(landing, eligible, taken, rate, seed))
    records.sort(key=lambda r: (str(r["file"]), r["row"] or 0))
    return records, extra
