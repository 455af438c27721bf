"""The service-quality dbt models on a real PostgreSQL, from hand-written deliveries to the marts.

One small chain, two dbt builds: the first over the initial deliveries, the second (incremental)
after late corrections, a late roster and a late-loaded stale version. Every expected number below is
computed by hand from the rows in this file (ATTESTATION_METHOD.md sections 1-2).
"""

from __future__ import annotations

import math

import psycopg
import pytest

from service_quality.transform import dbt

pytestmark = pytest.mark.integration

DAY1 = "2025-03-20T06:00:00+00:00"
DAY2 = "2025-03-21T06:00:00+00:00"

STORES = [
    # Moscow is UTC+3, Vladivostok UTC+10: the same UTC instant can fall on different local dates.
    dict(
        store_code="S1",
        store_name="Москва, Тверская",
        region="Центр",
        city="Москва",
        format="electronics",
        timezone="Europe/Moscow",
        opened_on="2024-01-01",
        closed_on=None,
    ),
    dict(
        store_code="S2",
        store_name="Владивосток",
        region="Дальний Восток",
        city="Владивосток",
        format="electronics",
        timezone="Asia/Vladivostok",
        opened_on="2024-01-01",
        closed_on=None,
    ),
]
S3 = dict(
    store_code="S3",
    store_name="Казань",
    region="Центр",
    city="Казань",
    format="electronics",
    timezone="Europe/Moscow",
    opened_on="2024-01-01",
    closed_on=None,
)

EMPLOYEES = [
    dict(
        employee_code="E1",
        full_name="Иванов Иван",
        badge_name="Иван",
        hired_on="2024-01-01",
        terminated_on=None,
        is_customer_facing=True,
    ),
    dict(
        employee_code="E2",
        full_name="Смирнова Анна",
        badge_name="Анна",
        hired_on="2024-01-01",
        terminated_on=None,
        is_customer_facing=True,
    ),
    dict(
        employee_code="E3",
        full_name="Кузнецова Анна",
        badge_name=" анна ",
        hired_on="2024-01-01",
        terminated_on=None,
        is_customer_facing=True,
    ),
    dict(
        employee_code="E4",
        full_name="Петров Пётр",
        badge_name="Пётр",
        hired_on="2024-01-01",
        terminated_on=None,
        is_customer_facing=True,
    ),
]

ASSIGNMENTS = [
    dict(employee_code="E1", store_code="S1", role="sales_consultant", valid_from="2025-01-01", valid_to=None, fte=1),
    dict(employee_code="E2", store_code="S1", role="cashier", valid_from="2025-01-01", valid_to=None, fte=1),
    dict(employee_code="E3", store_code="S1", role="sales_consultant", valid_from="2025-01-01", valid_to=None, fte=1),
    # E4 moves from S2 to S1; the two assignments overlap on 2025-03-05 .. 2025-03-10.
    dict(
        employee_code="E4",
        store_code="S2",
        role="sales_consultant",
        valid_from="2025-01-01",
        valid_to="2025-03-10",
        fte=1,
    ),
    dict(employee_code="E4", store_code="S1", role="store_manager", valid_from="2025-03-05", valid_to=None, fte=1),
]


def survey(response_id, store, visited_at, nps, csat, employee=None, ces=None):
    return dict(
        response_id=response_id,
        visited_at=visited_at,
        submitted_at=visited_at,
        store_code=store,
        employee_code=employee,
        transaction_id=None,
        channel="receipt_qr",
        nps=nps,
        csat=csat,
        ces=ces,
        comment="позвоните мне",
        language="ru",
        customer_email_hash="h1",
        customer_phone_hash="h2",
    )


SURVEYS = [
    # S1 on local 2025-03-14 (Moscow): nps 10, 9, 7, 3 and a csat-only response.
    survey("R1", "S1", "2025-03-14T09:00:00+03:00", 10, 5, employee="E1", ces=2),
    survey("R2", "S1", "2025-03-14T10:00:00+03:00", 9, 4, employee="E1", ces=4),
    survey("R3", "S1", "2025-03-14T11:00:00+03:00", 7, 3),
    survey("R4", "S1", "2025-03-14T12:00:00+03:00", 3, None),
    survey("R5", "S1", "2025-03-14T13:00:00+03:00", None, 1),
    # 22:30 UTC on the 14th is already the 15th in Moscow.
    survey("R6", "S1", "2025-03-14T22:30:00+00:00", 0, 5),
    # An unknown store: left out of the measures, listed as an orphan code.
    survey("R7", "SX", "2025-03-14T10:00:00+03:00", 10, 5),
]


