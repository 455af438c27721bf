"""Late data for published periods: mark them ``revision_pending`` until the next attestation run.

A delivery is *late* for a published period when it was loaded (``ops.deliveries.status = 'loaded'``)
after the build of the period's current revision started (``period_status.inputs_as_of``) and it can
change the period (ATTESTATION_METHOD.md §7), judged on the **old and the new** version of each row:

- facts (sales, traffic, surveys, audit visits and their answers, shifts): the row's local date at the
  store (``stores.timezone``, UTC while the store is unknown) lies in the period, or the local date of
  the version it replaces does (a survey moved from 28 March to 2 April changes both quarters);
- appeals: a new appeal, or a new version of one that changes it (a decision arrives, a correction is
  amended), takes the local date of its visit (the visit's latest version), and of the visit it named
  before when it was moved to another; an appeal on a visit the warehouse does not know has no date and
  changes no period (§8);
- snapshots (stores, employees, assignments): the row differs from the key's previous version and its
  validity (opened..closed, hired..terminated, valid_from..valid_to) or the previous version's validity
  overlaps the period (a termination moved from June to March changes the second quarter too). A
  snapshot delivered again with the same content for a key is not late data: it changes nothing.

Marking is idempotent: it recomputes the late deliveries of every period still published or already
pending; only an attestation run (:func:`service_quality.attestation.publish.publish`) clears the mark.
The transform DAG marks after every run (``mark_late_data``), so a period is pending from the moment its
late data is in the warehouse, not only from the next attestation run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

log = logging.getLogger(__name__)

# Each source's rows are read only from the candidate deliveries ({late} below) and the earlier versions of
# the keys they carry: the raw tables' primary keys start with _delivery_id, so the late rows are an index
# range per late delivery, and the versions of their keys are read through the source's natural key.
#: fact source -> (natural key, SQL giving _delivery_id, _row_number, key columns, store_code, timestamp `at`
#: or local date `d` of every version of the keys that the late deliveries carry)
_FACT_VERSIONS = {
    "sales": (["transaction_id", "line_no"], "sold_at as at, null::date as d", "raw.sales"),
    "traffic": (["store_code", "hour_start"], "hour_start as at, null::date as d", "raw.traffic"),
    "surveys": (["response_id"], "visited_at as at, null::date as d", "raw.surveys"),
    "audit_visits": (["visit_id"], "visited_at as at, null::date as d", "raw.audit_visits"),
    "shifts": (["employee_code", "work_date"], "null::timestamptz as at, work_date as d", "raw.shifts"),
}

# An answer's date is its visit's (the latest version of the visit, whichever delivery brought it); a
# visit's own date moves with its own deliveries, so an answer has no old date of its own.
_ANSWER_DATES = """
    with answers as (select _delivery_id, visit_id from raw.audit_answers where {late}),
    visits as (
        select distinct on (visit_id) visit_id, store_code, visited_at from raw.audit_visits
        where visit_id in (select visit_id from answers)
        order by visit_id, _arrived_at desc, _delivery_id desc, _row_number desc
    )
    select a._delivery_id, v.store_code, v.visited_at as at, null::date as d,
           null::text as old_store_code, null::timestamptz as old_at, null::date as old_d
    from answers as a join visits as v using (visit_id)
