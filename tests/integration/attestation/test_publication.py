"""Publication of attestation revisions on a real PostgreSQL: frozen revisions, no-op reruns, N + 1 on
change, the latest views, the BI role, and revision_pending when late data arrives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from service_quality.attestation import periods, runs
from service_quality.attestation.late import find_late_data, mark_revision_pending
from service_quality.attestation.publish import PublicationError, inputs_checksum, publish

pytestmark = pytest.mark.integration

Q1 = periods.parse("quarter", "2025-Q1")
Q2 = periods.parse("quarter", "2025-Q2")
Y = periods.parse("year", "2025")


def _published(conn, table: str, period, revision: int) -> list[tuple]:
    return conn.execute(
        f"select * from attestation.{table} where period_type = %s and period_label = %s and revision = %s "
        "order by 4, 5",
        [period.period_type, period.label, revision],
    ).fetchall()


def test_first_publication_freezes_every_row_and_keeps_unknown_columns(built):
    with built.connect() as conn:
        pub = publish(conn, Q1, run_id="scheduled__2025-04-10", dag_id="attestation_quarterly")
        assert (pub.revision, pub.created) == (1, True)
        assert (pub.scorecard_rows, pub.component_rows, pub.award_rows) == (5, 25, 5)
        assert pub.methodology_version == "1.1"
        # Only Q1's rows: the other periods are untouched until their own run.
        assert conn.execute("select count(*) from attestation.revisions").fetchone()[0] == 1
        row = conn.execute(
            "select full_name, total_points, grade, _extra from attestation.latest_scorecards "
            "where period_label = '2025-Q1' and employee_code = 'E001'"
        ).fetchone()
        assert row[0] == "Анна Смирнова"
        assert float(row[1]) == 87.3 and row[2] == "A"
        # A column the published table does not know is kept whole; build timestamps too.
        assert row[3]["coach_note"] == "note for E001"
        revision = conn.execute(
            "select run_id, dag_id, methodology_version, inputs_checksum from attestation.revisions"
        ).fetchone()
        assert revision == ("scheduled__2025-04-10", "attestation_quarterly", "1.1", pub.inputs_checksum)
        status = conn.execute("select status, current_revision from attestation.period_status").fetchone()
        assert status == ("published", 1)


def test_rerun_with_unchanged_inputs_adds_no_revision(built, rebuild):
    with built.connect() as conn:
        first = publish(conn, Q1, run_id="run-1")
    rebuild(built)  # a full rebuild of the same data: new build timestamps, same rows
    with built.connect() as conn:
        again = publish(conn, Q1, run_id="run-2")
        assert again.created is False
        assert again.revision == 1
        assert again.inputs_checksum == first.inputs_checksum
        assert "revision 1" in again.message() and "stands" in again.message()
        assert conn.execute("select count(*) from attestation.revisions").fetchone()[0] == 1
        assert conn.execute("select count(*) from attestation.published_scorecards").fetchone()[0] == 5
        # Nothing was pending: the rerun leaves the period's status as it was (a rerun is a no-op).
        assert conn.execute("select status, last_run_id from attestation.period_status").fetchone() == (
            "published",
            "run-1",
        )


def test_changed_inputs_add_revision_n_plus_1_and_never_alter_revision_n(built):
    with built.connect() as conn:
        publish(conn, Q1, run_id="run-1")
        before = _published(conn, "published_scorecards", Q1, 1)
        before_components = _published(conn, "published_components", Q1, 1)
        # A late survey changes one employee's customer_feedback component and total.
        conn.execute(
            "update attestation.components set raw_value = 95, points = 95 "
            "where period_label = '2025-Q1' and employee_code = 'E002' and component = 'customer_feedback'"
        )
        conn.execute(
            "update attestation.scorecards set total_points = 75.8, grade = 'B' "
            "where period_label = '2025-Q1' and employee_code = 'E002'"
        )
        conn.commit()
        second = publish(conn, Q1, run_id="run-2")
        assert (second.revision, second.created) == (2, True)
        assert _published(conn, "published_scorecards", Q1, 1) == before
        assert _published(conn, "published_components", Q1, 1) == before_components
        latest = conn.execute(
            "select revision, total_points from attestation.latest_scorecards "
            "where period_label = '2025-Q1' and employee_code = 'E002'"
        ).fetchone()
        assert latest[0] == 2 and float(latest[1]) == 75.8
        # Revision 1 stays readable.
        old = conn.execute(
            "select total_points from attestation.published_scorecards "
            "where period_label = '2025-Q1' and employee_code = 'E002' and revision = 1"
        ).fetchone()
        assert float(old[0]) == 70.3
        assert conn.execute("select count(*) from attestation.latest_scorecards").fetchone()[0] == 5
        # A third run on the same inputs adds nothing.
        assert publish(conn, Q1, run_id="run-3").created is False
        assert conn.execute("select max(revision) from attestation.revisions").fetchone()[0] == 2


@pytest.mark.parametrize(
    "statement",
    [
        "update attestation.published_scorecards set total_points = 100",
        "delete from attestation.published_components",
        "update attestation.revisions set inputs_checksum = 'x'",
        "delete from attestation.published_awards",
        "truncate attestation.published_scorecards cascade",
    ],
)
def test_published_revisions_cannot_be_altered(built, statement):
    with built.connect() as conn:
        publish(conn, Q1, run_id="run-1")
        with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
            conn.execute(statement)


def test_bi_reader_reads_the_latest_views_and_cannot_write(built):
    with built.connect() as conn:
        publish(conn, Q1, run_id="run-1")
        publish(conn, Y, run_id="run-1")
        conn.execute("set role bi_reader")
        assert conn.execute("select count(*) from attestation.latest_scorecards").fetchone()[0] == 10
        assert conn.execute("select count(*) from attestation.latest_components").fetchone()[0] == 50
        assert conn.execute("select count(*) from attestation.latest_awards").fetchone()[0] == 10
        labels = conn.execute(
            "select period_label, period_status from attestation.latest_revisions order by 1"
        ).fetchall()
        assert labels == [("2025", "published"), ("2025-Q1", "published")]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into attestation.period_status select * from attestation.period_status")


def test_publication_refuses_what_it_cannot_stand_behind(built):
    with built.connect() as conn:
        with pytest.raises(PublicationError, match="no rows for quarter 2025-Q3"):
            publish(conn, periods.parse("quarter", "2025-Q3"), run_id="run-1")
        conn.execute("update attestation.scorecards set methodology_version = '2' where employee_code = 'E001'")
        conn.commit()
        with pytest.raises(PublicationError, match="exactly one is required"):
            publish(conn, Q1, run_id="run-1")
        assert conn.execute("select count(*) from attestation.revisions").fetchone()[0] == 0


def test_checksum_ignores_float_noise_but_sees_real_changes(built):
    with built.connect() as conn:
        base, _, _ = inputs_checksum(conn, Q1)
        conn.execute("update attestation.awards set score = score + 1e-12 where period_label = '2025-Q1'")
        assert inputs_checksum(conn, Q1)[0] == base
        conn.execute("update attestation.awards set score = score + 0.1 where period_label = '2025-Q1' and rank = 1")
        assert inputs_checksum(conn, Q1)[0] != base
        conn.rollback()


def _deliver(conn, source: str, *, status: str = "loaded", processed_at: datetime | None = None) -> int:
    """Record a delivery as the ingestion does (ops.deliveries), returning its id."""
    return conn.execute(
        """
        insert into ops.deliveries (source, path, content_sha256, size_bytes, arrived_at, status, processed_at)
        values (%s, %s, md5(random()::text), 1, now(), %s, coalesce(%s, clock_timestamp()))
        returning delivery_id
        """,
        [source, f"{source}/late-{datetime.now(UTC).timestamp()}.csv", status, processed_at],
    ).fetchone()[0]


def _survey(conn, delivery_id: int, visited_at: str, store: str = "MSK-01") -> None:
    conn.execute(
        """
        insert into raw.surveys (response_id, visited_at, submitted_at, store_code, channel, nps,
                                 _delivery_id, _row_number, _arrived_at)
        values (md5(random()::text), %s, %s, %s, 'web', 9, %s, 1, now())
        """,
        [visited_at, visited_at, store, delivery_id],
    )


def _store(conn, delivery_id: int, tz: str = "Asia/Vladivostok", name: str = "Москва, Тверская") -> None:
    conn.execute(
        """
        insert into raw.stores (store_code, store_name, region, city, format, timezone, opened_on,
                                _delivery_id, _row_number, _arrived_at)
        values ('MSK-01', %s, 'Москва', 'Москва', 'electronics', %s, '2020-01-01', %s, 1, clock_timestamp())
        """,
        [name, tz, delivery_id],
    )


def test_late_data_marks_published_periods_revision_pending_until_the_next_run(built):
    with built.connect() as conn:
        # The store roster arrived before publication (its zone decides local dates).
        _store(conn, _deliver(conn, "stores", processed_at=datetime(2025, 1, 1, tzinfo=UTC)))
        conn.commit()
        for period in (Q1, Q2, Y):
            publish(conn, period, run_id="run-1")
        assert mark_revision_pending(conn) == []

        # Not late: a rejected delivery, a survey of a period not published, an identical roster snapshot.
        _survey(conn, _deliver(conn, "surveys", status="rejected"), "2025-02-01T10:00:00+03:00")
        _survey(conn, _deliver(conn, "surveys"), "2026-02-01T10:00:00+03:00")
        _store(conn, _deliver(conn, "stores"))
        conn.commit()
        assert mark_revision_pending(conn) == []

        # Late: a survey of 31 March 18:00 UTC = 1 April 04:00 in Vladivostok is second-quarter data.
        late = _deliver(conn, "surveys")
        _survey(conn, late, "2025-03-31T18:00:00+00:00")
        conn.commit()
        pending = mark_revision_pending(conn)
        assert {(p.period_type, p.period_label) for p in pending} == {("quarter", "2025-Q2"), ("year", "2025")}
        assert all(p.late_deliveries == (late,) and p.late_rows == 1 for p in pending)
        statuses = dict(conn.execute("select period_label, status from attestation.period_status").fetchall())
        assert statuses == {"2025-Q1": "published", "2025-Q2": "revision_pending", "2025": "revision_pending"}
        # Marking again changes nothing; the views show the mark to BI.
        assert [p.late_deliveries for p in mark_revision_pending(conn)] == [(late,), (late,)]
        assert conn.execute(
            "select distinct period_status from attestation.latest_scorecards where period_label = '2025-Q2'"
        ).fetchone() == ("revision_pending",)

        # A changed roster row (a new zone for the store) touches every period the store is open in.
        _store(conn, _deliver(conn, "stores"), tz="Europe/Moscow")
        conn.commit()
        assert {p.period_label for p in find_late_data(conn)} == {"2025-Q1", "2025-Q2", "2025"}

        # The next run attests the pending periods: unchanged results -> the revision stands, mark cleared.
        again = publish(conn, Q2, run_id="run-2")
        assert again.created is False
        status = conn.execute(
            "select status, pending_since, late_deliveries, last_run_id from attestation.period_status "
            "where period_label = '2025-Q2'"
        ).fetchone()
        assert status == ("published", None, [], "run-2")


def test_plan_attests_the_closed_period_and_the_pending_ones(built):
    with built.connect() as conn:
        for period in (Q1, Y):
            publish(conn, period, run_id="run-1", inputs_as_of=datetime(2025, 4, 10, tzinfo=UTC))
        _survey(conn, _deliver(conn, "surveys"), "2025-02-01T10:00:00+03:00")
        conn.commit()
    planned = runs.plan(built, "quarter", "2025-07-10T06:00:00+00:00")
    assert planned["as_of"] == "2025-07-10"
    assert planned["periods"] == [
        {"period_type": "quarter", "period_label": "2025-Q2"},
        {"period_type": "quarter", "period_label": "2025-Q1"},
        {"period_type": "year", "period_label": "2025"},
    ]
    assert len(planned["late"]) == 2
    published = runs.publish_planned(
        built,
        {**planned, "inputs_as_of": datetime.now(UTC).isoformat()},
        run_id="run-2",
        dag_id="attestation_quarterly",
    )
    assert [(p["period_label"], p["revision"], p["created"]) for p in published] == [
        ("2025-Q2", 1, True),
        ("2025-Q1", 1, False),
        ("2025", 1, False),
    ]
    with built.connect() as conn:
        assert (
            conn.execute("select count(*) from attestation.period_status where status <> 'published'").fetchone()[0]
            == 0
        )
    # Several periods after one build, in the order given, pending ones after them.
    several = runs.plan(built, "quarter", "2025-07-10T06:00:00+00:00", requested_label="2025-Q2, 2025-Q1")
    assert [p["period_label"] for p in several["periods"]] == ["2025-Q2", "2025-Q1"]
    # The operator's param names an open period: refused with the reason.
    with pytest.raises(ValueError, match="not closed"):
        runs.plan(built, "quarter", "2025-05-10T06:00:00+00:00", requested_label="2025-Q2")
    assert runs.plan(
        built, "quarter", datetime(2025, 5, 10, 6, tzinfo=UTC) + timedelta(days=60), requested_label="2025-Q1"
    )["periods"][0] == {"period_type": "quarter", "period_label": "2025-Q1"}


def test_late_answers_take_their_visit_date_and_roster_changes_their_validity(built):
    with built.connect() as conn:
        early = _deliver(conn, "audit_visits", processed_at=datetime(2025, 4, 1, tzinfo=UTC))
        conn.execute(
            """
            insert into raw.audit_visits (visit_id, agency, shopper_code, visited_at, store_code, scenario,
                                          checklist_version, status, _delivery_id, _row_number, _arrived_at)
            values ('V-1', 'Агентство', 'S1', '2025-05-20T11:00:00+03:00', 'MSK-01', 'service', 'v1', 'validated',
                    %s, 1, '2025-04-01')
            """,
            [early],
        )
        employees = _deliver(conn, "employees", processed_at=datetime(2025, 4, 1, tzinfo=UTC))
        conn.execute(
            """
            insert into raw.employees (employee_code, full_name, badge_name, hired_on, terminated_on,
                                       is_customer_facing, _delivery_id, _row_number, _arrived_at)
            values ('E001', 'Анна Смирнова', 'Анна', '2024-01-01', null, true, %s, 1, '2025-04-01')
            """,
            [employees],
        )
        conn.commit()
        for period in (Q1, Q2):
            publish(conn, period, run_id="run-1")

        # Answers delivered late for a May visit: second quarter only.
        answers = _deliver(conn, "audit_answers")
        conn.execute(
            "insert into raw.audit_answers (visit_id, question_code, answer, _delivery_id, _row_number, _arrived_at) "
            "values ('V-1', 'G01', 'yes', %s, 1, now()), ('V-1', 'G02', 'no', %s, 2, now())",
            [answers, answers],
        )
        conn.commit()
        assert [(p.period_label, p.late_rows) for p in find_late_data(conn)] == [("2025-Q2", 2)]

        # The employee terminated on 15 February (a changed roster row): the new validity ends in Q1, the old
        # one (open-ended) overlaps Q2 as well, so both quarters may change (methodology 1.1, §7).
        roster = _deliver(conn, "employees")
        conn.execute(
            """
            insert into raw.employees (employee_code, full_name, badge_name, hired_on, terminated_on,
                                       is_customer_facing, _delivery_id, _row_number, _arrived_at)
            values ('E001', 'Анна Смирнова', 'Анна', '2024-01-01', '2025-02-15', true, %s, 1, now())
            """,
            [roster],
        )
        conn.commit()
        late = {p.period_label: p.late_deliveries for p in find_late_data(conn)}
        assert late == {"2025-Q1": (roster,), "2025-Q2": (answers, roster)}


def _appeal(
    conn,
    delivery_id: int,
    visit_id: str,
    *,
    appeal_id: str = "A-1",
    decision: str | None = None,
    reason: str = "спорно",
) -> None:
    conn.execute(
        """
        insert into raw.appeals (appeal_id, visit_id, question_code, filed_at, filed_by, category, reason,
                                 decision, corrected_answer, decided_at, _delivery_id, _row_number, _arrived_at)
        values (%s, %s, 'G01', '2025-03-02T10:00:00+03:00', 'E001', 'wrong_answer', %s,
                %s, case when %s::text = 'overturned' then 'yes' end,
                case when %s::text is not null then '2025-03-09T10:00:00+03:00'::timestamptz end, %s, 1,
                clock_timestamp())
        """,
        [appeal_id, visit_id, reason, decision, decision, decision, delivery_id],
    )


def test_a_new_appeal_and_its_decision_mark_the_period_of_their_visit(built):
    with built.connect() as conn:
        visits = _deliver(conn, "audit_visits", processed_at=datetime(2025, 3, 1, tzinfo=UTC))
        conn.execute(
            """
            insert into raw.audit_visits (visit_id, agency, shopper_code, visited_at, store_code, scenario,
                                          checklist_version, status, _delivery_id, _row_number, _arrived_at)
            values ('V-1', 'Агентство', 'S1', '2025-02-27T11:00:00+03:00', 'MSK-01', 'service', 'v1', 'validated',
                    %s, 1, '2025-03-01')
            """,
            [visits],
        )
        conn.commit()
        for period in (Q1, Q2):
            publish(conn, period, run_id="run-1")

        # An appeal on a visit nobody delivered has no date: it changes no period.
        _appeal(conn, _deliver(conn, "appeals"), "V-UNKNOWN", appeal_id="A-0")
        conn.commit()
        assert find_late_data(conn) == []

        # A new appeal on a February visit: the first quarter only.
        filed = _deliver(conn, "appeals")
        _appeal(conn, filed, "V-1")
        conn.commit()
        assert [(p.period_label, p.late_deliveries) for p in mark_revision_pending(conn)] == [("2025-Q1", (filed,))]
        assert publish(conn, Q1, run_id="run-2").created is False

        # The same appeal delivered again (only its free-text reason retyped) changes nothing ...
        _appeal(conn, _deliver(conn, "appeals"), "V-1", reason="спорно, см. фото")
        conn.commit()
        assert find_late_data(conn) == []

        # ... its decision does.
        decided = _deliver(conn, "appeals")
        _appeal(conn, decided, "V-1", decision="overturned")
        conn.commit()
        assert [(p.period_label, p.late_deliveries, p.late_rows) for p in find_late_data(conn)] == [
            ("2025-Q1", (decided,), 1)
        ]

        # An appeal corrected from an unknown visit to a known one changes the known visit's period.
        moved = _deliver(conn, "appeals")
        _appeal(conn, moved, "V-1", appeal_id="A-0")
        conn.commit()
        assert [p.late_deliveries for p in find_late_data(conn)] == [(decided, moved)]


def test_reattesting_a_quarter_adds_no_revision_to_the_next_and_the_view_compares_when_read(built):
    """Methodology 1.1, §7: no revision holds a value of another period; comparisons are computed when read."""
    with built.connect() as conn:
        publish(conn, Q1, run_id="run-1")
        q2 = publish(conn, Q2, run_id="run-1")
        change = conn.execute(
            "select previous_period_label, previous_total_points, total_points_change, previous_revision "
            "from attestation.latest_scorecards where period_label = '2025-Q2' and employee_code = 'E002'"
        ).fetchone()
        assert change[0] == "2025-Q1" and float(change[1]) == 70.3 and float(change[2]) == 3.0 and change[3] == 1

        # Late data changes Q1 only: Q1 gets revision 2, Q2's checksum is untouched.
        conn.execute(
            "update attestation.scorecards set total_points = 75.8, grade = 'B' "
            "where period_label = '2025-Q1' and employee_code = 'E002'"
        )
        conn.commit()
        assert publish(conn, Q1, run_id="run-2").revision == 2
        again = publish(conn, Q2, run_id="run-2")
        assert (again.created, again.revision, again.inputs_checksum) == (False, 1, q2.inputs_checksum)
        assert conn.execute("select count(*) from attestation.revisions where period_label = '2025-Q2'").fetchone() == (
            1,
        )
        # The Q2 view shows the change against Q1's latest revision (2), not the one frozen at Q2's publication.
        change = conn.execute(
            "select previous_total_points, total_points_change, previous_revision from attestation.latest_scorecards "
            "where period_label = '2025-Q2' and employee_code = 'E002'"
        ).fetchone()
        assert (float(change[0]), float(change[1]), change[2]) == (75.8, -2.5, 2)
        # The year shows its quarters' latest totals as the trend.
        publish(conn, Y, run_id="run-2")
        trend = conn.execute(
            "select quarter_trend from attestation.latest_scorecards where period_label = '2025' "
            "and employee_code = 'E002'"
        ).fetchone()[0]
        assert trend == "2025-Q1: 75.8 B, 2025-Q2: 73.3 B"
        # What a revision froze is only the period's own values.
        frozen = conn.execute(
            "select count(*) from attestation.published_scorecards where previous_total_points is not null "
            "or total_points_change is not null or previous_grade is not null or quarter_trend is not null"
        ).fetchone()[0]
        assert frozen == 0


def test_a_survey_moved_across_quarters_marks_both(built):
    """§7: a fact whose old or new local date falls in a published period changes it."""
    with built.connect() as conn:
        _store(conn, _deliver(conn, "stores", processed_at=datetime(2025, 1, 1, tzinfo=UTC)), tz="Europe/Moscow")
        first = _deliver(conn, "surveys", processed_at=datetime(2025, 3, 29, tzinfo=UTC))
        conn.execute(
            """
            insert into raw.surveys (response_id, visited_at, submitted_at, store_code, channel, nps,
                                     _delivery_id, _row_number, _arrived_at)
            values ('R-MOVED', '2025-03-28T12:00:00+03:00', '2025-03-28T13:00:00+03:00', 'MSK-01', 'web', 9, %s, 1,
                    '2025-03-29')
            """,
            [first],
        )
        conn.commit()
        for period in (Q1, Q2):
            publish(conn, period, run_id="run-1")
        assert find_late_data(conn) == []

        corrected = _deliver(conn, "surveys")
        conn.execute(
            """
            insert into raw.surveys (response_id, visited_at, submitted_at, store_code, channel, nps,
                                     _delivery_id, _row_number, _arrived_at)
            values ('R-MOVED', '2025-04-02T12:00:00+03:00', '2025-04-02T13:00:00+03:00', 'MSK-01', 'web', 9, %s, 1,
                    now())
            """,
            [corrected],
        )
        conn.commit()
        late = {p.period_label: (p.late_deliveries, p.late_rows) for p in mark_revision_pending(conn)}
        assert late == {"2025-Q1": ((corrected,), 1), "2025-Q2": ((corrected,), 1)}
        statuses = dict(conn.execute("select period_label, status from attestation.period_status").fetchall())
        assert statuses == {"2025-Q1": "revision_pending", "2025-Q2": "revision_pending"}


def test_a_termination_moved_from_june_to_march_marks_both_quarters(built):
    """§7: a new version of an employee whose old or new validity overlaps a published period changes it."""
    with built.connect() as conn:
        roster = _deliver(conn, "employees", processed_at=datetime(2025, 3, 1, tzinfo=UTC))
        conn.execute(
            """
            insert into raw.employees (employee_code, full_name, badge_name, hired_on, terminated_on,
                                       is_customer_facing, _delivery_id, _row_number, _arrived_at)
            values ('E001', 'Анна Смирнова', 'Анна', '2025-02-01', '2025-06-20', true, %s, 1, '2025-03-01')
            """,
            [roster],
        )
        conn.commit()
        for period in (Q1, Q2, Y):
            publish(conn, period, run_id="run-1")

        moved = _deliver(conn, "employees")
        conn.execute(
            """
            insert into raw.employees (employee_code, full_name, badge_name, hired_on, terminated_on,
                                       is_customer_facing, _delivery_id, _row_number, _arrived_at)
            values ('E001', 'Анна Смирнова', 'Анна', '2025-02-01', '2025-03-20', true, %s, 1, now())
            """,
            [moved],
        )
        conn.commit()
        late = {p.period_label: p.late_deliveries for p in mark_revision_pending(conn)}
        # Q2 only through the old validity (February ... 20 June): the new one ends in March.
        assert late == {"2025-Q1": (moved,), "2025-Q2": (moved,), "2025": (moved,)}


def test_migration_to_1_1_leaves_published_revisions_unchanged(databases, monkeypatch):
    """Revisions published before methodology 1.1 keep every frozen value, the cross-period ones included."""
    from service_quality.warehouse import bootstrap as B

    dsn = databases.create("sqw_att_migration")
    every = B.migrations()
    before_1_1 = [m for m in every if m.version < 51]
    # The warehouse as it was before 1.1: every migration up to 0050, then a revision 1 with frozen comparisons.
    with monkeypatch.context() as patched:
        patched.setattr(B, "migrations", lambda: before_1_1)
        B.bootstrap(dsn)
    with dsn.connect() as conn:
        conn.execute(
            """
            insert into attestation.revisions (period_type, period_label, revision, run_id, inputs_as_of,
                methodology_version, inputs_checksum, scorecard_rows, component_rows, award_rows)
            values ('quarter', '2025-Q2', 1, 'run-1', now(), '1', 'abc', 1, 0, 0)
            """
        )
        conn.execute(
            """
            insert into attestation.published_scorecards (period_type, period_label, revision, employee_code,
                full_name, status, total_points, grade, previous_total_points, total_points_change,
                previous_period_label, previous_grade, methodology_version)
            values ('quarter', '2025-Q2', 1, 'E001', 'Анна Смирнова', 'attested', 82.5, 'B', 80.0, 2.5,
                    '2025-Q1', 'B', '1')
            """
        )
        conn.commit()
        checksum = "select md5(string_agg(to_jsonb(p)::text, '' order by employee_code)) from attestation.published_scorecards p"
        before = conn.execute(checksum).fetchone()[0]

    applied = B.bootstrap(dsn)
    assert [m.version for m in applied] == [m.version for m in every if m.version >= 51]
    with dsn.connect() as conn:
        assert conn.execute(checksum).fetchone()[0] == before
        # The frozen values stay readable in the table; the view computes the comparison when read.
        assert conn.execute(
            "select previous_total_points, previous_grade from attestation.published_scorecards"
        ).fetchone() == (Decimal("80.0"), "B")
        assert conn.execute(
            "select previous_total_points, total_points_change from attestation.latest_scorecards"
        ).fetchone() == (None, None)
