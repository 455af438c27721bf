"""Fixtures for the dbt tests: a private copy of the dbt project with a hand-made checklist, and a
landing helper that writes deliveries straight into ``ops.deliveries`` and ``raw.*``.

The copy keeps each test session's ``target/`` apart from a developer's and leaves out the
attestation models (tested by their own suite), so these tests exercise the service-quality part
alone. The checklist seeds are replaced by a small one whose points make every expected score
easy to compute by hand.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from service_quality.paths import DBT_PROJECT_DIR
from service_quality.warehouse.connection import WarehouseDsn

#: The seeds the service-quality models read (the other attestation seeds belong to the attestation
#: suite). attestation_thresholds holds the appeal window and decision deadline (methodology 1.1, §8),
#: which every audit measure depends on through the appeals.
SERVICE_QUALITY_SEED_FILES = {
    "attestation_thresholds.csv",
    "audit_checklist.csv",
    "audit_sections.csv",
    "_audit__seeds.yml",
    "themes.csv",
    "theme_terms.csv",
    "theme_polarity_cues.csv",
    "_themes__seeds.yml",
}

AUDIT_CHECKLIST = """checklist_version,question_code,section_code,question_text,answer_type,points,is_critical
v1,G01,greeting,Greeted within 30 seconds,yes_no,3,false
v1,G02,greeting,Polite throughout the visit,yes_no,1,true
v1,N01,needs_discovery,Asked open questions about needs,scale_0_5,5,false
v1,K01,product_knowledge,Named the key specifications,yes_no,5,false
v1,K02,product_knowledge,Compared with competing models,scale_0_5,5,false
"""

AUDIT_SECTIONS = """section_code,section_name,weight
greeting,Greeting,0.25
needs_discovery,Needs discovery,0.75
product_knowledge,Product knowledge,0.5
"""


def write_test_checklist(project: Path) -> None:
    """Replace the checklist seeds of a dbt project copy with the hand-made ones above."""
    (project / "seeds" / "audit_checklist.csv").write_text(AUDIT_CHECKLIST, encoding="utf-8")
    (project / "seeds" / "audit_sections.csv").write_text(AUDIT_SECTIONS, encoding="utf-8")


@pytest.fixture(scope="session")
def dbt_project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dbt project without build output and attestation models, with the test checklist."""
    target = tmp_path_factory.mktemp("dbt") / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR,
        target,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "attestation"),
    )
    for seed_file in (target / "seeds").iterdir():
        if seed_file.name not in SERVICE_QUALITY_SEED_FILES:
            seed_file.unlink()
    write_test_checklist(target)
    return target


@pytest.fixture(scope="session")
def full_dbt_project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole dbt project, attestation included, with the test checklist (for the appeals' effects)."""
    target = tmp_path_factory.mktemp("dbt_full") / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, target, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    write_test_checklist(target)
    return target


class Landing:
    """Writes deliveries the way the ingestion does: one ops.deliveries row, then the typed raw rows."""

    def __init__(self, dsn: WarehouseDsn) -> None:
        self.dsn = dsn

    def deliver(self, source: str, rows: list[dict], arrived_at: str, path: str | None = None) -> int:
        from psycopg import sql

        path = path or f"{source}/{arrived_at[:10]}/{uuid.uuid4().hex[:8]}.csv"
        with self.dsn.connect() as conn, conn.transaction():
            delivery_id = conn.execute(
                """
                insert into ops.deliveries
                    (source, path, content_sha256, size_bytes, arrived_at, status, rows_read, rows_loaded)
                values (%s, %s, %s, 0, %s, 'loaded', %s, %s)
                returning delivery_id
                """,
                [source, path, uuid.uuid4().hex, arrived_at, len(rows), len(rows)],
            ).fetchone()[0]
            for row_number, row in enumerate(rows, start=1):
                columns = [*row, "_delivery_id", "_row_number", "_arrived_at"]
                conn.execute(
                    sql.SQL("insert into {}.{} ({}) values ({})").format(
                        sql.Identifier("raw"),
                        sql.Identifier(source),
                        sql.SQL(", ").join(map(sql.Identifier, columns)),
                        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
                    ),
                    [*row.values(), delivery_id, row_number, arrived_at],
                )
        return delivery_id


def query(dsn: WarehouseDsn, statement: str, params: list | None = None) -> list[dict]:
    """Rows of a query as dicts."""
    from psycopg.rows import dict_row

    with dsn.connect(row_factory=dict_row) as conn:
        return conn.execute(statement, params or []).fetchall()


@pytest.fixture(scope="module")
def module_warehouse(databases) -> Iterator[WarehouseDsn]:
    """A bootstrapped warehouse shared by one test module (dbt builds are too slow to repeat per test)."""
    from service_quality.warehouse.bootstrap import bootstrap

    dsn = databases.create("sqw_dbt")
    bootstrap(dsn)
    yield dsn


@pytest.fixture(scope="module")
def landing(module_warehouse: WarehouseDsn) -> Landing:
    return Landing(module_warehouse)


@pytest.fixture(scope="session")
def sql_rows():
    """``sql_rows(dsn, statement, params)`` -> list of dict rows."""
    return query
