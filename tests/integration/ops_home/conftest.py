"""A simulated chain, ingested and built up to the data-quality marts, with two attested periods: what the
operators' home reads, shared by this folder's tests.

One month of the XS chain with 2 % injected defects (rejected deliveries, quarantined rows) goes through
the real ingestion (Great Expectations off: its suites are tested elsewhere, the SQL row rules still apply)
and dbt builds the data-quality marts. The attestation's publication is tested in tests/integration/attestation;
here two periods are recorded the way it records them (``attestation.revisions`` and ``period_status``),
one published and one waiting for a re-run because of late deliveries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from service_quality.warehouse.connection import WarehouseDsn

START, END = date(2025, 1, 1), date(2025, 1, 31)
DQ_SELECTION = (
    "+dq_orphan_codes",
    "+dq_overlapping_assignments",
    "+dq_ingestion_summary",
    "+dq_quarantine_rules",
    "+dim_stores",
    "+fct_store_appeal_months",
    "+fct_appeals",
)


@dataclass
class OpsChain:
    dsn: WarehouseDsn
    last_arrived_at: datetime
    pending_period: str
    published_period: str
    late_delivery_ids: list[int]

    def rows(self, statement: str, params: dict | list | None = None) -> list[dict]:
        from psycopg.rows import dict_row

        with self.dsn.connect(row_factory=dict_row) as conn:
            return conn.execute(statement, params or []).fetchall()


@pytest.fixture(scope="session")
def ops_chain(databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpsChain]:
    from service_quality.contracts import SOURCES
    from service_quality.ingest.deliveries import ingest_source
    from service_quality.ingest.settings import IngestSettings
    from service_quality.simulator import simulate
    from service_quality.transform import dbt
    from service_quality.warehouse.bootstrap import bootstrap

    work = tmp_path_factory.mktemp("ops_home")
    simulate("XS", START, END, seed=3, defects=0.02, out=work / "sim", workers=1)
    dsn = databases.create("sqw_ops_home")
    bootstrap(dsn)
    settings = IngestSettings(
        landing_root=str(work / "sim" / "landing"),
        archive_root=str(work / "archive"),
        data_docs_root=str(work / "data_docs"),
        validate_with_gx=False,
        build_data_docs=False,
        pii_key=b"ops-home-test-key",
    )
    for source in SOURCES:
        ingest_source(source, settings.landing_root, dsn, settings)
    dbt.build(
        dsn,
        list(DQ_SELECTION),
        extra=["--resource-type", "seed", "--resource-type", "model"],
        target_path=work / "dbt_target",
    )
    with dsn.connect() as conn:
        # The ingestion here ran outside Airflow; the rejected deliveries name the DAG run that would have
        # processed them, as an ingestion DAG records it.
        conn.execute(
            "update ops.deliveries set dag_id = 'ingest_' || source, run_id = 'scheduled__2025-01-31T00:00:00+00:00'"
            " where status = 'rejected'"
        )
        last = conn.execute("select max(arrived_at) from ops.deliveries").fetchone()[0]
        late = [
            r[0]
            for r in conn.execute(
                "select delivery_id from ops.deliveries where source = 'sales' and status = 'loaded'"
                " order by arrived_at desc limit 2"
            )
        ]
        for label, revision in (("2024-Q4", 1), ("2025-Q1", 1), ("2025-Q1", 2)):
            conn.execute(
                "insert into attestation.revisions (period_type, period_label, revision, run_id, dag_id,"
                " published_at, inputs_as_of, methodology_version, inputs_checksum, scorecard_rows,"
                " component_rows, award_rows) values ('quarter', %s, %s, %s, 'attestation_quarterly',"
                " %s::timestamptz + make_interval(hours => %s), %s, '1.1', 'sha', 0, 0, 0)",
                [label, revision, f"manual__{label}-{revision}", last, revision, last],
            )
        conn.execute(
            "insert into attestation.period_status (period_type, period_label, status, current_revision,"
            " last_run_id, last_checked_at, inputs_as_of, pending_since, late_deliveries, late_rows) values"
            " ('quarter', '2024-Q4', 'published', 1, 'manual__2024-Q4-1', %(t)s, %(t)s, null, '{}', 0),"
            " ('quarter', '2025-Q1', 'revision_pending', 2, 'manual__2025-Q1-2', %(t)s, %(t)s, %(t)s, %(late)s,"
            "  (select sum(rows_loaded) from ops.deliveries where delivery_id = any(%(late)s)))",
            {"t": last, "late": late},
        )
    yield OpsChain(dsn, last, "2025-Q1", "2024-Q4", late)
