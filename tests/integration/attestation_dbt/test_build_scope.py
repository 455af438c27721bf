"""An attestation build builds only the attestation models when what is upstream is current, everything otherwise.

On a copy of the folder's simulated warehouse (real PostgreSQL, real dbt), each branch is checked from
what dbt itself ran (``run_results.json``): with no recorded build, the whole selection; after that full
build, a run as of another day builds only the attestation models (and the calendar, which reads
``attestation_as_of``); a run as of the same day builds nothing; a delivery that arrived after the last
full build makes the next run build everything again, with the same results as the partial build.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from psycopg import sql

from service_quality.warehouse.connection import WarehouseDsn

from .conftest import AttestedChain

pytestmark = pytest.mark.integration

#: Models only upstream of the attestation marts: a partial build must never run them. (The audit models are not
#: among them: a visit's attribution reads the assigned days, which read the calendar that attestation_as_of
#: extends, and the appeals read the attribution; a partial build rebuilds them.)
UPSTREAM_ONLY = {"stg_sales", "stg_employees", "int_sales_seller_days", "int_survey_responses", "dim_employees"}


@pytest.fixture()
def chain_copy(attested_chain: AttestedChain, databases) -> WarehouseDsn:
    """A database cloned from the shared chain: this test adds builds and a delivery to it."""
    copy = databases.create("sqw_scope")
    with databases.admin.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("drop database {}").format(sql.Identifier(copy.dbname)))
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(copy.dbname), sql.Identifier(attested_chain.dsn.dbname)
            )
        )
    return copy


def _ran(target: Path) -> dict[str, str]:
    """Model name -> status of every model in the build's run results."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {r["unique_id"].split(".")[-1]: r["status"] for r in results if r["unique_id"].startswith("model.")}


def _scorecards(dsn: WarehouseDsn) -> tuple[int, str]:
    with dsn.connect() as conn:
        return conn.execute(
            "select count(*), md5(string_agg(s::text, E'\\n' order by s::text)) from attestation.scorecards s"
        ).fetchone()


def test_attestation_builds_only_its_models_when_upstream_is_current(chain_copy: WarehouseDsn, tmp_path: Path) -> None:
    from service_quality.attestation.build import ATTESTATION_ONLY, FULL, REUSED, build_attestation

    # No build recorded: the whole selection.
    first = build_attestation(chain_copy, date(2025, 4, 10), target_path=tmp_path / "first")
    assert first.scope == FULL, first.reason
    ran = _ran(tmp_path / "first")
    assert set(ran) >= UPSTREAM_ONLY, f"a full build runs the models upstream too; it ran {sorted(ran)}"

    # Same deliveries, another day: only the attestation models and what reads attestation_as_of.
    partial = build_attestation(chain_copy, date(2025, 4, 11), target_path=tmp_path / "partial")
    assert partial.scope == ATTESTATION_ONLY, partial.reason
    ran = _ran(tmp_path / "partial")
    assert {"scorecards", "components", "awards", "int_attestation_periods", "int_calendar_bounds"} <= set(ran)
    assert not UPSTREAM_ONLY & set(ran), f"a partial build ran upstream models: {sorted(UPSTREAM_ONLY & set(ran))}"
    assert not any(name.startswith("stg_") for name in ran)
    assert set(ran.values()) == {"success"}
    partial_scorecards = _scorecards(chain_copy)

    # The same day again: the attestation models are current, dbt does not run.
    again = build_attestation(chain_copy, date(2025, 4, 11), target_path=tmp_path / "again")
    assert again.scope == REUSED, again.reason
    assert not (tmp_path / "again" / "run_results.json").exists()

    # A delivery processed after the last full build (here a rejected file: no rows, but the warehouse's
    # inputs are no longer what that build saw): the whole selection again.
    with chain_copy.connect() as conn:
        conn.execute(
            """
            insert into ops.deliveries (source, path, content_sha256, size_bytes, arrived_at, status, rejection_reason)
            values ('sales', 'sales/2025/04/11/sales_20250411.csv', 'feed', 10, now(), 'rejected', 'test')
            """
        )
    stale = build_attestation(chain_copy, date(2025, 4, 11), target_path=tmp_path / "stale")
    assert stale.scope == FULL
    assert "inputs changed" in stale.reason
    assert set(_ran(tmp_path / "stale")) >= UPSTREAM_ONLY
    # The partial build published from the same results a full build gives.
    assert _scorecards(chain_copy) == partial_scorecards

    with chain_copy.connect() as conn:
        kinds = [r[0] for r in conn.execute("select kind from ops.dbt_builds order by build_id").fetchall()]
    assert kinds == ["attestation_full", "attestation_only", "attestation_reused", "attestation_full"]


def test_a_changed_dbt_project_or_other_variables_mean_the_whole_selection(
    chain_copy: WarehouseDsn, tmp_path: Path
) -> None:
    from service_quality.transform import builds

    start = builds.begin(chain_copy)
    builds.record(chain_copy, start, kind=builds.TRANSFORM, selection=("*",), covers_inputs=True)
    variables = {"attestation_as_of": "2025-04-11"}
    with chain_copy.connect() as conn:
        assert builds.currency(conn, builds.begin(chain_copy), variables).upstream
        edited = builds.BuildStart(start.started_at, start.inputs, "another project")
        verdict = builds.currency(conn, edited, variables)
        assert not verdict.upstream and "dbt project changed" in verdict.reason
        verdict = builds.currency(conn, start, {**variables, "methodology_version": "2.0"})
        assert not verdict.upstream and "other dbt variables" in verdict.reason
