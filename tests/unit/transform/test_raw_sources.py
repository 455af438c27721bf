"""Every source of the contracts is ingested by ``sqw run``, and the transform waits only for the sources that
arrive on a cadence: a landing zone without appeals must never hold the transform back."""

from __future__ import annotations

from service_quality.contracts import REGULAR_SOURCES, SOURCES, contract
from service_quality.orchestrate.pipeline import INGEST_DAG_IDS
from service_quality.paths import DAGS_DIR
from service_quality.transform.cosmos import RAW_SOURCES, SCHEDULE_SOURCES, raw_assets


def test_every_contract_source_has_its_ingestion_dag_file_and_is_run_by_the_pipeline():
    assert RAW_SOURCES == SOURCES
    assert "appeals" in SOURCES and len(SOURCES) == 10
    assert tuple(f"ingest_{s}" for s in SOURCES) == INGEST_DAG_IDS
    for source in SOURCES:
        assert (DAGS_DIR / f"ingest_{source}.py").is_file(), source


def test_the_transform_waits_for_the_regular_sources_only():
    assert "appeals" not in REGULAR_SOURCES
    assert not contract("appeals").arrives_regularly
    assert SCHEDULE_SOURCES == REGULAR_SOURCES == tuple(s for s in SOURCES if s != "appeals")
    tables = [a.uri.rsplit("/", 1)[1] for a in raw_assets()]  # Airflow normalises the URI (adds the port)
    assert tables == list(REGULAR_SOURCES)
    assert "appeals" not in tables
