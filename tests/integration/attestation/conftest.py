"""Built attestation results, as the dbt models leave them, for publication tests on a real PostgreSQL.

The tables below have the interface columns of ``attestation.scorecards`` / ``components`` / ``awards``
(plus one column the published tables do not know, to prove it is kept), filled with a small chain:
two stores, five employees (Cyrillic names), quarters 2025-Q1 and 2025-Q2 and the year 2025.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from service_quality.warehouse.connection import WarehouseDsn

MODEL_DDL = """
create table attestation.components (
    period_type text, period_label text, employee_code text, component text, status text,
    n_observations numeric, raw_value numeric, shrunk_value numeric, points numeric, base_weight numeric,
    effective_weight numeric, weighted_points numeric, methodology_version text, component_label text,
    explanation_line text, min_observations numeric, built_at timestamptz default clock_timestamp()
);
create table attestation.scorecards (
    period_type text, period_label text, employee_code text, full_name text, store_code text, region text,
    role text, status text, not_attested_reason text, total_points numeric, grade text,
    has_critical_failure boolean, rank_in_store integer, rank_in_region integer, rank_in_chain integer,
    explanation text, methodology_version text,
    coach_note text, built_at timestamptz default clock_timestamp()
);
create table attestation.awards (
    period_type text, period_label text, award text, scope text, scope_code text, rank integer,
    employee_code text, full_name text, store_code text, brand text, score double precision,
    methodology_version text
);
"""

EMPLOYEES = [
    # code, name, store, region, role, base points per component
    ("E001", "Анна Смирнова", "MSK-01", "Москва", "sales_consultant", 91),
    ("E002", "Пётр Иванов", "MSK-01", "Москва", "sales_consultant", 74),
    ("E003", "Ольга Кузнецова", "MSK-01", "Москва", "cashier", 62),
    ("E004", "Дмитрий Соколов", "SPB-01", "Санкт-Петербург", "store_manager", 80),
    ("E005", "Елена Попова", "SPB-01", "Санкт-Петербург", "cashier", 50),
]
COMPONENTS = [
    ("service_audit", "Mystery shopping", Decimal("0.25")),
    ("customer_feedback", "Customer feedback", Decimal("0.25")),
    ("product_knowledge", "Product knowledge", Decimal("0.15")),
    ("sales_productivity", "Sales per hour", Decimal("0.10")),
    ("team_result", "Team result", Decimal("0.25")),
]
PERIODS = [("quarter", "2025-Q1", 0), ("quarter", "2025-Q2", 3), ("year", "2025", 1)]


def _grade(total: Decimal) -> str:
    return "A" if total >= 85 else "B" if total >= 70 else "C" if total >= 55 else "D"


def fill_models(dsn: WarehouseDsn) -> None:
    """Create and fill the model tables (replacing them, as a dbt rebuild does)."""
    with dsn.connect() as conn:
        conn.execute("drop table if exists attestation.components, attestation.scorecards, attestation.awards")
        conn.execute(MODEL_DDL)
        for period_type, label, shift in PERIODS:
            for code, name, store, region, role, base in EMPLOYEES:
                attested = code != "E005" or period_type == "year"
                lines, total = [], Decimal(0)
                for i, (component, comp_label, weight) in enumerate(COMPONENTS):
                    points = Decimal(base + shift - 2 * i)
                    status = "included" if attested else "insufficient_data"
                    weighted = (weight * points) if attested else Decimal(0)
                    total += weighted
                    line = f"{comp_label}: {4 + i} observations → {points} pts × {weight} = {weighted:.1f}"
                    lines.append(line)
                    conn.execute(
                        "insert into attestation.components values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'1.1',%s,%s,%s)",
                        [
                            period_type,
                            label,
                            code,
                            component,
                            status,
                            4 + i,
                            points,
                            points,
                            points if attested else None,
                            weight,
                            weight if attested else None,
                            weighted,
                            comp_label,
                            line,
                            3,
                        ],
                    )
                total = round(total, 1)
                lines.append(f"Total {total} → grade {_grade(total)}" if attested else "Not attested")
                conn.execute(
                    """
                    insert into attestation.scorecards values
                        (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'1.1',%s)
                    """,
                    [
                        period_type,
                        label,
                        code,
                        name,
                        store,
                        region,
                        role,
                        "attested" if attested else "not_attested",
                        None if attested else "insufficient_data",
                        total if attested else None,
                        _grade(total) if attested else None,
                        code == "E003",
                        None,
                        None,
                        None,
                        "\n".join(lines),
                        f"note for {code}",
                    ],
                )
        conn.execute(
            """
            update attestation.scorecards s set rank_in_store = r.rs, rank_in_region = r.rs, rank_in_chain = r.rc
            from (
                select period_type, period_label, employee_code,
                       rank() over (partition by period_type, period_label, store_code order by total_points desc) rs,
                       rank() over (partition by period_type, period_label order by total_points desc) rc
                from attestation.scorecards where status = 'attested'
            ) r
            where (s.period_type, s.period_label, s.employee_code) = (r.period_type, r.period_label, r.employee_code)
            """
        )
        conn.execute(
            """
            insert into attestation.awards
            select period_type, period_label, 'best_service_chain', 'chain', 'chain', rank_in_chain, employee_code,
                   full_name, store_code, null, total_points::float8 / 3 * 3, '1.1'
            from attestation.scorecards where rank_in_chain <= 3 and not has_critical_failure
            union all
            select period_type, period_label, 'best_service_store', 'store', store_code, 1, employee_code,
                   full_name, store_code, null, total_points::float8, '1.1'
            from attestation.scorecards where rank_in_store = 1
            """
        )


@pytest.fixture()
def rebuild():
    """Rebuild the model tables from scratch, as a dbt run does."""
    return fill_models


@pytest.fixture(scope="session")
def bootstrapped_template(databases) -> WarehouseDsn:
    """One bootstrapped warehouse per session, cloned by each test (a clone takes a fraction of a bootstrap)."""
    from service_quality.warehouse.bootstrap import bootstrap

    dsn = databases.create("sqw_att_template")
    bootstrap(dsn)
    return dsn


@pytest.fixture()
def att_warehouse(databases, bootstrapped_template: WarehouseDsn) -> WarehouseDsn:
    """A fresh bootstrapped warehouse of its own for one test (dropped with the session's databases)."""
    from psycopg import sql

    name = f"sqw_att_{uuid.uuid4().hex[:10]}"
    with databases.admin.connect(autocommit=True) as conn:
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(bootstrapped_template.dbname)
            )
        )
    databases.created.append(name)
    return databases.admin.with_dbname(name)


@pytest.fixture()
def built(att_warehouse: WarehouseDsn) -> Iterator[WarehouseDsn]:
    """A bootstrapped warehouse whose attestation models are built for 2025-Q1, 2025-Q2 and 2025."""
    fill_models(att_warehouse)
    yield att_warehouse
