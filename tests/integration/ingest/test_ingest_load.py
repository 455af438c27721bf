"""Loading deliveries into a real PostgreSQL: routing, rejection, dedupe, corrections, PII, reconciliation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ingest_helpers import SALES_HEADER, SURVEY_HEADER, query, sales_line

from service_quality.ingest.deliveries import ingest_source
from service_quality.ingest.errors import PiiKeyMissing

pytestmark = pytest.mark.integration


def _deliveries(dsn):
    return query(
        dsn,
        "select path, status, rows_read, rows_loaded, rows_quarantined, rejection_reason, rejection_column,"
        " rejection_message, duplicate_of from ops.deliveries order by delivery_id",
    )


def test_each_row_rule_goes_to_quarantine_with_its_name_and_gx_agrees(warehouse, landing_zone, gx_settings):
    gx_settings.bad_row_threshold = 0.9
    good = [sales_line(f"T{i}") for i in range(20)]
    bad = [
        sales_line("B1", sold_at="2025-01-02T10:00:00"),  # timestamp_offset
        sales_line("B2", qty="two"),  # type
        sales_line("B3", sold_at="2025-02-30T10:00:00+00:00"),  # type (no such day)
        sales_line("B4", amount="25.00"),  # arithmetic
        sales_line("B5", line=0),  # range
        sales_line("B6", sku=""),  # required
        sales_line("B7", price="-1", amount="-3.00"),  # range (unit_price >= 0)
    ]
    landing_zone.write("sales/2025/01/02/sales.csv", "\n".join([SALES_HEADER, *good, *bad]) + "\n")
    [result] = ingest_source("sales", gx_settings.landing_root, warehouse, gx_settings)

    assert result["status"] == "loaded"
    assert (result["rows_read"], result["rows_loaded"], result["rows_quarantined"]) == (27, 20, 7)
    rules = query(warehouse, "select row_number, column_name, rule, value, message from quarantine.sales order by 1, 2")
    assert [(r[0], r[1], r[2]) for r in rules] == [
        (21, "sold_at", "timestamp_offset"),
        (22, "quantity", "type"),
        (23, "sold_at", "type"),
        (24, "line_amount", "arithmetic"),
        (25, "line_no", "range"),
        (26, "sku", "required"),
        (27, "unit_price", "range"),
    ]
    assert rules[1][3] == "two" and "sales/2025/01/02/sales.csv row 22" in rules[1][4]
    # the whole row as delivered is kept
    record = query(warehouse, "select record from quarantine.sales where row_number = 22")[0][0]
    assert record["quantity"] == "two" and record["transaction_id"] == "B2"
    # typed raw rows with lineage
    row = query(
        warehouse,
        "select quantity, unit_price, sold_at at time zone 'UTC', _row_number, _arrived_at, _extra"
        " from raw.sales where transaction_id = 'T3'",
    )[0]
    assert row[0] == 2 and str(row[1]) == "10.00" and str(row[2]) == "2025-01-02 07:00:00" and row[3] == 4
    assert row[5] is None
    # GX validated the same delivery, agreed with SQL, and its result is stored and rendered
    stored = query(
        warehouse,
        "select success, rows_checked, rows_unexpected, data_docs_uri, result from ops.validation_results",
    )
    assert len(stored) == 1
    success, rows_checked, rows_unexpected, docs_uri, gx_result = stored[0]
    assert success is False and rows_checked == 27 and rows_unexpected == 7
    page = Path(docs_uri.removeprefix("file://"))
    assert page.exists() and "quantity" in page.read_text()
    assert (Path(gx_settings.data_docs_root) / "index.html").read_text().count("sales.csv") == 1
    by_column = {r["expectation_config"]["kwargs"].get("column"): r for r in gx_result["results"]}
    arithmetic = by_column["line_amount__arithmetic"]
    assert arithmetic["success"] is False and arithmetic["result"]["unexpected_count"] == 1
    assert arithmetic["expectation_config"]["meta"] == {"column": "line_amount", "rule": "arithmetic"}


def test_the_data_docs_page_works_offline_and_names_the_delivery_and_the_run(warehouse, landing_zone, gx_settings):
    """No stylesheet or script from another host; the vendored Bootstrap and jQuery are beside the pages; the
    batch is named after the source and the delivery, the run after the DAG run that loaded it."""
    import re

    from service_quality.ingest.deliveries import find_new_deliveries, load_batch

    landing_zone.write("sales/2025/01/02/sales.csv", "\n".join([SALES_HEADER, sales_line("T1")]) + "\n")
    batch = find_new_deliveries("sales", gx_settings.landing_root, warehouse)
    load_batch("sales", batch, warehouse, gx_settings, dag_id="ingest_sales", run_id="manual__2025-01-02")
    [[docs_uri]] = query(warehouse, "select data_docs_uri from ops.validation_results")
    page = Path(docs_uri.removeprefix("file://"))
    text = page.read_text()
    external = re.findall(r"<(?:link|script)[^>]*(?:href|src)=[\"'](https?://[^\"']+)", text)
    assert external == [], external
    for asset in ("bootstrap.min.css", "jquery.min.js", "bootstrap.bundle.min.js"):
        assert f"../../static/{asset}" in text
        served = (page.parent / "../../static" / asset).resolve()
        assert served.stat().st_size > 50_000, asset
    assert "sales: sales/2025/01/02/sales.csv" in text and "_scratch_" not in text
    assert "manual__2025-01-02" in text and "__none__" not in text
    index = (Path(gx_settings.data_docs_root) / "index.html").read_text()
    assert "static/bootstrap.min.css" in index and "manual__2025-01-02" in index and "/service-quality/ops/" in index


@pytest.mark.parametrize(
    ("name", "content", "gz", "reason", "column"),
    [
        (
            "missing.csv",
            SALES_HEADER.replace(",sku", "") + "\nT1,1,S-001,E-001,2025-01-02T10:00:00+03:00,A,c,1,1,0,1\n",
            False,
            "missing_column",
            "sku",
        ),
        (
            "cp1251.csv",
            (SALES_HEADER + "\n" + sales_line("T1").replace("Acme", "Тест")).encode("cp1251"),
            False,
            "encoding",
            None,
        ),
        ("empty.csv", b"", False, "empty_file", None),
        ("header.csv", SALES_HEADER + "\n", False, "no_rows", None),
        (
            "semicolon.csv",
            SALES_HEADER.replace(",", ";") + "\n" + sales_line("T1").replace(",", ";") + "\n",
            False,
            "missing_column",
            "transaction_id",
        ),
        # its only line is malformed: a row error, and 1 of 1 rows is above the threshold
        ("ragged.csv", SALES_HEADER + "\nT1,1,S-001\n", False, "too_many_bad_rows", None),
    ],
)
def test_rejected_deliveries_load_nothing_and_say_why(
    warehouse, landing_zone, settings, name, content, gz, reason, column
):
    landing_zone.write(f"sales/2025/01/03/{name}", content, gz=gz)
    [result] = ingest_source("sales", settings.landing_root, warehouse, settings)
    assert result["status"] == "rejected"
    assert result["rejection_reason"] == reason
    assert result["rejection_column"] == column
    assert f"sales/2025/01/03/{name}" in result["message"]
    if column:
        assert column in result["message"]
    assert query(warehouse, "select count(*) from raw.sales") == [(0,)]
    assert query(warehouse, "select count(*) from quarantine.sales") == [(0,)]
    # the rejected file stays in the archive
    archived = query(warehouse, "select archive_uri from ops.deliveries")[0][0]
    assert Path(archived).exists()


def test_truncated_gzip_is_unreadable(warehouse, landing_zone, settings):
    body = SALES_HEADER + "\n" + "\n".join(sales_line(f"T{i}") for i in range(2000)) + "\n"
    path = landing_zone.write("sales/2025/01/04/big.csv.gz", body, gz=True)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    [result] = ingest_source("sales", settings.landing_root, warehouse, settings)
    assert (result["status"], result["rejection_reason"]) == ("rejected", "unreadable")
    assert query(warehouse, "select count(*) from raw.sales") == [(0,)]


def test_too_many_bad_rows_rejects_the_delivery(warehouse, landing_zone, settings):
    rows = [sales_line(f"T{i}") for i in range(8)] + [sales_line(f"B{i}", qty="x") for i in range(2)]
    landing_zone.write("sales/2025/01/05/bad.csv", "\n".join([SALES_HEADER, *rows]) + "\n")
    [result] = ingest_source("sales", settings.landing_root, warehouse, settings)
    assert (result["status"], result["rejection_reason"], result["rejection_column"]) == (
        "rejected",
        "too_many_bad_rows",
        "quantity",
    )
    assert "2 of 10 rows" in result["message"]
    assert query(warehouse, "select count(*) from raw.sales") == [(0,)]
    assert query(warehouse, "select count(*) from quarantine.sales") == [(0,)]


def test_one_batch_routes_each_file_on_its_own_merits(warehouse, landing_zone, settings):
    """Files validated and committed together still end one by one: loaded, rejected, duplicate, unreadable."""
    from service_quality.ingest.load import load_files

    clean = "\n".join([SALES_HEADER, sales_line("T1"), sales_line("T2", qty="")]) + "\n"
    landing_zone.write("sales/2025/01/02/clean.csv", clean, mtime=1_736_000_000)
    landing_zone.write("sales/2025/01/03/copy.csv", clean, mtime=1_736_000_100)
    bad = [sales_line("B1"), sales_line("B2", qty="x"), sales_line("B3", qty="y")]
    landing_zone.write("sales/2025/01/04/bad.csv", "\n".join([SALES_HEADER, *bad]) + "\n")
    landing_zone.write("sales/2025/01/05/headless.csv", "transaction_id\nT9\n")
    from service_quality.contracts import contract
    from service_quality.ingest import landing

    found = {d.path: d for d in landing.scan(settings.landing_root, contract("sales"))}
    order = [
        "sales/2025/01/03/copy.csv",
        "sales/2025/01/04/bad.csv",
        "sales/2025/01/02/clean.csv",
        "sales/2025/01/05/headless.csv",
    ]
    settings.bad_row_threshold = 0.5
    results = load_files("sales", [found[p] for p in order], warehouse, settings)
    # the copy was listed first, but same bytes in one batch: the first listed loads, the other is its duplicate
    assert [(r.path, r.status) for r in results] == [
        ("sales/2025/01/03/copy.csv", "loaded"),
        ("sales/2025/01/04/bad.csv", "rejected"),
        ("sales/2025/01/02/clean.csv", "duplicate"),
        ("sales/2025/01/05/headless.csv", "rejected"),
    ]
    assert (results[0].rows_loaded, results[0].rows_quarantined) == (1, 1)
    assert results[1].rejection_reason == "too_many_bad_rows" and "2 of 3 rows" in results[1].message
    assert results[2].duplicate_of == results[0].delivery_id
    assert results[3].rejection_reason == "missing_column"
    # only the loaded file's rows are in raw and quarantine; the rejected one left nothing behind
    assert query(warehouse, "select _delivery_id, count(*) from raw.sales group by 1") == [(results[0].delivery_id, 1)]
    assert query(warehouse, "select delivery_id, count(*) from quarantine.sales group by 1") == [
        (results[0].delivery_id, 1)
    ]
    # no scratch tables or batch views survive the batch
    assert query(
        warehouse,
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'ops' and (c.relname like '\\_scratch%' or c.relname like '\\_batch%')",
    ) == [(0,)]


def test_a_batch_with_two_layouts_validates_each_and_survives_a_rejected_first_file(
    warehouse, landing_zone, gx_settings
):
    """Files share a scratch table per layout; the file that created one may still be rejected (its savepoint
    rolls the table back) and the next file of that layout creates it again."""
    from service_quality.contracts import contract
    from service_quality.ingest import landing
    from service_quality.ingest.load import load_files

    landing_zone.write("sales/2025/01/01/header-only.csv", SALES_HEADER + "\n", mtime=1_736_000_000)
    landing_zone.write(
        "sales/2025/01/02/a.csv",
        "\n".join([SALES_HEADER, sales_line("A1"), sales_line("A2", qty="x")]) + "\n",
        mtime=1_736_000_100,
    )
    # the same columns in another order, plus one the contract does not know: a second layout
    columns = SALES_HEADER.split(",")
    reordered = [*reversed(columns), "till"]
    row = dict(zip(columns, sales_line("B1").split(","), strict=True))
    body = ",".join(reordered) + "\n" + ",".join([*(row[c] for c in reversed(columns)), "7"]) + "\n"
    landing_zone.write("sales/2025/01/03/b.csv", body, mtime=1_736_000_200)
    landing_zone.write(
        "sales/2025/01/04/c.csv", "\n".join([SALES_HEADER, sales_line("C1")]) + "\n", mtime=1_736_000_300
    )
    found = sorted(landing.scan(gx_settings.landing_root, contract("sales")), key=lambda d: d.arrived_at)
    gx_settings.bad_row_threshold = 0.9
    results = load_files("sales", found, warehouse, gx_settings)
    assert [(r.status, r.rows_loaded, r.rows_quarantined, r.rejection_reason) for r in results] == [
        ("rejected", 0, 0, "no_rows"),
        ("loaded", 1, 1, None),
        ("loaded", 1, 0, None),
        ("loaded", 1, 0, None),
    ]
    assert results[2].extra_columns == ["till"]
    assert query(warehouse, "select transaction_id, _row_number, _extra from raw.sales order by 1") == [
        ("A1", 1, None),
        ("B1", 1, {"till": "7"}),
        ("C1", 1, None),
    ]
    assert query(warehouse, "select row_number, column_name, rule from quarantine.sales") == [(2, "quantity", "type")]
    # one GX validation per layout: a.csv with c.csv, b.csv alone
    assert query(warehouse, "select deliveries, success from ops.validation_results order by deliveries") == [
        (1, True),
        (2, False),
    ]


def test_same_bytes_under_another_name_load_once(warehouse, landing_zone, settings):
    body = "\n".join([SALES_HEADER, sales_line("T1"), sales_line("T2")]) + "\n"
    landing_zone.write("sales/2025/01/02/a.csv", body)
    landing_zone.write("sales/2025/01/09/a-resent.csv", body)
    results = ingest_source("sales", settings.landing_root, warehouse, settings)
    assert [r["status"] for r in results] == ["loaded", "duplicate"]
    assert results[1]["duplicate_of"] == results[0]["delivery_id"]
    assert query(warehouse, "select count(*) from raw.sales") == [(2,)]
    # a rerun finds nothing new
    assert ingest_source("sales", settings.landing_root, warehouse, settings) == []
    assert len(_deliveries(warehouse)) == 2


def test_identical_files_resolve_by_arrival_whatever_order_the_loads_run(warehouse, landing_zone, settings):
    """Mapped load tasks run in any order; the earliest arrival must still be the delivery that is loaded."""
    from service_quality.ingest.deliveries import find_new_deliveries, load

    body = "\n".join([SALES_HEADER, sales_line("T1")]) + "\n"
    landing_zone.write("sales/2025/01/09/z-first.csv", body, mtime=1_736_000_000)
    landing_zone.write("sales/2025/01/02/a-later.csv", body, mtime=1_736_000_600)
    [group] = find_new_deliveries("sales", settings.landing_root, warehouse)
    assert group["path"] == "sales/2025/01/09/z-first.csv"
    assert [c["path"] for c in group["copies"]] == ["sales/2025/01/02/a-later.csv"]
    result = load("sales", group, warehouse, settings)
    assert result["status"] == "loaded"
    deliveries = query(warehouse, "select path, status, duplicate_of from ops.deliveries order by delivery_id")
    assert deliveries == [
        ("sales/2025/01/09/z-first.csv", "loaded", None),
        ("sales/2025/01/02/a-later.csv", "duplicate", result["delivery_id"]),
    ]


def test_correction_keeps_both_versions_and_the_later_wins(warehouse, landing_zone, settings):
    landing_zone.write("sales/2025/01/02/day.csv", "\n".join([SALES_HEADER, sales_line("T1", qty="2")]) + "\n")
    # the correction arrives later (mtime) although its path sorts earlier
    landing_zone.write(
        "sales/2025/01/01/fix.csv", "\n".join([SALES_HEADER, sales_line("T1", qty="3", amount="29.00")]) + "\n"
    )
    ingest_source("sales", settings.landing_root, warehouse, settings)
    versions = query(
        warehouse,
        "select s.quantity, d.path from raw.sales s join ops.deliveries d on d.delivery_id = s._delivery_id"
        " order by s._arrived_at, d.path, s._row_number",
    )
    assert versions == [(2, "sales/2025/01/02/day.csv"), (3, "sales/2025/01/01/fix.csv")]
    latest = query(
        warehouse,
        """
        select distinct on (transaction_id, line_no) quantity
        from raw.sales s join ops.deliveries d on d.delivery_id = s._delivery_id
        order by transaction_id, line_no, s._arrived_at desc, d.path desc, s._row_number desc
        """,
    )
    assert latest == [(3,)]


def test_survey_contact_fields_are_hashed_before_the_warehouse(warehouse, landing_zone, settings):
    rows = [
        "R1,2025-01-02T10:00:00+03:00,2025-01-02T12:00:00+03:00,S-001,E-001,T1,sms,9,5,2,Очень хорошо,ru,"
        "Anna@Example.com,+7 (900) 123-45-67",
        "R2,2025-01-02T10:00:00+03:00,2025-01-02T09:00:00+03:00,S-001,,,web,9,,,,,x@example.com,",  # order
        "R3,2025-01-02T10:00:00+03:00,2025-01-02T12:00:00+03:00,S-001,,,web,,,3,,,,",  # one_of_required
    ]
    settings.bad_row_threshold = 0.9
    landing_zone.write("surveys/2025/01/02/s.csv", "\n".join([SURVEY_HEADER, *rows]) + "\n")
    [result] = ingest_source("surveys", settings.landing_root, warehouse, settings)
    assert (result["rows_loaded"], result["rows_quarantined"]) == (1, 2)
    email, phone, comment = query(
        warehouse, "select customer_email_hash, customer_phone_hash, comment from raw.surveys"
    )[0]
    assert len(email) == 64 and "@" not in email and len(phone) == 64 and comment == "Очень хорошо"
    assert query(warehouse, "select rule, column_name from quarantine.surveys order by row_number") == [
        ("order", "submitted_at"),
        ("one_of_required", "nps"),
    ]
    everything = json.dumps(query(warehouse, "select record::text from quarantine.surveys"), ensure_ascii=False)
    assert "example.com" not in everything and "Anna" not in everything


def test_surveys_with_contact_fields_are_refused_without_a_key(warehouse, landing_zone, settings):
    settings.pii_key = None
    row = "R1,2025-01-02T10:00:00+03:00,2025-01-02T12:00:00+03:00,S-001,,,sms,9,5,,,,a@b.c,"
    landing_zone.write("surveys/2025/01/02/s.csv", SURVEY_HEADER + "\n" + row + "\n")
    with pytest.raises(PiiKeyMissing, match="survey_pii_key"):
        ingest_source("surveys", settings.landing_root, warehouse, settings)
    assert query(warehouse, "select count(*) from ops.deliveries") == [(0,)]
    assert query(warehouse, "select count(*) from raw.surveys") == [(0,)]


def test_jsonl_surveys_with_bom_gzip_and_extra_keys(warehouse, landing_zone, settings):
    settings.bad_row_threshold = 0.9
    objects = [
        {
            "Response_ID": "R1",
            "visited_at": "2025-01-02T10:00:00Z",
            "submitted_at": "2025-01-02T11:00:00Z",
            "store_code": "S-001",
            "channel": "kiosk",
            "nps": 10,
            "csat": None,
            "customer_email": "a@b.c",
            "device": "tablet",
        },
        {
            "response_id": "R2",
            "visited_at": "2025-01-02T10:00:00Z",
            "submitted_at": "2025-01-02T11:00:00Z",
            "store_code": "S-001",
            "channel": "fax",
            "nps": 7,
        },
    ]
    body = "\ufeff" + "\n".join(json.dumps(o, ensure_ascii=False) for o in objects) + "\n"
    landing_zone.write("surveys/2025/01/02/s.jsonl.gz", body, gz=True)
    [result] = ingest_source("surveys", settings.landing_root, warehouse, settings)
    assert (result["status"], result["rows_loaded"], result["rows_quarantined"]) == ("loaded", 1, 1)
    assert query(warehouse, "select response_id, nps, csat, _extra from raw.surveys") == [
        ("R1", 10, None, {"device": "tablet"})
    ]
    assert query(warehouse, "select rule, value from quarantine.surveys") == [("enum", "fax")]


CLEAN_ROWS = {
    "stores": (
        "Store_Code , store_name,region,city,format,timezone,opened_on,closed_on\n"
        "S-001,Главный,Центр,Москва,electronics,Europe/Moscow,2020-01-01,\n"
    ),
    "employees": (
        "employee_code,full_name,badge_name,hired_on,terminated_on,is_customer_facing\n"
        "E-001,Иванова Анна,Анна,2021-03-01,,true\n"
    ),
    "assignments": (
        "employee_code,store_code,role,valid_from,valid_to,fte\nE-001,S-001,sales_consultant,2021-03-01,,0.5\n"
    ),
    "shifts": "employee_code,store_code,work_date,hours_worked\nE-001,S-001,2025-01-02,7.5\n",
    "sales": SALES_HEADER + "\n" + sales_line("T1") + "\n",
    "traffic": "store_code,hour_start,visitors\nS-001,2025-01-02T10:00:00+03:00,42\n",
    "surveys": SURVEY_HEADER + "\nR1,2025-01-02T10:00:00+03:00,2025-01-02T12:00:00+03:00,S-001,E-001,T1,sms,9,,,,,,\n",
    "audit_visits": (
        "visit_id,agency,shopper_code,visited_at,store_code,employee_code,employee_badge_name,scenario,brand,"
        "checklist_version,status\nV1,Agency,SH-1,2025-01-02T10:00:00+03:00,S-001,,Анна,product_knowledge,Acme,"
        "v1,validated\n"
    ),
    "audit_answers": "visit_id,question_code,answer,comment\nV1,Q1,4,\nV1,Q2,na,ok\n",
}

DEFECTS = {
    "stores": ("S-002,X,R,C,electronics,Mars/Olympus,2020-01-01,\n", "timezone", "enum"),
    "employees": ("E-002,X,Y,2021-03-01,2020-01-01,true\n", "terminated_on", "order"),
    "assignments": ("E-001,S-001,cashier,2021-03-01,,1.5\n", "fte", "range"),
    "shifts": ("E-001,S-001,2025-01-03,0\n", "hours_worked", "range"),
    "sales": (sales_line("T2", line=1).replace("S-001", "") + "\n", "store_code", "required"),
    "traffic": ("S-001,2025-01-02T10:30:00+03:00,5\n", "hour_start", "range"),
    "surveys": (
        "R2,2025-01-02T10:00:00+03:00,2025-01-02T12:00:00+03:00,S-001,,,sms,11,,,,,,\n",
        "nps",
        "range",
    ),
    "audit_visits": (
        "V2,Agency,SH-1,2025-01-02T10:00:00+03:00,S-001,,,product_knowledge,,v1,validated\n",
        "brand",
        "conditional_required",
    ),
    "audit_answers": ("V1,Q3,maybe,\n", "answer", "enum"),
}


@pytest.mark.parametrize("source", list(CLEAN_ROWS))
def test_every_source_loads_typed_rows_and_quarantines_its_rules(warehouse, landing_zone, gx_settings, source):
    gx_settings.bad_row_threshold = 0.9
    landing_zone.write(f"{source}/2025/01/02/clean.csv", CLEAN_ROWS[source])
    extra, column, rule = DEFECTS[source]
    landing_zone.write(f"{source}/2025/01/03/defect.csv", CLEAN_ROWS[source] + extra)
    clean, defect = ingest_source(source, gx_settings.landing_root, warehouse, gx_settings)
    expected_rows = CLEAN_ROWS[source].count("\n") - 1
    assert (clean["status"], clean["rows_loaded"], clean["rows_quarantined"]) == ("loaded", expected_rows, 0)
    assert (defect["rows_loaded"], defect["rows_quarantined"]) == (expected_rows, 1)
    assert query(warehouse, f"select column_name, rule from quarantine.{source}") == [(column, rule)]
    assert query(warehouse, f"select count(*) from raw.{source}") == [(2 * expected_rows,)]
    # both files share a layout: one GX validation covers the batch and fails on the defect's row
    assert query(warehouse, "select success, deliveries, rows_unexpected from ops.validation_results") == [
        (False, 2, 1)
    ]
    assert query(
        warehouse,
        "select d.path, v.rows_unexpected from ops.validation_deliveries v join ops.deliveries d using (delivery_id)"
        " order by d.path",
    ) == [(f"{source}/2025/01/02/clean.csv", 0), (f"{source}/2025/01/03/defect.csv", 1)]


def test_reconciliation_is_recorded_for_every_delivery(warehouse, landing_zone, settings):
    settings.bad_row_threshold = 0.9
    landing_zone.write("sales/2025/01/02/a.csv", "\n".join([SALES_HEADER, sales_line("T1"), sales_line("T2", qty="")]))
    landing_zone.write("sales/2025/01/02/b.csv", "\n".join([SALES_HEADER, sales_line("T3")]) + "\n")
    ingest_source("sales", settings.landing_root, warehouse, settings)
    for _, status, read, loaded, quarantined, *_ in _deliveries(warehouse):
        assert status == "loaded" and read == loaded + quarantined
    raw = query(warehouse, "select _delivery_id, count(*) from raw.sales group by 1 order by 1")
    recorded = query(warehouse, "select delivery_id, rows_loaded from ops.deliveries order by 1")
    assert raw == recorded
    bad = query(warehouse, "select delivery_id, count(distinct row_number) from quarantine.sales group by 1")
    assert bad == [(recorded[0][0], 1)]