def visit(
    visit_id, store, visited_at, *, employee=None, badge=None, scenario="service", brand=None, status="validated"
):
    return dict(
        visit_id=visit_id,
        agency="A",
        shopper_code="SH1",
        visited_at=visited_at,
        store_code=store,
        employee_code=employee,
        employee_badge_name=badge,
        scenario=scenario,
        brand=brand,
        checklist_version="v1",
        status=status,
    )


VISITS = [
    visit("V1", "S1", "2025-03-14T11:00:00+03:00", employee="E1"),
    visit("V2", "S1", "2025-03-14T12:00:00+03:00", badge="  ИВАН "),  # one Иван at S1: E1
    visit("V3", "S1", "2025-03-14T13:00:00+03:00", badge="АННА"),  # two Анна at S1: nobody
    visit("V4", "S1", "2025-03-14T14:00:00+03:00", employee="E1"),  # disputed in a later delivery
    visit("V5", "S1", "2025-03-14T15:00:00+03:00", employee="E1", scenario="product_knowledge", brand="Samsung"),
    visit("V6", "S2", "2025-03-14T12:00:00+10:00", badge="пётр"),  # E4 left S2 on 2025-03-10: nobody
    visit("V7", "S1", "2025-03-14T16:00:00+03:00", employee="E2"),  # every answer na: no score, not counted
]


def answers(visit_id, **by_question):
    return [dict(visit_id=visit_id, question_code=q, answer=a, comment=None) for q, a in by_question.items()]


ANSWERS = [
    # greeting 3/4 = 75 %, needs 3/5 = 60 %, product knowledge all na -> 0.25*75 + 0.75*60 = 63.75; G02 critical no.
    *answers("V1", G01="yes", G02="no", N01="3", K01="na", K02="na"),
    # everything top: 100
    *answers("V2", G01="yes", G02="yes", N01="5"),
    # greeting 1/4 = 25 %, needs 0 % -> 6.25
    *answers("V3", G01="no", G02="yes", N01="0"),
    *answers("V4", G01="yes", G02="yes", N01="5"),
    # greeting 3/3 = 100 %, product knowledge (5 + 3)/10 = 80 % -> (0.25*100 + 0.5*80)/0.75
    *answers("V5", G01="yes", K01="yes", K02="3"),
    *answers("V6", G01="yes", G02="yes", N01="4"),
    *answers("V7", G01="na", G02="na", N01="na"),
]


def sale(transaction_id, line_no, store, sold_at, quantity, unit_price, discount=0, employee=None):
    return dict(
        transaction_id=transaction_id,
        line_no=line_no,
        store_code=store,
        employee_code=employee,
        sold_at=sold_at,
        sku="SKU",
        brand="Samsung",
        category="phones",
        quantity=quantity,
        unit_price=unit_price,
        discount_amount=discount,
        line_amount=quantity * unit_price - discount,
    )


SALES = [
    sale("T1", 1, "S1", "2025-03-14T12:00:00+03:00", 2, 100, employee="E1"),
    sale("T1", 2, "S1", "2025-03-14T12:00:00+03:00", 1, 50, discount=10, employee="E1"),
    sale("T2", 1, "S1", "2025-03-14T13:00:00+03:00", 1, 30, employee="E2"),
    sale("T3", 1, "S1", "2025-03-14T14:00:00+03:00", -1, 30, employee="E2"),  # a return: no transaction
    sale("T4", 1, "S1", "2025-03-14T21:30:00+00:00", 1, 10, employee="E1"),  # local 2025-03-15
    sale("T5", 1, "S3", "2025-03-14T12:00:00+03:00", 1, 70),  # S3 is not in the roster yet
]

TRAFFIC = [
    dict(store_code="S1", hour_start="2025-03-14T09:00:00+03:00", visitors=10),
    dict(store_code="S1", hour_start="2025-03-14T10:00:00+03:00", visitors=10),
    dict(store_code="S1", hour_start="2025-03-14T21:00:00+00:00", visitors=5),  # local 2025-03-15 00:00
]

SHIFTS = [
    dict(employee_code="E1", store_code="S1", work_date="2025-03-14", hours_worked=8),
    dict(employee_code="E1", store_code="S1", work_date="2025-03-15", hours_worked=8),
]


