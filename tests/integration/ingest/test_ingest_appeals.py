"""Appeals, the tenth source, through the loader into a real PostgreSQL: CSV and JSON Lines, each row rule of its
contract quarantined with file, row, column and rule (GX agreeing), a decision delivered later as a second
version, and personal data typed into ``reason`` never stored."""

from __future__ import annotations

import json

import pytest
from ingest_helpers import query

from service_quality.contracts import contract
from service_quality.ingest.deliveries import ingest_source

pytestmark = pytest.mark.integration

HEADER = ",".join(contract("appeals").names)
FILED = "2025-03-10T09:15:00+03:00"


def appeal(
    appeal_id: str,
    *,
    question: str = "Q05",
    category: str = "wrong_answer",
    reason: str = "Консультант ответил на вопрос",
    decision: str = "",
    corrected: str = "",
    corrected_employee: str = "",
    decided_at: str = "",
    filed_at: str = FILED,
) -> dict[str, str]:
    return {
        "appeal_id": appeal_id,
        "visit_id": "V-MSK-20250305-1",
        "question_code": question,
        "filed_at": filed_at,
        "filed_by": "E-0001",
        "category": category,
        "reason": reason,
        "decision": decision,
        "corrected_answer": corrected,
        "corrected_employee_code": corrected_employee,
        "decided_at": decided_at,
        "decided_by": "QA-02" if decision else "",
    }


