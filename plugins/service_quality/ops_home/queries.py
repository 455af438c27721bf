"""What the operators' home reads from the warehouse, one function per section of the page.

Every function takes an open connection (see :func:`read_only`) and returns plain rows (dicts); the
page only formats them. Times are compared with ``as_of`` (the page passes now; tests and benchmarks
pass an instant inside their data), never with the server's ``now()``.

The page reads as ``ops_reader`` (created by the warehouse bootstrap; see migration 0053), in a
read-only transaction: what it may read is what the role was granted, whatever the connection's user is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from psycopg import sql

from service_quality.contracts import SOURCES
from service_quality.warehouse.bootstrap import OPS_READER
from service_quality.warehouse.connection import WarehouseDsn

#: The marts behind the data-quality section (schema ``service_quality``).
DQ_MARTS = ("dq_orphan_codes", "dq_overlapping_assignments", "dq_ingestion_summary")

#: Each period type's attestation DAG (its ``period`` param re-attests a given period).
ATTESTATION_DAG_IDS = {"quarter": "attestation_quarterly", "year": "attestation_annual"}


@contextmanager
def read_only(dsn: WarehouseDsn) -> Iterator:
    """A connection as ``ops_reader`` in a read-only transaction, rolled back at the end."""
    from psycopg.rows import dict_row

    with dsn.connect(row_factory=dict_row, connect_timeout=10) as conn:
        conn.read_only = True
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(OPS_READER)))
        conn.execute("set local statement_timeout = '20s'")
        try:
            yield conn
        finally:
            conn.rollback()


def source_activity(conn, as_of: datetime) -> list[dict]:
    """Per source of the contracts: last arrival, deliveries and rows loaded in the last 24 h and 7 days,
    rows quarantined and deliveries rejected in the last 7 days (by arrival time, up to ``as_of``)."""
    rows = conn.execute(
        """
        select
            source,
            max(arrived_at) as last_arrived_at,
            count(*) filter (where arrived_at > %(day)s) as deliveries_24h,
            coalesce(sum(rows_loaded) filter (where arrived_at > %(day)s), 0) as rows_loaded_24h,
            count(*) filter (where arrived_at > %(week)s) as deliveries_7d,
            coalesce(sum(rows_loaded) filter (where arrived_at > %(week)s), 0) as rows_loaded_7d,
            coalesce(sum(rows_quarantined) filter (where arrived_at > %(week)s), 0) as rows_quarantined_7d,
            count(*) filter (where arrived_at > %(week)s and status = 'rejected') as rejected_7d,
            count(*) filter (where status = 'rejected') as rejected_total
        from ops.deliveries
        where arrived_at <= %(as_of)s
        group by source
        """,
        {"as_of": as_of, "day": as_of - timedelta(days=1), "week": as_of - timedelta(days=7)},
    ).fetchall()
    by_source = {r["source"]: r for r in rows}
    empty = {
        "last_arrived_at": None,
        **dict.fromkeys(
            (
                "deliveries_24h",
                "rows_loaded_24h",
                "deliveries_7d",
                "rows_loaded_7d",
                "rows_quarantined_7d",
                "rejected_7d",
                "rejected_total",
            ),
            0,
        ),
    }
    return [{**empty, **by_source.get(source, {}), "source": source} for source in SOURCES]


def store_timezones(conn) -> list[str]:
    """The stores' time zones (for deadlines in store time); none before the first dbt build."""
    if not _exists(conn, "service_quality.dim_stores"):
        return []
    try:
        with conn.transaction():
            return [r["timezone"] for r in conn.execute("select distinct timezone from service_quality.dim_stores")]
    except Exception:  # noqa: BLE001 - a role without the grant: deadlines fall back to UTC
        return []


def rejected_deliveries(conn, as_of: datetime, limit: int = 20) -> list[dict]:
    """The latest rejected deliveries: file, reason, column, message, the DAG run, the Data Docs page."""
    return conn.execute(
        """
        select
            d.delivery_id, d.source, d.path, d.arrived_at, d.processed_at, d.rejection_reason,
            d.rejection_column, d.rejection_message, d.dag_id, d.run_id, docs.data_docs_uri
        from ops.deliveries as d
        left join lateral (
            select v.data_docs_uri
            from ops.validation_deliveries as vd
            join ops.validation_results as v using (validation_id)
            where vd.delivery_id = d.delivery_id and v.data_docs_uri is not null
            order by v.validation_id desc
            limit 1
        ) as docs on true
        where d.status = 'rejected' and d.arrived_at <= %(as_of)s
        order by d.arrived_at desc, d.path desc
        limit %(limit)s
        """,
        {"as_of": as_of, "limit": limit},
    ).fetchall()