def nps_interval(promoters: int, detractors: int, n: int) -> tuple[float, float, float]:
    """The adjusted-Wald interval exactly as ATTESTATION_METHOD.md writes it."""
    n_adj = n + 3
    p_adj = (promoters + 0.75) / n_adj
    d_adj = (detractors + 0.75) / n_adj
    se = math.sqrt((p_adj + d_adj - (p_adj - d_adj) ** 2) / n_adj)
    nps = 100 * (promoters - detractors) / n
    return nps, nps - 196 * se, nps + 196 * se


def wilson(successes: int, n: int) -> tuple[float, float]:
    z = 1.96
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def one(rows: list[dict]) -> dict:
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture(scope="module")
def first_build(module_warehouse, landing, dbt_project_copy):
    landing.deliver("stores", STORES, DAY1)
    landing.deliver("employees", EMPLOYEES, DAY1)
    landing.deliver("assignments", ASSIGNMENTS, DAY1)
    landing.deliver("surveys", SURVEYS, DAY1)
    landing.deliver("audit_visits", VISITS, DAY1)
    landing.deliver("audit_answers", ANSWERS, DAY1)
    landing.deliver("sales", SALES, DAY1)
    landing.deliver("traffic", TRAFFIC, DAY1)
    landing.deliver("shifts", SHIFTS, DAY1)
    return dbt.build(module_warehouse, project_dir=dbt_project_copy, threads=2)


@pytest.fixture(scope="module")
def second_build(first_build, module_warehouse, landing, dbt_project_copy):
    # A corrected survey (R2: 9 -> 5), arriving later; an older version of R3 loaded late must not win.
    landing.deliver("surveys", [dict(SURVEYS[1], nps=5)], DAY2)
    landing.deliver("surveys", [dict(SURVEYS[2], nps=0)], "2025-03-19T06:00:00+00:00")
    # V4's dispute resolved against it.
    landing.deliver("audit_visits", [dict(VISITS[3], status="disputed")], DAY2)
    # Sales corrections: T2 becomes 3 units; T1/2 moves to the 16th; a stale T1/1 arrives late.
    landing.deliver(
        "sales",
        [
            sale("T2", 1, "S1", "2025-03-14T13:00:00+03:00", 3, 30, employee="E2"),
            sale("T1", 2, "S1", "2025-03-16T12:00:00+03:00", 1, 50, discount=10, employee="E1"),
        ],
        DAY2,
    )
    landing.deliver(
        "sales", [sale("T1", 1, "S1", "2025-03-14T12:00:00+03:00", 9, 100, employee="E1")], "2025-03-19T06:00:00+00:00"
    )
    landing.deliver("traffic", [dict(TRAFFIC[0], visitors=30)], DAY2)
    # The roster catches up with S3 (a snapshot that also omits S2: S2 keeps its last version).
    landing.deliver("stores", [STORES[0], S3], DAY2)
    return dbt.build(module_warehouse, project_dir=dbt_project_copy, threads=2)


def test_first_build_passes_every_test_and_unit_test(first_build):
    assert first_build.ok
    assert "ERROR=0" in first_build.output and "PASS=" in first_build.output


def test_store_day_survey_measures_and_intervals(first_build, module_warehouse, sql_rows):
    row = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_store_days where store_code = 'S1' and business_date = '2025-03-14'",
        )
    )
    assert (row["responses"], row["nps_n"], row["promoters"], row["passives"], row["detractors"]) == (5, 4, 2, 1, 1)
    assert (row["csat_n"], row["csat_top2"]) == (4, 2)
    nps, low, high = nps_interval(2, 1, 4)
    assert float(row["nps"]) == pytest.approx(nps)
    assert float(row["nps_ci_low"]) == pytest.approx(low, abs=1e-9)
    assert float(row["nps_ci_high"]) == pytest.approx(high, abs=1e-9)
    assert float(row["csat_pct"]) == pytest.approx(50)
    csat_low, csat_high = wilson(2, 4)
    assert float(row["csat_ci_low_pct"]) == pytest.approx(csat_low, abs=1e-9)
    assert float(row["csat_ci_high_pct"]) == pytest.approx(csat_high, abs=1e-9)
    assert float(row["ces"]) == pytest.approx(3)


