"""Replay from the archive rebuilds byte-identical marts and the same attestation inputs.

A simulated XS quarter (defects on: rejected, quarantined and duplicate deliveries) is ingested source
by source and built with dbt; a second, fresh warehouse is then filled from the archive alone, with the
sources replayed in the opposite order, so every delivery gets a different delivery id and processing
time. Every mart of both schemas must checksum the same, and so must the period results a publication
freezes: a mart may depend on what was delivered (contents, arrival times, landing paths), never on
when or in which order the loads ran.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from service_quality.contracts import SOURCES

pytestmark = [pytest.mark.integration, pytest.mark.slow]

START, END = date(2025, 1, 1), date(2025, 3, 31)
AS_OF = "2025-04-01"  # the day after the quarter: 2025-Q1 is closed, the year is not


def _build(dsn, target) -> None:
    """Seeds and models of the whole project (their data tests run in the model suites)."""
    from service_quality.transform import dbt

    dbt.build(
        dsn,
        extra=[
            "--vars",
            json.dumps({"attestation_as_of": AS_OF}),
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
        ],
        target_path=target,
    )


def _state(dsn) -> tuple[dict[str, str], dict[str, str], list[tuple]]:
    """(mart checksums, inputs checksum per closed period, delivery ids in arrival order)."""
    from service_quality.attestation.periods import parse
    from service_quality.attestation.publish import inputs_checksum
    from service_quality.orchestrate.pipeline import mart_checksums

    with dsn.connect() as conn:
        periods = conn.execute(
            "select distinct period_type, period_label from attestation.scorecards order by 1, 2"
        ).fetchall()
        revisions = {label: inputs_checksum(conn, parse(kind, label))[0] for kind, label in periods}
        ids = conn.execute("select source, path, delivery_id from ops.deliveries order by arrived_at, path").fetchall()
    return mart_checksums(dsn), revisions, ids


def _empty_by_the_data(dsn) -> set[str]:
    """The marts the simulated data leaves empty by construction, so that no other may be empty."""
    with dsn.connect() as conn:
        appeals = conn.execute("select count(*) from raw.appeals").fetchone()[0]
        frequent_shoppers = conn.execute(
            """
            select count(*) from (
                select 1 from intermediate.int_audit_visits_scored where is_counted
                group by agency, shopper_code, date_trunc('quarter', visit_date) having count(*) >= 5
            ) as shoppers
            """
        ).fetchone()[0]
    empty = set()
    if not appeals:
        empty |= {"service_quality.fct_appeals", "service_quality.fct_store_appeal_months"}
    if not frequent_shoppers:
        empty.add("service_quality.fct_shopper_consistency_quarters")
    return empty


def test_a_replay_in_another_order_rebuilds_identical_marts(databases, tmp_path, monkeypatch):
    from service_quality.ingest.deliveries import ingest_source
    from service_quality.ingest.replay import replay
    from service_quality.ingest.settings import IngestSettings
    from service_quality.simulator import simulate
    from service_quality.themes.warehouse import tag_new_comments
    from service_quality.transform.dbt import run_dbt
    from service_quality.warehouse.bootstrap import bootstrap

    simulated = simulate("XS", START, END, seed=5, defects=0.02, out=tmp_path / "sim", workers=1)
    settings = IngestSettings(
        landing_root=str(simulated.landing),
        archive_root=str(tmp_path / "archive"),
        data_docs_root=str(tmp_path / "docs"),
        validate_with_gx=False,
        build_data_docs=False,
        pii_key=b"replay-test-key",
    )
    # mart_checksums lists the marts from the manifest of this build, not from a developer's target/.
    monkeypatch.setenv("SQW_DBT_MANIFEST", str(tmp_path / "dbt_target" / "manifest.json"))

    original = databases.create("sqw_replay_a")
    bootstrap(original)
    results = [r for source in SOURCES for r in ingest_source(source, settings.landing_root, original, settings)]
    statuses = {r["status"] for r in results}
    assert {"loaded", "rejected", "duplicate"} <= statuses, f"the defects must reach every status: {statuses}"
    tag_new_comments(original)  # what the surveys DAG does after its loads
    _build(original, tmp_path / "dbt_target")
    marts, revisions, ids = _state(original)

    replayed = databases.create("sqw_replay_b")
    bootstrap(replayed)
    for n, source in enumerate(reversed(SOURCES)):
        replay(replayed, settings, (source,), allow_non_empty=n > 0)
    tag_new_comments(replayed)  # as `sqw replay` does after the surveys
    _build(replayed, tmp_path / "dbt_target")
    marts_again, revisions_again, ids_again = _state(replayed)

    assert [i[:2] for i in ids_again] == [i[:2] for i in ids], "the replay loads the same deliveries"
    assert ids_again != ids, "the replay must give the deliveries other ids, or the test proves nothing"
    assert {"service_quality.dq_ingestion_summary", "attestation.scorecards"} <= set(marts)
    # Empty marts would compare equal whatever they depend on; the simulator makes no overlapping assignments,
    # and a chain without appeals, or whose shoppers never make 5 visits a quarter, leaves those marts empty.
    empty = {name for name, checksum in marts.items() if checksum.startswith("0:")}
    assert empty <= {"service_quality.dq_overlapping_assignments", *_empty_by_the_data(original)}, (
        f"empty marts prove nothing: {sorted(empty)}"
    )
    differing = sorted(name for name in marts.keys() | marts_again.keys() if marts.get(name) != marts_again.get(name))
    assert differing == [], f"marts that depend on how the loads ran, not on the data: {differing}"
    assert "2025-Q1" in revisions
    # The data-quality marts' own tests, on data that has quarantined rows and rejections.
    run_dbt(
        replayed,
        ["test", "--select", "dq_ingestion_summary", "dq_quarantine_rules"],
        target_path=tmp_path / "dbt_target",
    )
    assert revisions_again == revisions, "the replayed quarter would publish another revision"