def quarantine_by_rule(conn, as_of: datetime, days: int = 30) -> list[dict]:
    """Rows quarantined per arrival day (UTC), source and rule, for deliveries that arrived in the last
    ``days`` days. A row that broke one rule in two columns counts once for it."""
    selects = [
        sql.SQL("select {source} as source, q.rule, q.delivery_id, q.row_number from quarantine.{table} as q").format(
            source=sql.Literal(source), table=sql.Identifier(source)
        )
        for source in SOURCES
    ]
    statement = sql.SQL(
        """
        with broken as ({union})
        select
            (d.arrived_at at time zone 'UTC')::date as arrival_date,
            broken.source,
            broken.rule,
            count(distinct (broken.delivery_id, broken.row_number)) as rows_quarantined
        from broken
        join ops.deliveries as d using (delivery_id)
        where d.arrived_at > %(since)s and d.arrived_at <= %(as_of)s
        group by 1, 2, 3
        order by 1, 2, 3
        """
    ).format(union=sql.SQL(" union all ").join(selects))
    return conn.execute(statement, {"as_of": as_of, "since": as_of - timedelta(days=days)}).fetchall()


def data_quality(conn) -> dict[str, dict]:
    """Counts from the data-quality marts, by mart; a mart not built yet (no dbt run) maps to None."""
    found: dict[str, dict | None] = dict.fromkeys(DQ_MARTS)
    if _exists(conn, "service_quality.dq_orphan_codes"):
        found["dq_orphan_codes"] = {
            "by_kind": conn.execute(
                """
                select source, code_type, count(*) as codes, sum(row_count) as rows_affected
                from service_quality.dq_orphan_codes
                group by source, code_type
                order by source, code_type
                """
            ).fetchall(),
            **conn.execute(
                "select count(*) as codes, coalesce(sum(row_count), 0) as rows_affected"
                " from service_quality.dq_orphan_codes"
            ).fetchone(),
        }
    if _exists(conn, "service_quality.dq_overlapping_assignments"):
        found["dq_overlapping_assignments"] = conn.execute(
            "select count(*) as overlaps, count(distinct employee_code) as employees"
            " from service_quality.dq_overlapping_assignments"
        ).fetchone()
    if _exists(conn, "service_quality.dq_ingestion_summary"):
        gaps = conn.execute(
            """
            select source, status, rows_read, rows_loaded, rows_quarantined,
                rows_read - rows_loaded - rows_quarantined as rows_unaccounted
            from service_quality.dq_ingestion_summary
            where status = 'loaded' and rows_read <> rows_loaded + rows_quarantined
            order by source
            """
        ).fetchall()
        found["dq_ingestion_summary"] = {"gaps": gaps, "sources_with_gaps": len(gaps)}
    return found


def attestation_periods(conn) -> list[dict]:
    """Every attested period, newest first: status, current revision, when it was published, and for a
    period waiting for a re-run the late deliveries (paths) that made it so."""
    if not _exists(conn, "attestation.period_status"):
        return []
    rows = conn.execute(
        """
        select
            s.period_type, s.period_label, s.status, s.current_revision, r.published_at, s.pending_since,
            s.last_checked_at, s.last_run_id, cardinality(s.late_deliveries) as late_deliveries, s.late_rows,
            coalesce(late.paths, '{}') as late_paths
        from attestation.period_status as s
        left join attestation.revisions as r
            on r.period_type = s.period_type and r.period_label = s.period_label
            and r.revision = s.current_revision
        left join lateral (
            select array_agg(d.source || '/' || d.path order by d.arrived_at, d.path) as paths
            from ops.deliveries as d
            where d.delivery_id = any(s.late_deliveries)
        ) as late on true
        order by s.period_label desc, s.period_type
        """
    ).fetchall()
    past_due = _open_appeals_past_due(conn)
    for row in rows:
        row["dag_id"] = ATTESTATION_DAG_IDS.get(row["period_type"])
        row["open_appeals_past_due"] = past_due.get((row["period_type"], row["period_label"]))
    return rows


def _open_appeals_past_due(conn) -> dict[tuple[str, str], int]:
    """Per attested period: appeals on its visits still undecided past their due date (ATTESTATION_METHOD §8),
    from the per-store-and-month mart (counts only: the page never reads who appealed). Empty before the mart
    is built."""
    if not _exists(conn, "service_quality.fct_store_appeal_months"):
        return {}
    rows = conn.execute(
        """
        select s.period_type, s.period_label, coalesce(sum(m.open_past_due), 0)::int as open_past_due
        from attestation.period_status as s
        cross join lateral (
            select case when s.period_type = 'year' then make_date(s.period_label::int, 1, 1)
                        else make_date(left(s.period_label, 4)::int, 3 * right(s.period_label, 1)::int - 2, 1)
                   end as start_date
        ) as p
        left join service_quality.fct_store_appeal_months as m
            on m.month_start >= p.start_date
            and m.month_start < p.start_date + case when s.period_type = 'year' then interval '1 year'
                                                    else interval '3 months' end
        group by 1, 2
        """
    ).fetchall()
    return {(r["period_type"], r["period_label"]): r["open_past_due"] for r in rows}


def _exists(conn, qualified: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null as found", [qualified]).fetchone()["found"]