"""

# An appeal takes its visit's date. Only a version that changes the appeal counts (ATTESTATION_METHOD §7: "an
# appeal decision or a new appeal on one of its visits"): the first version, or one whose decision fields
# differ from the version before it; the same appeal delivered again changes nothing. The reason is not
# compared: it is free text no score reads.
_APPEAL_DATES = """
    with appeal_versions as (
        select _delivery_id, visit_id,
               lag(visit_id) over versions as old_visit_id,
               row(visit_id, question_code, filed_at, filed_by, category, decision, corrected_answer,
                   corrected_employee_code, decided_at) as this_version,
               lag(row(visit_id, question_code, filed_at, filed_by, category, decision, corrected_answer,
                       corrected_employee_code, decided_at)) over versions as previous_version
        from raw.appeals
        where appeal_id in (select appeal_id from raw.appeals where {late})
        window versions as (partition by appeal_id order by _arrived_at, _delivery_id, _row_number)
    ),
    appeals as (
        select _delivery_id, visit_id, old_visit_id from appeal_versions
        where {late} and previous_version is distinct from this_version
    ),
    visits as (
        select distinct on (visit_id) visit_id, store_code, visited_at from raw.audit_visits
        where visit_id in (select visit_id from appeals union select old_visit_id from appeals)
        order by visit_id, _arrived_at desc, _delivery_id desc, _row_number desc
    )
    select a._delivery_id, v.store_code, v.visited_at as at, null::date as d,
           old.store_code as old_store_code, old.visited_at as old_at, null::date as old_d
    from appeals as a
    left join visits as v on v.visit_id = a.visit_id
    left join visits as old on old.visit_id = a.old_visit_id and a.old_visit_id <> a.visit_id
    where v.visit_id is not null or old.visit_id is not null
