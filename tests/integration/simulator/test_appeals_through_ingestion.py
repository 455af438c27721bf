"""The simulated appeals exports through the real ingestion: every injected appeals case comes out as the manifest
says, nothing else is quarantined or rejected, repeated exports are duplicates, and the latest version of each
appeal in ``raw.appeals`` is the one the truth (``truth/appeals.jsonl``) judges."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from service_quality.simulator import cases as c

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ingested(databases, tmp_path_factory):
    from service_quality.ingest.deliveries import ingest_source
    from service_quality.ingest.settings import IngestSettings
    from service_quality.simulator import simulate
    from service_quality.warehouse.bootstrap import bootstrap

    work = tmp_path_factory.mktemp("appeals_ingest")
    # five months of S: exports of 15 rows and more, which carry the appeals row cases
    summary = simulate("S", date(2025, 1, 1), date(2025, 5, 31), seed=5, defects=0.05, out=work / "sim")
    dsn = databases.create("sqw_appeals")
    bootstrap(dsn)
    settings = IngestSettings(
        landing_root=str(summary.landing),
        archive_root=str(work / "archive"),
        data_docs_root=str(work / "data_docs"),
        validate_with_gx=False,
        build_data_docs=False,
        pii_key=b"simulator-test-key",
    )
    ingest_source("appeals", settings.landing_root, dsn, settings)
    truth = summary.truth
    cases = [json.loads(line) for line in (truth / "cases.jsonl").open(encoding="utf-8")]
    appeals = [json.loads(line) for line in (truth / "appeals.jsonl").open(encoding="utf-8")]
    with (truth / "deliveries.csv").open(encoding="utf-8") as f:
        exports = [d for d in csv.DictReader(f) if d["source"] == "appeals"]
    return dsn, [case for case in cases if case["source"] == "appeals"], appeals, exports


def _rows(dsn, statement: str) -> list[tuple]:
    with dsn.connect() as conn:
        return conn.execute(statement).fetchall()


def test_each_appeals_case_is_quarantined_with_its_rule_and_nothing_else(ingested):
    dsn, cases, _, exports = ingested
    quarantined = {
        (path, row, column, rule)
        for path, row, column, rule in _rows(
            dsn,
            "select d.path, q.row_number, q.column_name, q.rule"
            " from quarantine.appeals q join ops.deliveries d using (delivery_id)",
        )
    }
    expected = {
        (case["file"], case["row"], case["column"], case["rule"]) for case in cases if case["expected"] == c.QUARANTINED
    }
    assert expected and quarantined == expected
    statuses = dict(_rows(dsn, "select path, status from ops.deliveries where source = 'appeals'"))
    for d in exports:
        assert statuses[d["file"]] == ("duplicate" if d["kind"] == "duplicate" else "loaded"), d["file"]
    # personal data typed into a reason is stored as the truth says
    for case in cases:
        if case["case"] == c.CASE_FREE_TEXT_PII:
            [(reason,)] = _rows(
                dsn,
                "select a.reason from raw.appeals a join ops.deliveries d on d.delivery_id = a._delivery_id"
                f" where d.path = '{case['file']}' and a._row_number = {case['row']}",
            )
            assert reason == case["scrubbed"]


def test_the_latest_version_of_each_appeal_is_the_one_the_truth_judges(ingested):
    dsn, _, appeals, _ = ingested
    latest = {
        appeal_id: (decision, corrected)
        for appeal_id, decision, corrected in _rows(
            dsn,
            "select distinct on (appeal_id) appeal_id, decision, corrected_answer from raw.appeals"
            " order by appeal_id, _arrived_at desc, _delivery_id desc, _row_number desc",
        )
    }
    assert latest.keys() == {t["appeal_id"] for t in appeals}
    for t in appeals:
        decision, corrected = latest[t["appeal_id"]]
        assert (decision or "open") == t["outcome"], t["appeal_id"]
        if t["effect"] == "corrected_answer":
            assert corrected == t["corrected_answer"], t["appeal_id"]
