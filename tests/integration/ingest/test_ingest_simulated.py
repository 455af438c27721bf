"""Every case the simulator injects ends exactly as its truth manifest says, and nothing else is flagged."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from ingest_helpers import query

from service_quality.contracts import SOURCES
from service_quality.ingest.deliveries import ingest_source
from service_quality.ingest.source_totals import source_totals

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ingested(databases, tmp_path_factory):
    """A simulated XS chain (January, 2 % defects) ingested source by source, in arrival order."""
    from service_quality.ingest.settings import IngestSettings
    from service_quality.simulator import simulate
    from service_quality.warehouse.bootstrap import bootstrap

    work = tmp_path_factory.mktemp("simulated")
    simulate("XS", date(2025, 1, 1), date(2025, 1, 31), seed=1, defects=0.02, out=work / "sim", workers=1)
    dsn = databases.create("sqw_ingest_sim")
    bootstrap(dsn)
    settings = IngestSettings(
        landing_root=str(work / "sim" / "landing"),
        archive_root=str(work / "archive"),
        data_docs_root=str(work / "docs"),
        validate_with_gx=False,
        pii_key=b"simulated-key",
    )
    results = [r for source in SOURCES for r in ingest_source(source, settings.landing_root, dsn, settings)]
    cases = [json.loads(line) for line in (work / "sim" / "truth" / "cases.jsonl").read_text().splitlines()]
    return dsn, results, cases


def _by_path(results):
    return {r["path"]: r for r in results}


def test_every_injected_case_ends_as_the_manifest_says(ingested):
    dsn, results, cases = ingested
    by_path = _by_path(results)
    quarantined = {
        (path, row, column, rule)
        for source in SOURCES
        for path, row, column, rule in query(
            dsn,
            f"select d.path, q.row_number, q.column_name, q.rule from quarantine.{source} q"
            " join ops.deliveries d using (delivery_id)",
        )
    }
    raw_rows = {
        (path, row)
        for source in SOURCES
        for path, row in query(
            dsn,
            f"select d.path, r._row_number from raw.{source} r join ops.deliveries d on d.delivery_id = r._delivery_id",
        )
    }
    assert cases, "the simulator injected no case"
    for case in cases:
        result = by_path[case["file"]]
        where = f"{case['case']} in {case['file']} row {case['row']}"
        if case["expected"] == "rejected":
            assert result["status"] == "rejected", where
            assert result["rejection_reason"] == case["reason"], where
            if case["reason"] == "missing_column" and case["column"]:
                assert result["rejection_column"] == case["column"], where
            assert case["file"] in result["message"], where
        elif case["expected"] == "quarantined":
            assert result["status"] == "loaded", where
            assert (case["file"], case["row"], case["column"], case["rule"]) in quarantined, where
            assert (case["file"], case["row"]) not in raw_rows, where
        elif case["expected"] in ("accepted", "loaded_flagged"):
            assert result["status"] in ("loaded", "duplicate"), where
            if case["row"] is not None:
                assert (case["file"], case["row"]) in raw_rows, where
            if case["case"] == "identical_redelivery":
                assert result["status"] == "duplicate", where
        else:
            raise AssertionError(f"unknown expected outcome {case['expected']}")


def test_nothing_else_is_quarantined_or_rejected(ingested):
    dsn, results, cases = ingested
    expected_quarantine = Counter(
        (c["file"], c["row"], c["column"], c["rule"]) for c in cases if c["expected"] == "quarantined"
    )
    found = Counter()
    for source in SOURCES:
        for row in query(
            dsn,
            f"select d.path, q.row_number, q.column_name, q.rule from quarantine.{source} q"
            " join ops.deliveries d using (delivery_id)",
        ):
            found[row] += 1
    assert found == expected_quarantine
    expected_rejected = {c["file"] for c in cases if c["expected"] == "rejected"}
    assert {r["path"] for r in results if r["status"] == "rejected"} == expected_rejected
    expected_duplicates = {c["file"] for c in cases if c["case"] == "identical_redelivery"}
    assert {r["path"] for r in results if r["status"] == "duplicate"} >= expected_duplicates


def test_reconciliation_and_summary(ingested):
    dsn, results, _ = ingested
    bad = query(
        dsn,
        "select path from ops.deliveries where status = 'loaded' and rows_read <> rows_loaded + rows_quarantined",
    )
    assert bad == []
    rows = {r["source"]: r for r in source_totals(dsn)}
    assert set(rows) == set(SOURCES)
    for source in SOURCES:
        loaded = sum(r["rows_loaded"] for r in results if r["source"] == source)
        assert rows[source]["rows_loaded"] == loaded == query(dsn, f"select count(*) from raw.{source}")[0][0]
        assert rows[source]["deliveries"] == sum(1 for r in results if r["source"] == source)
        assert rows[source]["deliveries_loaded"] > 0, source


def test_personal_data_in_free_text_is_stored_scrubbed(ingested):
    dsn, _, cases = ingested
    pii_cases = [c for c in cases if c["case"] == "free_text_pii"]
    assert {c["source"] for c in pii_cases} == {"surveys", "audit_answers", "appeals"}
    for case in pii_cases:
        stored = query(
            dsn,
            f"select r.{case['column']} from raw.{case['source']} r join ops.deliveries d"
            " on d.delivery_id = r._delivery_id where d.path = %s and r._row_number = %s",
            [case["file"], case["row"]],
        )
        assert stored == [(case["scrubbed"],)], case


def _contact_data_outside_hashes(dsn) -> tuple[set[str], int, list[tuple]]:
    """Every text, varchar and jsonb column of every schema, searched with the scrubber's own patterns for an
    e-mail address or a phone number; the keyed hashes of the contact fields are the only exception.
    Returns the schemas searched, the values searched and what was found."""
    from service_quality.ingest.scrub import found

    columns = query(
        dsn,
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema not in ('pg_catalog', 'information_schema') and table_schema not like 'pg_%%'"
        " and data_type in ('text', 'character varying', 'jsonb', 'json') and column_name not like '%%\\_hash'",
    )
    searched, leaks = 0, []
    for schema, table, column in columns:
        for (value,) in query(
            dsn,
            f'select distinct "{column}"::text from "{schema}"."{table}" where "{column}"::text ~ %s',
            [r"[0-9@]|\(at\)|\[at\]"],
        ):
            searched += 1
            kinds = [k for k in found(value) if k in ("email", "phone")]
            if kinds:
                leaks.append((f"{schema}.{table}.{column}", kinds, value[:200]))
    return {schema for schema, _, _ in columns}, searched, leaks


def test_no_e_mail_or_phone_number_anywhere_in_the_warehouse(ingested, tmp_path):
    """What ingestion writes (raw, quarantine, ops), then the dbt staging views over it."""
    from service_quality.transform import dbt

    dsn, _, cases = ingested
    # the simulator did put personal data into what was delivered
    assert any("@" in str(c["value"]) for c in cases if c["case"] == "free_text_pii")
    schemas, searched, leaks = _contact_data_outside_hashes(dsn)
    assert schemas >= {"raw", "quarantine", "ops"} and searched > 1000, (schemas, searched)
    assert leaks == []

    dbt.run_dbt(dsn, ["run", "--select", "staging"], target_path=tmp_path / "target", threads=2)
    schemas, _, leaks = _contact_data_outside_hashes(dsn)
    assert "staging" in schemas, schemas
    assert leaks == []