"""


def _fact_versions_sql(source: str) -> str:
    """(_delivery_id, store_code, at, d, old_store_code, old_at, old_d) of the late rows of a fact source."""
    keys, when, table = _FACT_VERSIONS[source]
    key_list = ", ".join(keys)
    other_keys = "".join(f"{key}, " for key in keys if key != "store_code")
    order = "_arrived_at, _delivery_id, _row_number"
    return f"""
        select _delivery_id, store_code, at, d, old_store_code, old_at, old_d
        from (
            select _delivery_id, store_code, at, d,
                   lag(store_code) over versions as old_store_code,
                   lag(at) over versions as old_at,
                   lag(d) over versions as old_d
            from (
                select _delivery_id, _row_number, _arrived_at, {other_keys}store_code, {when}
                from {table}
                where ({key_list}) in (select {key_list} from {table} where {{late}})
            ) as v
            window versions as (partition by {key_list} order by {order})
        ) as f
        where {{late}}
    """


#: snapshot source -> (key columns, compared columns, validity start, validity end (inclusive, null = open))
_SNAPSHOTS = {
    "stores": (
        ["store_code"],
        ["store_name", "region", "city", "format", "timezone", "opened_on", "closed_on"],
        "opened_on",
        "closed_on",
    ),
    "employees": (
        ["employee_code"],
        ["full_name", "badge_name", "hired_on", "terminated_on", "is_customer_facing"],
        "hired_on",
        "terminated_on",
    ),
    "assignments": (
        ["employee_code", "valid_from"],
        ["store_code", "role", "valid_to", "fte"],
        "valid_from",
        "valid_to",
    ),
}


@dataclass(frozen=True)
class PendingPeriod:
    period_type: str
    period_label: str
    late_deliveries: tuple[int, ...]
    late_rows: int
    pending_since: datetime

    def message(self) -> str:
        ids = ", ".join(map(str, self.late_deliveries[:10])) + (" …" if len(self.late_deliveries) > 10 else "")
        return (
            f"{self.period_type} {self.period_label}: revision_pending since {self.pending_since:%Y-%m-%d %H:%M} UTC, "
            f"{self.late_rows} late row(s) in delivery(ies) {ids}"
        )


def _late(source: str) -> str:
    return f"_delivery_id in (select delivery_id from candidates where source = '{source}')"


def _late_rows_sql() -> str:
    """(delivery_id, new date range, old date range or nulls, rows) of the rows of candidate deliveries."""
    facts = [(source, _fact_versions_sql(source)) for source in _FACT_VERSIONS]
    facts.append(("audit_answers", _ANSWER_DATES))
    facts.append(("appeals", _APPEAL_DATES))
    parts = []
    for source, select in facts:
        new_date = "coalesce(f.d, (f.at at time zone coalesce(tz.timezone, 'UTC'))::date)"
        old_date = "coalesce(f.old_d, (f.old_at at time zone coalesce(old_tz.timezone, 'UTC'))::date)"
        parts.append(
            f"""
            select f._delivery_id as delivery_id, {new_date} as date_from, {new_date} as date_to,
                   {old_date} as old_from, {old_date} as old_to, count(*) as n
            from ({select.format(late=_late(source))}) as f
            left join store_tz as tz on tz.store_code = f.store_code
            left join store_tz as old_tz on old_tz.store_code = f.old_store_code
            group by 1, 2, 3, 4, 5
            """
        )
    for source, (keys, compared, valid_from, valid_to) in _SNAPSHOTS.items():
        key_list = ", ".join(keys)
        values = ", ".join(compared)
        # Every version of the keys the late deliveries touch, each beside the version before it.
        parts.append(
            f"""
            select v._delivery_id as delivery_id, v.{valid_from} as date_from,
                   coalesce(v.{valid_to}, 'infinity'::date) as date_to,
                   v.old_from, case when v.previous_version is distinct from null then coalesce(v.old_to, 'infinity'::date) end as old_to,
                   count(*) as n
            from (
                select r._delivery_id, r.{valid_from}, r.{valid_to}, row({values}) as this_version,
                       lag(row({values})) over versions as previous_version,
                       lag(r.{valid_from}) over versions as old_from,
                       lag(r.{valid_to}) over versions as old_to
                from raw.{source} as r
                where ({key_list}) in (select {key_list} from raw.{source} where {_late(source)})
                window versions as (partition by {key_list} order by r._arrived_at, r._delivery_id, r._row_number)
            ) as v
            where v._delivery_id in (select delivery_id from candidates where source = '{source}')
              and v.previous_version is distinct from v.this_version
            group by 1, 2, 3, 4, 5
            """
        )
    return "\nunion all\n".join(parts)


def find_late_data(conn: psycopg.Connection) -> list[PendingPeriod]:
    """Published periods with late deliveries, with what arrived late (nothing is changed)."""
    query = f"""
        with periods as (
            select s.period_type, s.period_label, s.inputs_as_of, s.pending_since,
                   case when s.period_type = 'year' then make_date(s.period_label::int, 1, 1)
                        else make_date(left(s.period_label, 4)::int, 3 * right(s.period_label, 1)::int - 2, 1)
                   end as start_date
            from attestation.period_status as s
        ),
        bounded as (
            select *, (start_date + case when period_type = 'year' then interval '1 year'
                                         else interval '3 months' end)::date as end_date
            from periods
        ),
        candidates as (
            select delivery_id, source, processed_at from ops.deliveries
            where status = 'loaded' and processed_at > (select min(inputs_as_of) from periods)
        ),
        store_tz as (
            select distinct on (store_code) store_code, timezone from raw.stores
            order by store_code, _arrived_at desc, _delivery_id desc, _row_number desc
        ),
        late_rows as ({_late_rows_sql()})
        select b.period_type, b.period_label,
               array_agg(distinct c.delivery_id order by c.delivery_id),
               sum(l.n)::bigint,
               min(c.processed_at)
        from bounded as b
        join late_rows as l
            on (l.date_from < b.end_date and l.date_to >= b.start_date)
            or (l.old_from < b.end_date and l.old_to >= b.start_date)
        join candidates as c on c.delivery_id = l.delivery_id and c.processed_at > b.inputs_as_of
        group by b.period_type, b.period_label
        order by b.period_type, b.period_label
    """
    return [
        PendingPeriod(period_type, label, tuple(ids), int(rows), since)
        for period_type, label, ids, rows, since in conn.execute(query).fetchall()
    ]


def mark_revision_pending(conn: psycopg.Connection) -> list[PendingPeriod]:
    """Mark every published period that received late data ``revision_pending``; returns them all.

    Safe to call at any time and as often as wanted (after each load, before each attestation run).
    """
    with conn.transaction():
        pending = find_late_data(conn)
        for p in pending:
            conn.execute(
                """
                update attestation.period_status
                set status = 'revision_pending', pending_since = %s, late_deliveries = %s, late_rows = %s
                where period_type = %s and period_label = %s
                """,
                [p.pending_since, list(p.late_deliveries), p.late_rows, p.period_type, p.period_label],
            )
            log.warning("late data: %s", p.message())
    return pending
