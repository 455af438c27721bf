"""The ingestion DAGs (one per source of the contracts), built by one factory, document themselves from their contracts."""

from __future__ import annotations

import pytest

from service_quality.contracts import SOURCES, contract
from service_quality.paths import DAGS_DIR


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))
    return {source: bag.dags[f"ingest_{source}"] for source in SOURCES}


@pytest.mark.parametrize("source", SOURCES)
def test_doc_md_states_the_contracts_facts(dags, source):
    c = contract(source)
    doc = dags[source].doc_md
    assert doc.startswith(f"### Ingest {source}: new deliveries -> validated -> `raw.{source}`\n")
    assert f"Airflow DAG for {c.description}: " in doc
    assert ("snapshot (each delivery is the full current list)" in doc) == c.snapshot
    assert f"formats {', '.join(c.formats)}; key ({', '.join(c.primary_key)})." in doc
    assert f"`expectations/{source}.py`" in doc and f"`quarantine.{source}`" in doc
    assert f"the Asset `{c.asset_uri}`" in doc
    # the PII paragraph is there exactly for the sources whose contract has contact fields
    assert ("are replaced by a keyed hash" in doc) == bool(c.pii_columns)
    for column in c.pii_columns:
        assert column in doc


def test_the_surveys_doc_names_its_contact_fields():
    from service_quality.ingest.dags import doc_md

    assert "Contact fields (customer_email, customer_phone) are replaced by a keyed hash" in doc_md("surveys")


def test_a_dag_of_its_own_adds_its_note_before_the_configuration():
    from service_quality.ingest.dags import doc_md

    doc = doc_md("sales", note="Backfills: deliver the missing days again.")
    assert doc.index("Backfills: deliver the missing days again.") < doc.index("Configuration: connection")
    assert "Backfills" not in doc_md("sales")


def test_only_the_surveys_dag_tags_comment_themes_after_its_loads(dags):
    from airflow.sdk import Asset

    from service_quality.ingest.dags import COMMENT_THEMES_ASSET

    surveys = dags["surveys"]
    tag = surveys.get_task("tag_comment_themes")
    assert tag.upstream_task_ids == {"load"} and tag.trigger_rule == "none_failed"
    assert [o.uri for o in tag.outlets] == [Asset(COMMENT_THEMES_ASSET).uri]
    assert "`tag_comment_themes`" in surveys.doc_md and surveys.doc_md.index(
        "tag_comment_themes"
    ) < surveys.doc_md.index("Configuration: connection")
    for source, dag in dags.items():
        if source != "surveys":
            assert "tag_comment_themes" not in dag.task_ids
