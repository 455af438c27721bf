"""The operators' home's queries on a simulated chain return what the warehouse and the marts say: each
count compared with SQL written independently here, read as the read-only role the page uses."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import psycopg
import pytest

from service_quality.attestation import periods as periods_module
from service_quality.contracts import SOURCES
from service_quality.ops_home import page, queries

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=[timedelta(0), timedelta(days=-3)], ids=["at_last_arrival", "3_days_before"])
def as_of(request, ops_chain):
    return ops_chain.last_arrived_at + request.param


def test_per_source_activity_equals_sql(ops_chain, as_of):
    with queries.read_only(ops_chain.dsn) as conn:
        found = {r["source"]: r for r in queries.source_activity(conn, as_of)}
    assert list(found) == list(SOURCES)
    for source in SOURCES:
        (expected,) = ops_chain.rows(
            """
            select
                (select max(arrived_at) from ops.deliveries where source = %(s)s and arrived_at <= %(t)s)
                    as last_arrived_at,
                (select count(*) from ops.deliveries where source = %(s)s
                    and arrived_at > %(t)s - interval '1 day' and arrived_at <= %(t)s) as deliveries_24h,
                (select coalesce(sum(rows_loaded), 0) from ops.deliveries where source = %(s)s
                    and arrived_at > %(t)s - interval '1 day' and arrived_at <= %(t)s) as rows_loaded_24h,
                (select count(*) from ops.deliveries where source = %(s)s
                    and arrived_at > %(t)s - interval '7 days' and arrived_at <= %(t)s) as deliveries_7d,
                (select coalesce(sum(rows_loaded), 0) from ops.deliveries where source = %(s)s
                    and arrived_at > %(t)s - interval '7 days' and arrived_at <= %(t)s) as rows_loaded_7d,
                (select coalesce(sum(rows_quarantined), 0) from ops.deliveries where source = %(s)s
                    and arrived_at > %(t)s - interval '7 days' and arrived_at <= %(t)s) as rows_quarantined_7d,
                (select count(*) from ops.deliveries where source = %(s)s and status = 'rejected'
                    and arrived_at > %(t)s - interval '7 days' and arrived_at <= %(t)s) as rejected_7d,
                (select count(*) from ops.deliveries where source = %(s)s and status = 'rejected'
                    and arrived_at <= %(t)s) as rejected_total
            """,
            {"s": source, "t": as_of},
        )
        got = {k: found[source][k] for k in expected}
        assert got == expected, source
    assert sum(r["deliveries_7d"] for r in found.values()) > 0, "the window holds deliveries"


def test_rejections_agree_with_the_ingestion_summary_mart(ops_chain):
    as_of = ops_chain.last_arrived_at
    with queries.read_only(ops_chain.dsn) as conn:
        activity = {r["source"]: r for r in queries.source_activity(conn, as_of)}
        rejected = queries.rejected_deliveries(conn, as_of, limit=1000)
    mart = {
        r["source"]: r
        for r in ops_chain.rows("select * from service_quality.dq_ingestion_summary where status = 'rejected'")
    }
    assert mart, "the simulated defects include rejected deliveries"
    for source in SOURCES:
        assert activity[source]["rejected_total"] == (mart[source]["deliveries"] if source in mart else 0), source
    assert len(rejected) == sum(r["deliveries"] for r in mart.values())
    # The latest rejection of each source is the mart's: same file, reason and column.
    latest = {}
    for row in rejected:  # newest first
        latest.setdefault(row["source"], row)
    for source, row in mart.items():
        assert (latest[source]["path"], latest[source]["rejection_reason"], latest[source]["rejection_column"]) == (
            row["last_path"],
            row["last_rejection_reason"],
            row["last_rejection_column"],
        ), source
    for row in rejected:
        assert row["rejection_message"] and row["path"] in row["rejection_message"], row
        assert page.dag_run_link(row["dag_id"], row["run_id"]) == (
            f"/dags/ingest_{row['source']}/runs/scheduled__2025-01-31T00%3A00%3A00%2B00%3A00"
        )


def test_latest_rejections_come_newest_first_and_are_limited(ops_chain):
    with queries.read_only(ops_chain.dsn) as conn:
        rows = queries.rejected_deliveries(conn, ops_chain.last_arrived_at, limit=3)
    expected = ops_chain.rows(
        "select path from ops.deliveries where status = 'rejected' order by arrived_at desc, path desc limit 3"
    )
    assert [r["path"] for r in rows] == [r["path"] for r in expected]


def test_quarantine_by_rule_equals_sql_and_the_quarantine_mart(ops_chain):
    as_of = ops_chain.last_arrived_at
    with queries.read_only(ops_chain.dsn) as conn:
        per_day = queries.quarantine_by_rule(conn, as_of, days=30)
        everything = queries.quarantine_by_rule(conn, as_of, days=3650)
    by_rule: dict[tuple[str, str], int] = defaultdict(int)
    for row in everything:
        by_rule[(row["source"], row["rule"])] += row["rows_quarantined"]
    expected: dict[tuple[str, str], int] = {}
    for source in SOURCES:
        for row in ops_chain.rows(
            f"select rule, count(distinct (delivery_id, row_number)) as n from quarantine.{source} group by rule"
        ):
            expected[(source, row["rule"])] = row["n"]
    assert dict(by_rule) == expected and expected, "every quarantined row, by source and rule"
    # The mart counts rows per (source, rule, column): a row counts once per column it broke a rule in.
    mart = defaultdict(int)
    for row in ops_chain.rows("select source, rule, rows_quarantined from service_quality.dq_quarantine_rules"):
        mart[(row["source"], row["rule"])] += row["rows_quarantined"]
    assert set(mart) == set(expected)
    assert all(expected[key] <= mart[key] for key in expected)
    # The 30-day window: by arrival day, deliveries of the last 30 days only.
    (window,) = ops_chain.rows(
        "select count(*) as n from ("
        + " union all ".join(
            f"select distinct '{s}', q.delivery_id, q.row_number, q.rule from quarantine.{s} as q"
            " join ops.deliveries as d using (delivery_id)"
            " where d.arrived_at > %(t)s - interval '30 days' and d.arrived_at <= %(t)s"
            for s in SOURCES
        )
        + ") as x",
        {"t": as_of},
    )
    assert sum(r["rows_quarantined"] for r in per_day) == window["n"]


def test_data_quality_counts_equal_the_marts(ops_chain):
    with queries.read_only(ops_chain.dsn) as conn:
        dq = queries.data_quality(conn)
    (orphans,) = ops_chain.rows(
        "select count(*) as codes, coalesce(sum(row_count), 0) as rows_affected from service_quality.dq_orphan_codes"
    )
    assert (dq["dq_orphan_codes"]["codes"], dq["dq_orphan_codes"]["rows_affected"]) == (
        orphans["codes"],
        orphans["rows_affected"],
    )
    assert sum(k["codes"] for k in dq["dq_orphan_codes"]["by_kind"]) == orphans["codes"]
    (overlaps,) = ops_chain.rows(
        "select count(*) as overlaps, count(distinct employee_code) as employees"
        " from service_quality.dq_overlapping_assignments"
    )
    assert dq["dq_overlapping_assignments"] == overlaps
    gaps = ops_chain.rows(
        "select source from service_quality.dq_ingestion_summary"
        " where status = 'loaded' and rows_read <> rows_loaded + rows_quarantined"
    )
    assert dq["dq_ingestion_summary"]["sources_with_gaps"] == len(gaps)
    assert orphans["codes"] + overlaps["overlaps"] > 0, "the simulated defects include orphan codes or overlaps"


def test_attestation_periods_with_the_pending_one_and_why(ops_chain):
    with queries.read_only(ops_chain.dsn) as conn:
        periods = {p["period_label"]: p for p in queries.attestation_periods(conn)}
    expected = ops_chain.rows(
        "select s.period_label, s.status, s.current_revision, r.published_at, cardinality(s.late_deliveries) as late"
        " from attestation.period_status as s join attestation.revisions as r"
        " on (r.period_type, r.period_label, r.revision) = (s.period_type, s.period_label, s.current_revision)"
    )
    assert set(periods) == {r["period_label"] for r in expected}
    for row in expected:
        got = periods[row["period_label"]]
        assert (got["status"], got["current_revision"], got["published_at"], got["late_deliveries"]) == (
            row["status"],
            row["current_revision"],
            row["published_at"],
            row["late"],
        )
        assert got["dag_id"] == "attestation_quarterly"
    pending = periods[ops_chain.pending_period]
    assert pending["status"] == "revision_pending" and pending["current_revision"] == 2
    late_paths = ops_chain.rows(
        "select source || '/' || path as p from ops.deliveries where delivery_id = any(%s) order by arrived_at, path",
        [ops_chain.late_delivery_ids],
    )
    assert pending["late_paths"] == [r["p"] for r in late_paths]
    assert periods[ops_chain.published_period]["late_paths"] == []
    # Open appeals past due: the admissible appeals on the period's visits still undecided after 14 days.
    for label, period in periods.items():
        (expected_past_due,) = ops_chain.rows(
            """
            select count(*) filter (where a.open_past_due) as n
            from service_quality.fct_appeals as a
            where a.admissible and a.store_code in (select store_code from service_quality.dim_stores)
              and a.visit_local_date >= %(start)s and a.visit_local_date < %(end)s
            """,
            {
                "start": periods_module.parse(period["period_type"], label).start,
                "end": periods_module.parse(period["period_type"], label).end,
            },
        )
        assert period["open_appeals_past_due"] == expected_past_due["n"], label


def test_the_page_reads_as_a_role_that_cannot_write_or_see_row_values(ops_chain):
    with queries.read_only(ops_chain.dsn) as conn:
        assert conn.execute("select current_user as u").fetchone()["u"] == "ops_reader"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("delete from ops.deliveries")
    for forbidden in (
        "select value from quarantine.sales",
        "select * from raw.sales",
        "select * from staging.stg_sales",
    ):
        with queries.read_only(ops_chain.dsn) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(forbidden)
    # Even with a writable transaction, the role has no write privilege.
    with ops_chain.dsn.connect() as conn:
        conn.execute("set role ops_reader")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("update ops.deliveries set status = status")


def test_the_page_renders_every_section(ops_chain):
    data = page.gather(ops_chain.dsn, ops_chain.last_arrived_at + timedelta(days=3))
    html = page.render(data)
    assert set(data["overdue"]) >= {"sales", "traffic", "shifts"}, "3 days after the last delivery"
    for text in ("Operators' home", "Bad deliveries", "revision_pending", "overdue", "<svg", "dq_orphan_codes"):
        assert text in html
    assert data["rejected"][0]["rejection_reason"] in html
    assert """airflow dags trigger attestation_quarterly --conf '{"period": "2025-Q1"}'""" in html
