"""Which period a run attests: derived from the run's data interval and the grace period, never the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from service_quality.attestation import periods


@pytest.mark.parametrize(
    ("period_type", "interval_end", "expected"),
    [
        # Scheduled runs: the 10th after the period, once the 9 grace days are over.
        ("quarter", datetime(2025, 4, 10, 6, tzinfo=UTC), "2025-Q1"),
        ("quarter", datetime(2025, 7, 10, 6, tzinfo=UTC), "2025-Q2"),
        ("quarter", datetime(2026, 1, 10, 6, tzinfo=UTC), "2025-Q4"),
        ("year", datetime(2026, 1, 10, 7, tzinfo=UTC), "2025"),
        # Inside the grace period the previous period is the latest one that may be attested.
        ("quarter", datetime(2025, 4, 9, 23, tzinfo=UTC), "2024-Q4"),
        ("year", date(2026, 1, 5), "2024"),
        # Later in the quarter: still the last closed one.
        ("quarter", date(2025, 6, 30), "2025-Q1"),
    ],
)
def test_closed_period(period_type, interval_end, expected):
    assert periods.closed_period(period_type, interval_end).label == expected


def test_no_grace_attests_the_period_that_just_closed():
    assert periods.closed_period("quarter", date(2025, 4, 1), grace_days=0).label == "2025-Q1"
    assert periods.closed_period("quarter", date(2025, 3, 31), grace_days=0).label == "2024-Q4"


def test_period_bounds_and_labels():
    q4 = periods.parse("quarter", "2024-Q4")
    assert (q4.start, q4.end, q4.last_day) == (date(2024, 10, 1), date(2025, 1, 1), date(2024, 12, 31))
    year = periods.parse("year", "2024")
    assert (year.start, year.last_day) == (date(2024, 1, 1), date(2024, 12, 31))
    assert periods.previous(periods.parse("quarter", "2025-Q1")).label == "2024-Q4"
    assert [p.label for p in periods.quarters_of("2025")] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


@pytest.mark.parametrize(("period_type", "label"), [("quarter", "2025"), ("quarter", "2025-Q5"), ("year", "2025-Q1")])
def test_bad_labels_say_what_a_label_looks_like(period_type, label):
    with pytest.raises(ValueError, match="use e.g."):
        periods.parse(period_type, label)


@pytest.mark.parametrize(
    ("cron", "period_type", "after", "fires", "attests"),
    [
        (
            periods.QUARTERLY_CRON,
            "quarter",
            datetime(2025, 4, 1, tzinfo=UTC),
            datetime(2025, 4, 10, 6, tzinfo=UTC),
            "2025-Q1",
        ),
        (
            periods.QUARTERLY_CRON,
            "quarter",
            datetime(2025, 4, 11, tzinfo=UTC),
            datetime(2025, 7, 10, 6, tzinfo=UTC),
            "2025-Q2",
        ),
        (periods.ANNUAL_CRON, "year", datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 1, 10, 7, tzinfo=UTC), "2025"),
    ],
)
def test_schedule_fires_after_the_grace_period_and_attests_the_closed_period(cron, period_type, after, fires, attests):
    """The DAGs' timetable (a cron trigger: data interval = the fire time) and the period rule agree."""
    from airflow.timetables.base import TimeRestriction
    from airflow.timetables.trigger import CronTriggerTimetable

    timetable = CronTriggerTimetable(cron, timezone="UTC")
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(earliest=after, latest=None, catchup=True)
    )
    assert info.run_after == fires
    assert info.data_interval.end == fires
    assert periods.closed_period(period_type, info.data_interval.end).label == attests
