"""The truth manifest and the real ingestion agree, case by case.

A month of the XS chain with injected defects goes through the ingestion into a real PostgreSQL
(Great Expectations off: the SQL row rules decide). Every case in ``truth/cases.jsonl`` must come out
as it says (loaded, quarantined with its rule, rejected with its reason, or a duplicate), and nothing
else may be quarantined or rejected.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from service_quality.simulator import cases as c

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ingested(databases, tmp_path_factory):
    from service_quality.contracts import SOURCES
    from service_quality.ingest.deliveries import ingest_source
    from service_quality.ingest.settings import IngestSettings
    from service_quality.simulator import simulate
    from service_quality.warehouse.bootstrap import bootstrap

    work = tmp_path_factory.mktemp("simulator_ingest")
    summary = simulate("XS", date(2025, 2, 24), date(2025, 3, 23), seed=23, defects=0.1, out=work / "sim")
    dsn = databases.create("sqw_sim")
    bootstrap(dsn)
    settings = IngestSettings(
        landing_root=str(summary.landing),
        archive_root=str(work / "archive"),
        data_docs_root=str(work / "data_docs"),
        validate_with_gx=False,
        build_data_docs=False,
        pii_key=b"simulator-test-key",
    )
    for source in SOURCES:
        ingest_source(source, settings.landing_root, dsn, settings)
    with (summary.truth / "cases.jsonl").open(encoding="utf-8") as f:
        cases = [json.loads(line) for line in f]
    return dsn, cases


def _rows(dsn, statement: str, params: list | None = None) -> list[dict]:
    from psycopg.rows import dict_row

    with dsn.connect(row_factory=dict_row) as conn:
        return conn.execute(statement, params or []).fetchall()


def test_every_case_has_its_expected_outcome(ingested):
    dsn, cases = ingested
    assert len({case["case"] for case in cases}) >= 20
    deliveries = {d["path"]: d for d in _rows(dsn, "select * from ops.deliveries")}
    for case in cases:
        where = f"{case['case']} in {case['file']}"
        d = deliveries[case["file"]]
        if case["expected"] == c.REJECTED:
            assert (d["status"], d["rejection_reason"]) == ("rejected", case["reason"]), where
            if case["reason"] == c.REASON_MISSING_COLUMN and case["column"]:
                assert d["rejection_column"] == case["column"], where
            continue
        if case["case"] == c.CASE_REDELIVERY:
            assert d["status"] == "duplicate", where
            assert deliveries[case["duplicate_of"]]["delivery_id"] == d["duplicate_of"], where
            continue
        assert d["status"] == "loaded", f"{where}: {d['status']} {d['rejection_reason']} {d['rejection_column']}"
        quarantined = _rows(
            dsn,
            f"select row_number, column_name, rule from quarantine.{case['source']} where delivery_id = %s",
            [d["delivery_id"]],
        )
        if case["expected"] == c.QUARANTINED:
            assert [(q["row_number"], q["column_name"], q["rule"]) for q in quarantined] == [
                (case["row"], case["column"], case["rule"])
            ], where
        else:
            assert quarantined == [], where
        if case["case"] == c.CASE_EXTRA_COLUMN:
            assert case["column"] in d["extra_columns"], where
        if case["expected"] == c.LOADED_FLAGGED:
            loaded = _rows(
                dsn,
                f"select {case['column']} as value from raw.{case['source']} where _delivery_id = %s and _row_number = %s",
                [d["delivery_id"], case["row"]],
            )
            assert loaded == [{"value": case["value"]}], where


def test_nothing_else_is_quarantined_or_rejected(ingested):
    dsn, cases = ingested
    listed = {case["file"] for case in cases if case["expected"] in (c.QUARANTINED, c.REJECTED)}
    rejected = {d["path"] for d in _rows(dsn, "select path from ops.deliveries where status = 'rejected'")}
    with_bad_rows = {
        d["path"]
        for d in _rows(dsn, "select path from ops.deliveries where status = 'loaded' and rows_quarantined > 0")
    }
    assert rejected | with_bad_rows <= listed
    loaded = _rows(dsn, "select count(*) as n from ops.deliveries where status = 'loaded'")[0]["n"]
    assert loaded > 50
