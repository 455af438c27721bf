"""The datasets and facets a load and a publication report, as the OpenLineage client serialises them.

The load's lineage is built from a real batch (as ``find_new_deliveries`` shapes it, a delivery with a
byte-identical copy) and the per-file results the loader returns; names follow the OpenLineage naming spec.
"""

from __future__ import annotations

import json

from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
from openlineage.client.serde import Serde

from service_quality.contracts import contract
from service_quality.lineage.ingest import load_lineage
from service_quality.lineage.naming import landing_file, warehouse_table
from service_quality.lineage.publication import publish_lineage
from service_quality.warehouse.connection import WarehouseDsn

DSN = WarehouseDsn("db.internal", 6432, "loader", "", "warehouse")
RUN_ID = "01890f3c-7b1e-7cc0-8a2e-3c6d0f1a2b3c"


def _delivery(path: str, size: int = 100) -> dict:
    return {
        "source": "sales",
        "path": path,
        "uri": f"file:///landing/{path}",
        "sha256": path,
        "size_bytes": size,
        "arrived_at": "2025-03-01T06:00:00+00:00",
        "copies": [],
    }


def _result(path: str, status: str, read: int = 0, loaded: int = 0, quarantined: int = 0, column=None) -> dict:
    return {
        "source": "sales",
        "path": path,
        "status": status,
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_quarantined": quarantined,
        "rejection_reason": "missing_column" if status == "rejected" else None,
        "rejection_column": column,
        "message": None,
    }


def _as_json(lineage) -> dict:
    """The event the listener would send, through the client's serialiser."""
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime="2025-03-01T06:01:00+00:00",
        run=Run(runId=RUN_ID),
        job=Job(namespace="service_quality", name="ingest_sales.load"),
        producer="https://example.org/test",
        inputs=lineage.inputs,
        outputs=lineage.outputs,
    )
    return json.loads(Serde.to_json(event))


def test_names_follow_the_naming_spec():
    assert warehouse_table(DSN, "raw", "sales") == ("postgres://db.internal:6432", "warehouse.raw.sales")
    assert landing_file("file:///landing/sales/2025/03/01/sales%20a.csv") == (
        "file",
        "/landing/sales/2025/03/01/sales a.csv",
    )
    assert landing_file("/landing/x.csv") == ("file", "/landing/x.csv")


def test_a_load_reports_files_in_tables_out_with_schema_and_counts():
    first, rejected = _delivery("sales/a.csv"), _delivery("sales/b.csv")
    first["copies"] = [_delivery("sales/a-copy.csv")]
    results = [
        _result("sales/a.csv", "loaded", read=10, loaded=8, quarantined=2),
        _result("sales/a-copy.csv", "duplicate"),
        _result("sales/b.csv", "rejected", column="store_code"),
    ]
    event = _as_json(load_lineage("sales", [first, rejected], DSN, results))

    inputs = {i["name"]: i for i in event["inputs"]}
    assert set(inputs) == {"/landing/sales/a.csv", "/landing/sales/a-copy.csv", "/landing/sales/b.csv"}
    assert {i["namespace"] for i in event["inputs"]} == {"file"}
    assert inputs["/landing/sales/a.csv"]["inputFacets"]["dataQualityMetrics"]["rowCount"] == 10
    accepted, valid = inputs["/landing/sales/a.csv"]["facets"]["dataQualityAssertions"]["assertions"]
    assert (accepted["success"], valid["success"], valid["actual"]) == (True, False, "2")
    refused = inputs["/landing/sales/b.csv"]["facets"]["dataQualityAssertions"]["assertions"][0]
    assert (refused["assertion"], refused["success"], refused["column"]) == ("delivery_accepted", False, "store_code")

    outputs = {o["name"]: o for o in event["outputs"]}
    assert set(outputs) == {"warehouse.raw.sales", "warehouse.quarantine.sales"}
    raw, quarantine = outputs["warehouse.raw.sales"], outputs["warehouse.quarantine.sales"]
    assert raw["namespace"] == "postgres://db.internal:6432"
    assert (raw["facets"]["dataQualityMetrics"]["rowCount"], raw["outputFacets"]["outputStatistics"]["rowCount"]) == (
        8,
        8,
    )
    assert quarantine["facets"]["dataQualityMetrics"]["rowCount"] == 2
    (no_rejected,) = raw["facets"]["dataQualityAssertions"]["assertions"]
    assert (no_rejected["success"], no_rejected["actual"]) == (False, "1")
    fields = {f["name"]: f["type"] for f in raw["facets"]["schema"]["fields"]}
    c = contract("sales")
    assert {c.raw_column(col.name): col.raw_type for col in c.columns}.items() <= fields.items()
    assert fields["_delivery_id"] == "bigint"
    assert {f["name"] for f in quarantine["facets"]["schema"]["fields"]} >= {"delivery_id", "rule", "record"}


def test_before_the_load_runs_only_datasets_and_schemas_are_known():
    event = _as_json(load_lineage("sales", [_delivery("sales/a.csv")], DSN, None))
    assert [i["name"] for i in event["inputs"]] == ["/landing/sales/a.csv"]
    assert "dataQualityAssertions" not in event["inputs"][0].get("facets", {})
    for output in event["outputs"]:
        assert set(output["facets"]) == {"schema"}
        assert not output.get("outputFacets")


def test_a_publication_versions_the_published_tables_by_period_and_revision():
    published = [
        {
            "period_type": "quarter",
            "period_label": "2025-Q1",
            "revision": 2,
            "created": True,
            "inputs_checksum": "ab" * 32,
            "methodology_version": "1.1",
        },
        {"period_type": "quarter", "period_label": "2025-Q2", "revision": None, "created": False},
        {
            "period_type": "year",
            "period_label": "2025",
            "revision": 1,
            "created": False,
            "inputs_checksum": "cd" * 32,
            "methodology_version": "1.1",
        },
    ]
    event = _as_json(publish_lineage(DSN, published))
    assert [i["name"] for i in event["inputs"]] == [
        "warehouse.attestation.scorecards",
        "warehouse.attestation.components",
        "warehouse.attestation.awards",
    ]
    scorecards = next(o for o in event["outputs"] if o["name"] == "warehouse.attestation.published_scorecards")
    assert scorecards["facets"]["version"]["datasetVersion"] == "2025-Q1/2,2025/1"
    revisions = scorecards["facets"]["attestationPublication"]["revisions"]
    assert [(r["period_label"], r["revision"], r["created"]) for r in revisions] == [
        ("2025-Q1", 2, True),
        ("2025", 1, False),
    ]
    assert scorecards["facets"]["attestationPublication"]["_schemaURL"].startswith("urn:")
    # before the task has run, or when nothing was attested: the tables, no version
    assert all("version" not in o["facets"] for o in _as_json(publish_lineage(DSN, None))["outputs"])
