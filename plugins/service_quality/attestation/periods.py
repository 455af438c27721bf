"""Attestation periods (calendar quarters and years, in local dates) and which one a run attests.

Kept free of heavy imports: the DAG files read the schedules from here at parse time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

#: Days after a period closes during which late deliveries are still expected; the run waits them out.
GRACE_DAYS = 9

#: 06:00 UTC on the day after the grace period: the 10th of the month that follows the period.
QUARTERLY_CRON = f"0 6 {GRACE_DAYS + 1} 1,4,7,10 *"
ANNUAL_CRON = f"0 7 {GRACE_DAYS + 1} 1 *"

PERIOD_TYPES = ("quarter", "year")

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period: ``start`` inclusive, ``end`` exclusive (local dates)."""

    period_type: str
    label: str
    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.period_type} {self.label}"


def quarter(year: int, q: int) -> Period:
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Period("quarter", f"{year}-Q{q}", start, end)


def year(year: int) -> Period:
    return Period("year", str(year), date(year, 1, 1), date(year + 1, 1, 1))


def parse(period_type: str, label: str) -> Period:
    """The period named by a label (``2025-Q1`` for a quarter, ``2025`` for a year)."""
    if period_type == "quarter" and (m := _QUARTER.match(label)):
        return quarter(int(m.group(1)), int(m.group(2)))
    if period_type == "year" and (m := _YEAR.match(label)):
        return year(int(m.group(1)))
    raise ValueError(
        f"period label {label!r} is not a {period_type} label: use e.g. "
        + ("'2025-Q1'" if period_type == "quarter" else "'2025'")
    )


def containing(period_type: str, day: date) -> Period:
    if period_type == "quarter":
        return quarter(day.year, (day.month - 1) // 3 + 1)
    if period_type == "year":
        return year(day.year)
    raise ValueError(f"period_type must be one of {PERIOD_TYPES}, got {period_type!r}")


def previous(period: Period) -> Period:
    return containing(period.period_type, period.start - timedelta(days=1))


def closed_period(period_type: str, data_interval_end: datetime | date, grace_days: int = GRACE_DAYS) -> Period:
    """The period a run attests: the latest one that closed at least ``grace_days`` before the run's interval end.

    Derived from the run's data interval, never from the clock, so a rerun or a backfill of the same
    interval attests the same period. Timestamps are compared as UTC calendar dates: periods are local
    dates, and the grace period (days) dwarfs the spread of the chain's time zones.
    """
    day = data_interval_end.date() if isinstance(data_interval_end, datetime) else data_interval_end
    candidate = previous(containing(period_type, day))
    while candidate.end + timedelta(days=grace_days) > day:
        candidate = previous(candidate)
    return candidate


def quarters_of(year_label: str) -> list[Period]:
    y = int(year_label)
    return [quarter(y, q) for q in (1, 2, 3, 4)]