def test_local_dates_follow_the_store_time_zone(first_build, module_warehouse, sql_rows):
    row = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_store_days where store_code = 'S1' and business_date = '2025-03-15'",
        )
    )
    assert (row["nps_n"], row["detractors"]) == (1, 1)  # R6, 22:30 UTC on the 14th
    assert (row["transactions"], float(row["revenue"]), row["visitors"]) == (1, 10.0, 5)


def test_visit_scores_attribution_and_critical_failures(first_build, module_warehouse, sql_rows):
    visits = {
        r["visit_id"]: r for r in sql_rows(module_warehouse, "select * from intermediate.int_audit_visits_scored")
    }
    assert float(visits["V1"]["visit_score_pct"]) == pytest.approx(63.75)
    assert visits["V1"]["has_critical_failure"] is True
    assert visits["V1"]["product_knowledge_pct"] is None
    assert float(visits["V2"]["visit_score_pct"]) == pytest.approx(100)
    assert (visits["V2"]["employee_code"], visits["V2"]["attribution_method"]) == ("E1", "badge_name")
    assert (visits["V3"]["employee_code"], visits["V3"]["attribution_method"]) == (None, "none")
    assert visits["V3"]["badge_name_matches"] == 2
    assert float(visits["V3"]["visit_score_pct"]) == pytest.approx(6.25)
    assert float(visits["V5"]["product_knowledge_pct"]) == pytest.approx(80)
    assert float(visits["V5"]["visit_score_pct"]) == pytest.approx((0.25 * 100 + 0.5 * 80) / 0.75)
    assert (visits["V6"]["employee_code"], visits["V6"]["attribution_method"]) == (None, "none")
    assert visits["V7"]["visit_score_pct"] is None and visits["V7"]["is_counted"] is False

    day = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_store_days where store_code = 'S1' and business_date = '2025-03-14'",
        )
    )
    scores = [63.75, 100, 6.25, 100, (0.25 * 100 + 0.5 * 80) / 0.75]  # V1, V2, V3, V4 (still validated), V5
    assert day["validated_visits"] == 5
    assert float(day["mean_visit_score_pct"]) == pytest.approx(sum(scores) / 5)
    assert day["critical_failure_visits"] == 1


def test_sales_traffic_and_employee_month(first_build, module_warehouse, sql_rows):
    day = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_store_days where store_code = 'S1' and business_date = '2025-03-14'",
        )
    )
    # T1 (200 + 40), T2 30, T3 return -30: two transactions with a positive line.
    assert (day["transactions"], float(day["revenue"]), day["units"], day["visitors"]) == (2, 240.0, 3, 20)
    assert float(day["conversion_pct"]) == pytest.approx(10)
    assert float(day["average_ticket"]) == pytest.approx(120)
    assert float(day["units_per_transaction"]) == pytest.approx(1.5)

    e1 = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_employee_months where employee_code = 'E1' "
            "and month_start = '2025-03-01'",
        )
    )
    assert (e1["responses"], e1["promoters"], e1["validated_visits"]) == (2, 2, 4)  # V1, V2, V4, V5
    assert float(e1["hours_worked"]) == 16 and float(e1["revenue"]) == 250  # 240 + T4
    assert float(e1["sales_per_hour"]) == pytest.approx(250 / 16)
    assert (e1["primary_store_code"], e1["role"]) == ("S1", "sales_consultant")

    e4 = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_employee_months where employee_code = 'E4' "
            "and month_start = '2025-03-01'",
        )
    )
    # S2 on 1-4 March (the overlap 5-10 goes to the later assignment), S1 on 5-31 March.
    assert (e4["primary_store_code"], e4["role"], e4["assigned_days"]) == ("S1", "store_manager", 31)


