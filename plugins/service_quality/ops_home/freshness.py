"""When each source's next delivery is due, and which sources are overdue.

A source's cadence says how often its deliveries arrive and, optionally, by which time of day in store
time. The defaults follow the chain's systems (DATA_CONTRACTS.md): sales, traffic and shifts every day by
06:00 store time, surveys every day, audits and the three rosters (stores, employees, assignments) every
week. Appeals arrive only when someone files or decides one (a quiet month has none), so their default is
lenient: monthly, i.e. overdue only after 31 days without an appeals file. An operator changes them with the Airflow Variable ``source_cadence``, a JSON object
``{"<source>": {"every": "daily" | "weekly" | "monthly", "by": "HH:MM" | null}}``; a source it names replaces that
source's default, the others keep theirs.

The rule: a delivery counts for the ``by`` deadline nearest its arrival (a file at 05:40 or at 07:10 is
that morning's, one at 20:00 is the next morning's); the next delivery is due one period (a day, a week, 31 days)
after that deadline. "Store time" is every store's time zone: the source is due when the last store's
deadline has passed. Without ``by``, the next delivery is due one period after the last arrival. A source
is *overdue* when that instant has passed, or when it never delivered. Both the operators' home and the ``ops_freshness`` DAG ask this module, so they cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service_quality.contracts import SOURCES

VARIABLE = "source_cadence"
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7), "monthly": timedelta(days=31)}


@dataclass(frozen=True)
class Cadence:
    every: str  # daily | weekly | monthly
    by: time | None = None  # time of day in store time, or None: any time within the period

    def describe(self) -> str:
        return self.every + (f" by {self.by:%H:%M} store time" if self.by else "")


DEFAULT_CADENCE: dict[str, Cadence] = {
    "sales": Cadence("daily", time(6)),
    "traffic": Cadence("daily", time(6)),
    "shifts": Cadence("daily", time(6)),
    "surveys": Cadence("daily"),
    "audit_visits": Cadence("weekly"),
    "audit_answers": Cadence("weekly"),
    "stores": Cadence("weekly"),
    "employees": Cadence("weekly"),
    "assignments": Cadence("weekly"),
    # irregular: a file only when an appeal is filed or decided; a month without one is unusual, not a week
    "appeals": Cadence("monthly"),
}


def parse_cadence(value: str | None) -> dict[str, Cadence]:
    """The cadence of every source: the defaults with what the Variable's JSON overrides.

    A wrong value raises ``ValueError`` naming the source and what is accepted (the page shows it, the
    check DAG fails with it): a silently ignored override would hide an overdue source."""
    cadence = dict(DEFAULT_CADENCE)
    if not value or not value.strip():
        return cadence
    try:
        data = json.loads(value)
    except ValueError as error:
        raise ValueError(f"Variable {VARIABLE} is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f'Variable {VARIABLE} must be a JSON object {{"<source>": {{"every": "daily"}}}}')
    for source, spec in data.items():
        if source not in SOURCES:
            raise ValueError(f"Variable {VARIABLE}: unknown source {source!r}; sources: {', '.join(SOURCES)}")
        if not isinstance(spec, dict) or spec.get("every") not in PERIODS:
            raise ValueError(f'Variable {VARIABLE}: {source} needs "every": one of {", ".join(PERIODS)}')
        by = spec.get("by")
        try:
            by_time = time.fromisoformat(by) if by else None
        except (TypeError, ValueError):
            raise ValueError(f'Variable {VARIABLE}: {source} "by" must be HH:MM, got {by!r}') from None
        cadence[source] = Cadence(spec["every"], by_time)
    return cadence


def due_at(cadence: Cadence, last_arrived_at: datetime, timezones: Iterable[str]) -> datetime:
    """When the delivery after one that arrived at ``last_arrived_at`` is due (see the module docstring)."""
    period = PERIODS[cadence.every]
    if cadence.by is None:
        return last_arrived_at + period
    latest = None
    for name in set(timezones) or {"UTC"}:
        zone = ZoneInfo(name)
        local = last_arrived_at.astimezone(zone)
        nearest = min(
            (datetime.combine(local.date() + timedelta(days=d), cadence.by, tzinfo=zone) for d in (-1, 0, 1)),
            key=lambda deadline: abs(deadline - local),
        )
        due = nearest.astimezone(UTC) + period
        latest = due if latest is None or due > latest else latest
    return latest


@dataclass(frozen=True)
class Freshness:
    source: str
    cadence: Cadence
    last_arrived_at: datetime | None
    due_at: datetime | None  # None: never delivered
    is_overdue: bool

    def overdue_for(self, now: datetime) -> timedelta | None:
        return None if not self.is_overdue or self.due_at is None else now - self.due_at

    def describe(self, now: datetime) -> str:
        if self.last_arrived_at is None:
            return f"{self.source}: no delivery ever arrived (expected {self.cadence.describe()})"
        late = self.overdue_for(now)
        state = f"overdue by {_duration(late)}" if late is not None else "on time"
        return (
            f"{self.source}: {state}; last delivery arrived {self.last_arrived_at:%Y-%m-%d %H:%M} UTC, "
            f"the next was due {self.due_at:%Y-%m-%d %H:%M} UTC ({self.cadence.describe()})"
        )


def freshness(
    last_arrivals: Mapping[str, datetime | None],
    now: datetime,
    cadence: Mapping[str, Cadence],
    timezones: Iterable[str],
) -> list[Freshness]:
    """Every source of the contracts, in their order, with its freshness at ``now``."""
    zones = tuple(timezones)
    found = []
    for source in SOURCES:
        spec = cadence[source]
        last = last_arrivals.get(source)
        due = due_at(spec, last, zones) if last is not None else None
        found.append(Freshness(source, spec, last, due, due is None or due < now))
    return found


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return (
        f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h {int(delta.total_seconds() // 60) % 60} min"
    )
