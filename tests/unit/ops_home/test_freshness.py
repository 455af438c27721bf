"""When a source's next delivery is due, in store time, and what the Variable ``source_cadence`` changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from service_quality.contracts import SOURCES
from service_quality.ops_home.freshness import DEFAULT_CADENCE, Cadence, due_at, freshness, parse_cadence


def test_every_source_has_a_default_cadence():
    assert set(DEFAULT_CADENCE) == set(SOURCES)
    assert DEFAULT_CADENCE["sales"] == Cadence("daily", time(6))
    assert DEFAULT_CADENCE["stores"].every == "weekly"
    # appeals arrive only when someone files or decides one: a quiet fortnight is not overdue
    assert DEFAULT_CADENCE["appeals"] == Cadence("monthly")
    assert due_at(DEFAULT_CADENCE["appeals"], datetime(2025, 3, 1, tzinfo=UTC), []) == datetime(2025, 4, 1, tzinfo=UTC)


def test_daily_by_six_counts_a_delivery_for_its_nearest_deadline_in_store_time():
    daily = Cadence("daily", time(6))
    moscow = ["Europe/Moscow"]  # UTC+3: 06:00 local is 03:00 UTC
    # 05:40 or 07:10 local: that morning's delivery; the next is due the next morning.
    for arrived in (datetime(2025, 3, 3, 2, 40, tzinfo=UTC), datetime(2025, 3, 3, 4, 10, tzinfo=UTC)):
        assert due_at(daily, arrived, moscow) == datetime(2025, 3, 4, 3, 0, tzinfo=UTC)
    # 20:00 local: early for the next morning, so the one after is due two mornings later.
    assert due_at(daily, datetime(2025, 3, 3, 17, 0, tzinfo=UTC), moscow) == datetime(2025, 3, 5, 3, 0, tzinfo=UTC)


def test_stores_in_several_time_zones_wait_for_the_last_one():
    daily = Cadence("daily", time(6))
    arrived = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 05:00 in Moscow, 07:00 in Yekaterinburg (UTC+5)
    assert due_at(daily, arrived, ["Asia/Yekaterinburg"]) == datetime(2025, 3, 4, 1, 0, tzinfo=UTC)
    assert due_at(daily, arrived, ["Europe/Moscow", "Asia/Yekaterinburg"]) == datetime(2025, 3, 4, 3, 0, tzinfo=UTC)


def test_weekly_and_any_time_of_day():
    arrived = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    assert due_at(Cadence("weekly"), arrived, []) == arrived + timedelta(days=7)
    assert due_at(Cadence("daily"), arrived, []) == arrived + timedelta(days=1)
    # 12:00 counts for that morning's 06:00 deadline; a weekly source is due a week after it.
    assert due_at(Cadence("weekly", time(6)), arrived, ["UTC"]) == datetime(2025, 3, 10, 6, 0, tzinfo=UTC)


def test_overdue_never_delivered_and_on_time():
    arrived = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
    now = datetime(2025, 3, 4, 4, 0, tzinfo=UTC)  # sales due 03-04 03:00 UTC (Moscow 06:00): an hour late
    found = {
        f.source: f for f in freshness({"sales": arrived, "stores": arrived}, now, DEFAULT_CADENCE, ["Europe/Moscow"])
    }
    assert found["sales"].is_overdue and found["sales"].overdue_for(now) == timedelta(hours=1)
    assert "overdue by 1 h 0 min" in found["sales"].describe(now)
    assert not found["stores"].is_overdue and "on time" in found["stores"].describe(now)
    assert found["traffic"].is_overdue and found["traffic"].due_at is None
    assert "no delivery ever arrived" in found["traffic"].describe(now)


def test_the_variable_overrides_one_source_and_keeps_the_others():
    cadence = parse_cadence('{"stores": {"every": "daily", "by": "07:30"}}')
    assert cadence["stores"] == Cadence("daily", time(7, 30))
    assert cadence["sales"] == DEFAULT_CADENCE["sales"]
    assert parse_cadence("") == DEFAULT_CADENCE


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not json", "not JSON"),
        ("[1]", "JSON object"),
        ('{"salez": {"every": "daily"}}', "unknown source 'salez'"),
        ('{"sales": {"every": "hourly"}}', "daily, weekly"),
        ('{"sales": {"every": "daily", "by": "6 am"}}', "HH:MM"),
    ],
)
def test_a_wrong_variable_says_what_is_wrong(value, message):
    with pytest.raises(ValueError, match=message):
        parse_cadence(value)