def csv_text(rows: list[dict[str, str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, contract("appeals").names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def jsonl_text(rows: list[dict[str, str]]) -> str:
    return "".join(json.dumps({k: v or None for k, v in r.items()}, ensure_ascii=False) + "\n" for r in rows)


def test_csv_and_jsonl_deliveries_load_and_each_row_rule_is_quarantined(warehouse, landing_zone, gx_settings):
    gx_settings.bad_row_threshold = 0.9
    good = [
        appeal("AP-1"),  # open answer appeal
        appeal("AP-2", question="", category="technical", decision="upheld", decided_at="2025-03-12T10:00:00+03:00"),
        appeal(
            "AP-3",
            question="",
            category="wrong_employee",
            decision="overturned",
            corrected_employee="E-0002",
            decided_at="2025-03-11T10:00:00+03:00",
        ),
        # an overturned whole-visit appeal needs no corrected answer
        appeal("AP-4", question="", category="shopper_error", decision="overturned", decided_at=FILED),
        appeal("AP-5", decision="overturned", corrected="yes", decided_at="2025-03-20T18:00:00+03:00"),
    ]
    bad = [
        appeal("AP-B1", decision="upheld"),  # a decision without decided_at
        appeal("AP-B2", decision="upheld", decided_at="2025-03-09T09:15:00+03:00"),  # decided before filed
        appeal("AP-B3", decision="overturned", decided_at="2025-03-11T10:00:00+03:00"),  # no corrected answer
        appeal("AP-B4", category="rudeness"),  # not a category
        appeal("AP-B5", decision="overturned", corrected="maybe", decided_at="2025-03-11T10:00:00+03:00"),
        appeal("AP-B6", filed_at="2025-03-10T09:15:00"),  # no offset
        appeal("AP-B7", reason=""),  # the reason is required
    ]
    landing_zone.write("appeals/2025/03/21/appeals_2025W12.csv", csv_text(good + bad))
    landing_zone.write("appeals/2025/03/28/appeals_2025W13.jsonl", jsonl_text([appeal("AP-6", category="other")]))
    results = ingest_source("appeals", gx_settings.landing_root, warehouse, gx_settings)

    assert [(r["status"], r["rows_read"], r["rows_loaded"], r["rows_quarantined"]) for r in results] == [
        ("loaded", 12, 5, 7),
        ("loaded", 1, 1, 0),
    ]
    loaded = query(
        warehouse,
        "select appeal_id, question_code, decision, corrected_answer, corrected_employee_code,"
        " decided_at at time zone 'UTC' from raw.appeals order by appeal_id",
    )
    assert [r[0] for r in loaded] == ["AP-1", "AP-2", "AP-3", "AP-4", "AP-5", "AP-6"]
    assert loaded[0][1:] == ("Q05", None, None, None, None)  # empty cells are nulls: an open appeal
    assert loaded[2][1:5] == (None, "overturned", None, "E-0002")
    assert str(loaded[4][5]) == "2025-03-20 15:00:00"

    rules = query(
        warehouse,
        "select q.row_number, q.column_name, q.rule, q.value, q.message, d.path"
        " from quarantine.appeals q join ops.deliveries d using (delivery_id) order by 1, 2",
    )
    assert [(r[0], r[1], r[2]) for r in rules] == [
        (6, "decided_at", "conditional_required"),
        (7, "decided_at", "order"),
        (8, "corrected_answer", "conditional_required"),
        (9, "category", "enum"),
        (10, "corrected_answer", "enum"),
        (11, "filed_at", "timestamp_offset"),
        (12, "reason", "required"),
    ]
    by_row = {r[0]: r for r in rules}
    assert all(
        r[5] == "appeals/2025/03/21/appeals_2025W12.csv" for r in rules
    )  # rows are numbered from the first data line
    assert "appeals/2025/03/21/appeals_2025W12.csv row 6" in by_row[6][4]
    assert "decided_at is required when decision is given" in by_row[6][4]
    assert "corrected_answer is required when decision = overturned and question_code is given" in by_row[8][4]
    assert by_row[9][3] == "rudeness" and by_row[10][3] == "maybe"
    record = query(warehouse, "select record from quarantine.appeals where row_number = 8")[0][0]
    assert record["appeal_id"] == "AP-B3" and record["decision"] == "overturned"

    # GX validated each delivery with the suite built from the same contract, and counted the same rows
    [(success, checked, unexpected, result)] = query(
        warehouse,
        "select v.success, v.rows_checked, v.rows_unexpected, v.result from ops.validation_results v"
        " join ops.deliveries d using (delivery_id) where d.path like '%W12.csv'",
    )
    assert (success, checked, unexpected) == (False, 12, 7)
    counts = {
        (r["expectation_config"]["meta"]["column"], r["expectation_config"]["meta"]["rule"]): r["result"].get(
            "unexpected_count"
        )
        for r in result["results"]
    }
    assert counts[("decided_at", "conditional_required")] == 1
    assert counts[("corrected_answer", "conditional_required")] == 1
    assert counts[("decided_at", "order")] == 1
    assert counts[("category", "enum")] == 1


def test_a_decision_delivered_later_is_a_second_version(warehouse, landing_zone, settings):
    landing_zone.write("appeals/2025/03/17/appeals_2025W11.csv", csv_text([appeal("AP-1"), appeal("AP-2")]))
    decided = appeal("AP-1", decision="overturned", corrected="yes", decided_at="2025-03-18T12:00:00+03:00")
    landing_zone.write("appeals/2025/03/24/appeals_2025W12.jsonl", jsonl_text([decided]))
    results = ingest_source("appeals", settings.landing_root, warehouse, settings)
    assert [r["status"] for r in results] == ["loaded", "loaded"]

    versions = query(
        warehouse,
        "select decision, corrected_answer, _arrived_at from raw.appeals where appeal_id = 'AP-1' order by _arrived_at",
    )
    assert [(v[0], v[1]) for v in versions] == [(None, None), ("overturned", "yes")]
    assert versions[0][2] < versions[1][2]
    # the latest version by arrival is the decided one: what staging keeps
    latest = query(
        warehouse,
        "select distinct on (appeal_id) appeal_id, decision from raw.appeals"
        " order by appeal_id, _arrived_at desc, _delivery_id desc, _row_number desc",
    )
    assert latest == [("AP-1", "overturned"), ("AP-2", None)]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_personal_data_in_the_reason_never_reaches_raw_or_quarantine(warehouse, landing_zone, settings, fmt):
    phone, email = "+7 (916) 123-45-67", "ivan.petrov@mail.ru"
    clean = appeal("AP-1", reason=f"Позвоните мне {phone} или напишите {email}, заказ № 4455667")
    broken = appeal("AP-2", category="rudeness", reason=f"Мой номер 8 916 765 43 21, почта {email}")
    rows = [clean, broken] + [appeal(f"AP-{i}") for i in range(3, 12)]
    text = csv_text(rows) if fmt == "csv" else jsonl_text(rows)
    landing_zone.write(f"appeals/2025/03/17/appeals.{fmt}", text)
    [result] = ingest_source("appeals", settings.landing_root, warehouse, settings)
    assert (result["status"], result["rows_loaded"], result["rows_quarantined"]) == ("loaded", 10, 1)

    [(reason,)] = query(warehouse, "select reason from raw.appeals where appeal_id = 'AP-1'")
    assert reason == "Позвоните мне [phone] или напишите [email], заказ № 4455667"
    [(record,)] = query(warehouse, "select record from quarantine.appeals")
    assert record["appeal_id"] == "AP-2" and record["reason"] == "Мой номер [phone], почта [email]"
    stored = json.dumps(
        query(warehouse, "select to_jsonb(a) from raw.appeals a")
        + query(warehouse, "select to_jsonb(q) from quarantine.appeals q"),
        ensure_ascii=False,
    )
    for clear in (phone, email, "765 43 21", "123-45-67", "mail.ru"):
        assert clear not in stored
