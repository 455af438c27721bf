"""Appeals (ATTESTATION_METHOD.md §8) through the whole dbt project on a real PostgreSQL, attestation included.

One store, three sales consultants, five service visits in March 2025 (2025-Q1 closed as of 5 April).
Three builds over the same warehouse: without appeals, with two open appeals, and after their decisions
arrive (a later version of each appeal). Every expected number is computed by hand below.

Visit scores with the test checklist (greeting 0.25: G01 3 points, G02 1 point and critical; needs
discovery 0.75: N01 on 0-5, 5 points):

    V1  E1  G01 yes, G02 no,  N01 5: greeting 3/4 = 75 %, needs 100 % -> 93.75, a critical failure
    V2  E1  G01 yes, G02 yes, N01 5: 100
    V3  E2  G01 yes, G02 yes, N01 5: 100
    V4  E2  G01 no,  G02 yes, N01 2: greeting 1/4 = 25 %, needs 40 % -> 6.25 + 30 = 36.25
    V5  E3  G01 yes, G02 yes, N01 4: greeting 100 %, needs 80 % -> 25 + 60 = 85

Store S1 mean (every service visit, attributed or not) = (93.75 + 100 + 100 + 36.25 + 85) / 5 = 83.
A sales consultant here gets service_audit (min 2 visits, shrunk toward the store with m = 2) and
team_result (the store mean: no survey response, so the visit half alone), weights 0.25 / 0.25.

Before any decision:
    E1: (2 x 96.875 + 2 x 83) / 4 = 89.9375; total (89.9375 + 83) / 2 = 86.46875 -> 86.5, grade A capped at B.
    E2: (2 x 68.125 + 2 x 83) / 4 = 75.5625; total 79.28125 -> 79.3, B.
    E3: one visit, below the minimum: team_result alone -> not attested.
After A1 (V1/G02 no -> yes, overturned) and A2 (V4 belongs to E3, not E2, overturned):
    V1 = 100, store mean (100 + 100 + 100 + 36.25 + 85) / 5 = 84.25 (S1 keeps V4).
    E1: (2 x 100 + 2 x 84.25) / 4 = 92.125; total 88.1875 -> 88.2, grade A, no cap.
    E2: V3 alone, below the minimum -> not attested.
    E3: V4 + V5, mean 60.625: (121.25 + 168.5) / 4 = 72.4375; total 78.34375 -> 78.3, B.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from service_quality.attestation.explain import explain
from service_quality.transform import dbt

pytestmark = pytest.mark.integration

ROSTER_AT = "2025-03-20T06:00:00+00:00"
APPEALS_AT = "2025-03-22T06:00:00+00:00"
DECISIONS_AT = "2025-04-01T06:00:00+00:00"
AS_OF = "2025-04-05"

STORES = [
    dict(
        store_code="S1",
        store_name="Москва, Тверская",
        region="Центр",
        city="Москва",
        format="electronics",
        timezone="Europe/Moscow",
        opened_on="2024-01-01",
        closed_on=None,
    )
]
EMPLOYEES = [
    dict(
        employee_code=code,
        full_name=name,
        badge_name=name.split()[1],
        hired_on="2024-06-01",
        terminated_on=None,
        is_customer_facing=True,
    )
    for code, name in (("E1", "Иванов Иван"), ("E2", "Смирнова Анна"), ("E3", "Петров Пётр"))
]
ASSIGNMENTS = [
    dict(employee_code=code, store_code="S1", role="sales_consultant", valid_from="2025-01-01", valid_to=None, fte=1)
    for code in ("E1", "E2", "E3")
]


def visit(visit_id: str, day: int, employee: str) -> dict:
    return dict(
        visit_id=visit_id,
        agency="A",
        shopper_code="SH1",
        visited_at=f"2025-03-{day:02d}T12:00:00+03:00",
        store_code="S1",
        employee_code=employee,
        employee_badge_name=None,
        scenario="service",
        brand=None,
        checklist_version="v1",
        status="validated",
    )


VISITS = [
    visit("V1", 10, "E1"),
    visit("V2", 11, "E1"),
    visit("V3", 12, "E2"),
    visit("V4", 13, "E2"),
    visit("V5", 14, "E3"),
]
ANSWERS = [
    dict(visit_id=v, question_code=q, answer=a, comment=None)
    for v, given in (
        ("V1", dict(G01="yes", G02="no", N01="5")),
        ("V2", dict(G01="yes", G02="yes", N01="5")),
        ("V3", dict(G01="yes", G02="yes", N01="5")),
        ("V4", dict(G01="no", G02="yes", N01="2")),
        ("V5", dict(G01="yes", G02="yes", N01="4")),
    )
    for q, a in given.items()
]


def appeal(appeal_id: str, visit_id: str, question: str | None, by: str, category: str, **decision) -> dict:
    return dict(
        appeal_id=appeal_id,
        visit_id=visit_id,
        question_code=question,
        filed_at="2025-03-21T10:00:00+00:00",
        filed_by=by,
        category=category,
        reason="Сотрудник поздоровался, покупатель не услышал",
        decision=decision.get("decision"),
        corrected_answer=decision.get("corrected_answer"),
        corrected_employee_code=decision.get("corrected_employee_code"),
        decided_at=decision.get("decided_at"),
        decided_by="QA1" if decision else None,
    )


OPEN_APPEALS = [
    appeal("A1", "V1", "G02", "E1", "wrong_answer"),
    appeal("A2", "V4", None, "E2", "wrong_employee", corrected_employee_code="E3"),
    appeal("A9", "VX", None, "E1", "other"),  # no such visit: inadmissible, listed as an orphan
]
DECIDED = dict(decision="overturned", decided_at="2025-03-30T10:00:00+00:00")
DECISIONS = [
    appeal("A1", "V1", "G02", "E1", "wrong_answer", corrected_answer="yes", **DECIDED),
    appeal("A2", "V4", None, "E2", "wrong_employee", corrected_employee_code="E3", **DECIDED),
]


def build(dsn, project: Path, methodology: str = "1.1") -> dbt.DbtResult:
    variables = f"{{attestation_as_of: '{AS_OF}', methodology_version: '{methodology}'}}"
    # The unit tests' fixtures are written for the current version (1.1): another version's build skips them.
    skip_unit_tests = [] if methodology == "1.1" else ["--exclude-resource-type", "unit_test"]
    return dbt.build(dsn, project_dir=project, threads=2, extra=["--vars", variables, *skip_unit_tests])


def snapshot(dsn, sql_rows) -> dict[str, list[dict]]:
    """The scores every mart publishes for the quarter: what an open appeal must leave unchanged."""
    return {
        "components": sql_rows(
            dsn,
            """
            select employee_code, component, status, n_observations, raw_value, shrunk_value, points,
                effective_weight, weighted_points
            from attestation.components where period_label = '2025-Q1' order by employee_code, component
            """,
        ),
        "scorecards": sql_rows(
            dsn,
            """
            select employee_code, status, not_attested_reason, total_points, uncapped_grade, grade,
                has_critical_failure, is_grade_capped
            from attestation.scorecards where period_label = '2025-Q1' order by employee_code
            """,
        ),
        "visits": sql_rows(
            dsn,
            """
            select visit_id, store_code, employee_code, status, visit_score_pct, has_critical_failure, is_counted
            from intermediate.int_audit_visits_scored order by visit_id
            """,
        ),
        "store_months": sql_rows(
            dsn,
            """
            select store_code, month_start, validated_visits, visit_score_sum, critical_failure_visits
            from service_quality.fct_store_months where validated_visits > 0 order by store_code, month_start
            """,
        ),
        "employee_months": sql_rows(
            dsn, "select * from service_quality.fct_employee_months order by employee_code, month_start"
        ),
    }


@pytest.fixture(scope="module")
def builds(module_warehouse, landing, full_dbt_project_copy, sql_rows) -> dict:
    landing.deliver("stores", STORES, ROSTER_AT)
    landing.deliver("employees", EMPLOYEES, ROSTER_AT)
    landing.deliver("assignments", ASSIGNMENTS, ROSTER_AT)
    landing.deliver("audit_visits", VISITS, ROSTER_AT)
    landing.deliver("audit_answers", ANSWERS, ROSTER_AT)
    results = {"no_appeal": build(module_warehouse, full_dbt_project_copy)}
    before = snapshot(module_warehouse, sql_rows)
    lines_before = lines(module_warehouse, sql_rows)
    landing.deliver("appeals", OPEN_APPEALS, APPEALS_AT)
    results["open"] = build(module_warehouse, full_dbt_project_copy)
    while_open = snapshot(module_warehouse, sql_rows)
    open_lines = lines(module_warehouse, sql_rows)
    landing.deliver("appeals", DECISIONS, DECISIONS_AT)
    # Methodology 1 has no appeals: built with it, the decided appeals change nothing, lines included.
    results["decided_v1"] = build(module_warehouse, full_dbt_project_copy, methodology="1")
    under_v1 = snapshot(module_warehouse, sql_rows)
    lines_v1 = lines(module_warehouse, sql_rows)
    results["decided"] = build(module_warehouse, full_dbt_project_copy)
    return {
        "results": results,
        "before": before,
        "lines_before": lines_before,
        "while_open": while_open,
        "open_lines": open_lines,
        "under_v1": under_v1,
        "lines_v1": lines_v1,
    }


def lines(dsn, sql_rows) -> dict[tuple[str, str], str]:
    rows = sql_rows(dsn, "select employee_code, component, explanation_line from attestation.components")
    return {(r["employee_code"], r["component"]): r["explanation_line"] for r in rows}


def scorecard(dsn, sql_rows, employee: str) -> dict:
    (row,) = sql_rows(
        dsn, "select * from attestation.scorecards where period_label = '2025-Q1' and employee_code = %s", [employee]
    )
    return row


def test_every_build_passes_its_tests_and_unit_tests(builds):
    for name, result in builds["results"].items():
        assert result.ok, name
        assert "ERROR=0" in result.output and "PASS=" in result.output, name


def test_before_any_appeal_the_critical_no_caps_the_grade(builds):
    cards = {c["employee_code"]: c for c in builds["before"]["scorecards"]}
    assert cards["E1"]["total_points"] == Decimal("86.5")
    assert (cards["E1"]["uncapped_grade"], cards["E1"]["grade"]) == ("A", "B")
    assert cards["E1"]["has_critical_failure"] and cards["E1"]["is_grade_capped"]
    assert (cards["E2"]["total_points"], cards["E2"]["grade"]) == (Decimal("79.3"), "B")
    assert (cards["E3"]["status"], cards["E3"]["not_attested_reason"]) == ("not_attested", "insufficient_data")


def test_an_open_appeal_changes_nothing_but_says_it_is_pending(builds):
    assert builds["while_open"] == builds["before"]
    open_lines = builds["open_lines"]
    assert open_lines[("E1", "service_audit")].startswith(
        "Mystery shopping: 2 visits (appeal pending on V1/G02) (minimum 2), mean 96.9 %, adjusted 89.9"
    ), open_lines[("E1", "service_audit")]
    assert open_lines[("E2", "service_audit")].startswith("Mystery shopping: 2 visits (appeal pending on V4) ")
    assert "appeal" not in open_lines[("E3", "service_audit")]


def test_methodology_1_is_not_changed_by_appeals(builds):
    assert builds["under_v1"] == builds["before"]
    assert builds["lines_v1"] == builds["lines_before"]


def test_an_overturned_critical_no_lifts_the_grade_cap(builds, module_warehouse, sql_rows):
    card = scorecard(module_warehouse, sql_rows, "E1")
    assert card["total_points"] == Decimal("88.2")
    assert (card["uncapped_grade"], card["grade"]) == ("A", "A")
    assert not card["has_critical_failure"] and not card["is_grade_capped"]
    assert "Critical failure" not in card["explanation"]
    (answer,) = sql_rows(
        module_warehouse,
        "select * from intermediate.int_audit_answers_scored where visit_id = 'V1' and question_code = 'G02'",
    )
    assert (answer["delivered_answer"], answer["answer"], answer["is_critical_failure"]) == ("no", "yes", False)
    (v1,) = sql_rows(module_warehouse, "select * from intermediate.int_audit_visits_scored where visit_id = 'V1'")
    assert v1["visit_score_pct"] == 100 and v1["employee_code"] == "E1"
    assert card["explanation"].startswith(
        "Mystery shopping: 2 visits (appeal on V1/G02: overturned, no → yes) (minimum 2), mean 100.0 %, "
        "adjusted 92.1 → 92.1 pts × 0.5 = 46.06"
    ), card["explanation"]


def test_a_wrong_employee_overturn_moves_the_visit_and_the_store_keeps_it(builds, module_warehouse, sql_rows):
    (v4,) = sql_rows(module_warehouse, "select * from intermediate.int_audit_visits_scored where visit_id = 'V4'")
    assert (v4["employee_code"], v4["attribution_method"], v4["delivered_employee_code"]) == ("E3", "appeal", "E2")
    assert v4["store_code"] == "S1" and v4["is_counted"]
    components = {
        (r["employee_code"], r["component"]): r
        for r in sql_rows(module_warehouse, "select * from attestation.components where period_label = '2025-Q1'")
    }
    e3 = components[("E3", "service_audit")]
    assert (e3["n_observations"], e3["raw_value"], e3["points"]) == (2, Decimal("60.625"), Decimal("72.4375"))
    assert components[("E2", "service_audit")]["n_observations"] == 1
    assert "(appeal on V4: overturned, visit moved to E3)" in components[("E2", "service_audit")]["explanation_line"]
    assert "(appeal on V4: overturned, visit moved from E2)" in e3["explanation_line"]
    e3_card = scorecard(module_warehouse, sql_rows, "E3")
    assert (e3_card["status"], e3_card["total_points"], e3_card["grade"]) == ("attested", Decimal("78.3"), "B")
    e2_card = scorecard(module_warehouse, sql_rows, "E2")
    assert (e2_card["status"], e2_card["not_attested_reason"]) == ("not_attested", "insufficient_data")
    # The store keeps every visit: 5 counted, their scores summed with V1's correction (84.25 x 5).
    (march,) = sql_rows(
        module_warehouse,
        "select * from service_quality.fct_store_months where store_code = 'S1' and month_start = '2025-03-01'",
    )
    assert (march["validated_visits"], march["visit_score_sum"], march["critical_failure_visits"]) == (
        5,
        Decimal("421.25"),
        0,
    )
    months = {
        r["employee_code"]: r
        for r in sql_rows(
            module_warehouse, "select * from service_quality.fct_employee_months where month_start = '2025-03-01'"
        )
    }
    assert (months["E2"]["validated_visits"], months["E3"]["validated_visits"]) == (1, 2)


def test_the_appeal_marts(builds, module_warehouse, sql_rows):
    appeals = {r["appeal_id"]: r for r in sql_rows(module_warehouse, "select * from service_quality.fct_appeals")}
    assert set(appeals) == {"A1", "A2", "A9"}
    a1, a2, a9 = appeals["A1"], appeals["A2"], appeals["A9"]
    assert (a1["admissible"], a1["outcome"], a1["effect"]) == (True, "overturned", "corrected_answer")
    assert (a1["original_answer"], a1["corrected_answer"], a1["original_employee_code"]) == ("no", "yes", "E1")
    assert (a1["days_to_decision"], a1["decided_late"], a1["open_past_due"]) == (Decimal("9.00"), False, False)
    assert (a2["effect"], a2["original_employee_code"], a2["corrected_employee_code"]) == ("reattributed", "E2", "E3")
    assert (a9["admissible"], a9["inadmissible_reason"], a9["outcome"], a9["effect"]) == (
        False,
        "unknown_visit",
        "inadmissible",
        "none",
    )
    (month,) = sql_rows(module_warehouse, "select * from service_quality.fct_store_appeal_months")
    assert (month["store_code"], str(month["month_start"])) == ("S1", "2025-03-01")
    assert (month["filed"], month["admissible"], month["upheld"], month["overturned"], month["open"]) == (2, 2, 0, 2, 0)
    assert month["overturn_rate"] == 1
    orphans = sql_rows(
        module_warehouse, "select * from service_quality.dq_orphan_codes where source = 'appeals' order by code"
    )
    assert [(o["code_type"], o["code"], o["row_count"]) for o in orphans] == [("visit_id", "VX", 1)]
    # One shopper with five counted visits, all at S1: no other shopper to compare with.
    (shopper,) = sql_rows(module_warehouse, "select * from service_quality.fct_shopper_consistency_quarters")
    assert (shopper["visits"], shopper["appealed_visits"], shopper["overturned_visits"]) == (5, 2, 2)
    assert shopper["mean_deviation"] is None and not shopper["flagged"]


def test_the_stored_english_lines_are_what_the_renderer_prints(builds, module_warehouse, sql_rows):
    components = defaultdict(list)
    for row in sql_rows(module_warehouse, "select * from attestation.components"):
        components[(row["period_type"], row["period_label"], row["employee_code"])].append(row)
    cards = sql_rows(module_warehouse, "select * from attestation.scorecards")
    assert cards
    noted = 0
    for card in cards:
        comps = components[(card["period_type"], card["period_label"], card["employee_code"])]
        rendered = explain(card, comps, "en")
        assert card["explanation"] == "\n".join(rendered.lines), card["employee_code"]
        noted += sum(1 for c in comps if (c["details"] or {}).get("appeals"))
    assert noted == 3  # E1's and E2's (moved to) and E3's (moved from) service_audit lines