def test_rollups_and_data_quality(first_build, module_warehouse, sql_rows):
    region = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_region_months where region = 'Центр' and month_start = '2025-03-01'",
        )
    )
    stores = sql_rows(
        module_warehouse,
        "select sum(promoters) p, sum(detractors) d, sum(nps_n) n from service_quality.fct_store_days "
        "where region = 'Центр' and month_start = '2025-03-01'",
    )[0]
    assert float(region["nps"]) == pytest.approx(100 * (stores["p"] - stores["d"]) / stores["n"])
    orphans = {
        (r["source"], r["code_type"], r["code"])
        for r in sql_rows(module_warehouse, "select * from service_quality.dq_orphan_codes")
    }
    assert ("surveys", "store_code", "SX") in orphans
    assert ("sales", "store_code", "S3") in orphans
    overlap = one(sql_rows(module_warehouse, "select * from service_quality.dq_overlapping_assignments"))
    assert (overlap["employee_code"], str(overlap["overlap_from"]), str(overlap["overlap_to"])) == (
        "E4",
        "2025-03-05",
        "2025-03-10",
    )
    pk = one(sql_rows(module_warehouse, "select * from service_quality.fct_product_knowledge_months"))
    assert (pk["brand"], pk["visits"], float(pk["product_knowledge_pct"])) == ("Samsung", 1, 80.0)
    behaviours = {
        r["question_code"]: float(r["observed_share_pct"])
        for r in sql_rows(module_warehouse, "select * from service_quality.fct_product_knowledge_behaviours")
    }
    assert behaviours == {"K01": 100.0, "K02": 0.0}  # K02 answered 3: below the top two


def test_staging_keeps_no_pii(first_build, module_warehouse, sql_rows):
    columns = {
        r["column_name"]
        for r in sql_rows(
            module_warehouse,
            "select column_name from information_schema.columns where table_schema in "
            "('staging', 'intermediate', 'service_quality')",
        )
    }
    assert not columns & {"customer_email_hash", "customer_phone_hash", "comment", "customer_email"}


def test_incremental_run_applies_late_corrections(second_build, module_warehouse, sql_rows):
    assert second_build.ok
    day = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_store_days where store_code = 'S1' and business_date = '2025-03-14'",
        )
    )
    # R2 corrected to 5 (a detractor); the late, older R3 version (nps 0) loses to the stored one.
    assert (day["promoters"], day["passives"], day["detractors"]) == (1, 1, 2)
    assert float(day["nps"]) == pytest.approx(-25)
    # T1/1 stays 2 x 100 (the late version is older), T1/2 moved away, T2 now 3 x 30, T3 -30.
    assert (day["transactions"], float(day["revenue"]), day["units"]) == (2, 260.0, 4)
    assert day["visitors"] == 40
    assert float(day["conversion_pct"]) == pytest.approx(5)
    assert day["validated_visits"] == 4  # V4 disputed now
    moved = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_store_days where store_code = 'S1' and business_date = '2025-03-16'",
        )
    )
    assert (moved["transactions"], float(moved["revenue"])) == (1, 40.0)
    # S3 became known: its earlier sales now count; S2 kept its last version.
    s3 = one(
        sql_rows(
            module_warehouse,
            "select * from service_quality.fct_store_days where store_code = 'S3' and business_date = '2025-03-14'",
        )
    )
    assert float(s3["revenue"]) == 70
    assert one(sql_rows(module_warehouse, "select count(*) n from service_quality.dim_stores"))["n"] == 3


def test_incremental_result_equals_a_full_rebuild(second_build, module_warehouse, dbt_project_copy, sql_rows):
    incremental = ["int_store_sales_days", "int_store_traffic_days", "int_sales_seller_days"]

    def contents() -> dict[str, list[dict]]:
        # Rows of touched days left without any line are zeros in the incremental result only.
        return {
            model: [
                {k: v for k, v in row.items() if k != "_max_staged_at"}
                for row in sql_rows(module_warehouse, f"select * from intermediate.{model} order by 1, 2, 3")
                if row.get("sales_lines", row.get("traffic_hours"))
            ]
            for model in incremental
        }

    before = contents()
    dbt.run_dbt(
        module_warehouse,
        ["run", "--full-refresh", "--select", *incremental],
        project_dir=dbt_project_copy,
    )
    assert contents() == before


def test_bi_reader_reads_every_mart_and_nothing_else(second_build, module_warehouse, sql_rows):
    marts = [
        r["table_name"]
        for r in sql_rows(
            module_warehouse, "select table_name from information_schema.tables where table_schema = 'service_quality'"
        )
    ]
    assert {"fct_store_days", "fct_store_months", "fct_employee_months", "dim_calendar"} <= set(marts)
    with module_warehouse.connect(autocommit=True) as conn:
        conn.execute("set role bi_reader")
        for table in marts:
            conn.execute(f'select * from service_quality."{table}" limit 1')
        for forbidden in ("staging.stg_surveys", "intermediate.int_survey_responses", "raw.surveys"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select * from {forbidden} limit 1")
