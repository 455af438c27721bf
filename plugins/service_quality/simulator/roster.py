"""The chain over time: stores, employees with a latent service skill, and their assignments.

The whole roster for the simulated period is drawn up front (it is small: ~14,000 people at L), so the
daily generators can run in any order, in any process, and still agree on who worked where.
Staff dynamics: each position in a store is held by a chain of employees; an employee leaves after an
exponential tenure (some new hires leave within weeks: short tenure), is replaced after a gap, may
transfer to another store of the region, and may work part time.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from service_quality.simulator import names
from service_quality.simulator.scales import FORMATS, PK_BRANDS, XS_STORES, Scale

FAR_FUTURE = date(9999, 12, 31)
#: a former employee stays in the roster snapshots for this long after leaving, then drops out
SNAPSHOT_RETENTION_DAYS = 90


@dataclass
class Store:
    index: int
    code: str
    name: str
    region: str
    city: str
    format: str
    timezone: str
    opened_on: date
    closed_on: date | None
    effect: float  # store-level service culture, added to every employee's skill there
    agency: str

    def is_trading(self, day: date) -> bool:
        """Open for business on local date ``day`` (closed_on is the first day it is closed)."""
        return self.opened_on <= day and (self.closed_on is None or day < self.closed_on)


@dataclass
class Employee:
    code: str
    full_name: str
    badge_name: str
    hired_on: date
    terminated_on: date | None
    is_customer_facing: bool
    skill: float  # latent service skill, N(0, 1): drives audits, surveys and sales
    brand_skill: tuple[float, ...]  # per PK brand, added to the skill in product-knowledge audits
    short_tenure: bool = False
    assignments: list[Assignment] = field(default_factory=list)

    def employed(self, day: date) -> bool:
        return self.hired_on <= day and (self.terminated_on is None or day <= self.terminated_on)


@dataclass
class Assignment:
    employee: Employee
    store_code: str
    role: str
    valid_from: date
    valid_to: date | None
    fte: float
    phase: int  # position in the 2-on/2-off shift pattern

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= (self.valid_to or FAR_FUTURE) and self.employee.employed(day)


@dataclass
class Roster:
    stores: list[Store]
    employees: list[Employee]
    by_store: dict[str, list[Assignment]]
    snapshot_dates: list[date]

    def store(self, code: str) -> Store:
        return self._stores_by_code[code]

    def __post_init__(self) -> None:
        self._stores_by_code = {s.code: s for s in self.stores}


def _exp_days(rng: random.Random, mean_days: float) -> int:
    return max(1, int(rng.expovariate(1.0 / mean_days)))


def _split_roles(profile_roles: tuple[tuple[str, float], ...], n: int) -> list[str]:
    """Exact role counts for n positions (largest remainder), so small stores still get every role."""
    raw = [(role, share * n) for role, share in profile_roles]
    counts = {role: int(x) for role, x in raw}
    rest = n - sum(counts.values())
    for role, _ in sorted(raw, key=lambda r: (int(r[1]) - r[1], r[0]))[:rest]:
        counts[role] += 1
    return [role for role, _ in profile_roles for _ in range(counts[role])]


class _People:
    """Draws names, badges and skills; numbers employees in creation order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0

    def new(self, hired_on: date, customer_facing: bool) -> Employee:
        rng = self.rng
        self.count += 1
        female = rng.random() < 0.6
        first, short = rng.choice(names.FEMALE_FIRST if female else names.MALE_FIRST)
        surname = rng.choice(names.SURNAMES)
        if female and surname not in names.INVARIABLE_SURNAMES:
            surname = surname[:-1] + "ой" if surname.endswith("ий") else surname + "а"
        patronymic = rng.choice(names.PATRONYMICS)[1 if female else 0]
        u = rng.random()
        badge = first if u < 0.65 else short if u < 0.85 else f"{first} {surname[0]}."
        return Employee(
            code=f"E{self.count:06d}",
            full_name=f"{surname} {first} {patronymic}",
            badge_name=badge,
            hired_on=hired_on,
            terminated_on=None,
            is_customer_facing=customer_facing,
            skill=rng.gauss(0.0, 1.0),
            brand_skill=tuple(rng.gauss(0.0, 0.5) for _ in PK_BRANDS),
        )


#: the first stores cover every time zone, UTC+2 to UTC+10, before cities repeat
SPREAD = (
    "KGD",
    "MSK",
    "SMR",
    "EKB",
    "OMS",
    "NSK",
    "KRS",
    "IRK",
    "YKT",
    "VVO",
    "SPB",
    "KZN",
    "NNV",
    "CHL",
    "KHV",
    "TOM",
    "TVR",
    "YAR",
    "VRN",
    "IZH",
    "PRM",
    "TMN",
)


def _make_stores(scale: Scale, start: date, end: date, rng: random.Random) -> list[Store]:
    cities = {c[0]: c for c in names.CITIES}
    plan: list[tuple[str, str]]
    if scale.name == "XS":
        plan = list(XS_STORES)
    else:
        formats = list(FORMATS)
        weights = [FORMATS[f].weight for f in formats]
        city_codes = [c[0] for c in names.CITIES]
        city_weights = [c[4] for c in names.CITIES]
        plan = []
        for i in range(scale.stores):
            fmt = formats[i] if i < len(formats) else rng.choices(formats, weights)[0]
            city = SPREAD[i] if i < len(SPREAD) else rng.choices(city_codes, city_weights)[0]
            plan.append((city, fmt))
    agencies = [slug for slug, _ in names.AGENCIES[: scale.agencies]]
    period = (end - start).days + 1
    stores: list[Store] = []
    for i, (city_code, fmt) in enumerate(plan):
        _, city, region, tz, _ = cities[city_code]
        opened = start - timedelta(days=rng.randint(200, 4000))
        closed = None
        if scale.store_events and period >= 60:
            if i == len(plan) - 1:  # the newest store opens during the period
                opened = start + timedelta(days=int(period * 0.4))
            elif i == len(plan) - 2:  # and one closes
                closed = start + timedelta(days=int(period * 0.7))
        name = f"{names.FORMAT_NAMES[fmt]} {city}, {rng.choice(names.PLACES)}"
        stores.append(
            Store(
                index=i,
                code=f"{city_code}-{i + 1:03d}",
                name=name,
                region=region,
                city=city,
                format=fmt,
                timezone=tz,
                opened_on=opened,
                closed_on=closed,
                effect=rng.gauss(0.0, 0.3),
                agency=agencies[i % len(agencies)],
            )
        )
    return stores


def _fte(rng: random.Random, role: str) -> float:
    if role == "store_manager":
        return 1.0
    u = rng.random()
    return 0.5 if u < 0.1 else 0.75 if u < 0.22 else 1.0


def build_roster(scale: Scale, start: date, end: date, seed: int) -> Roster:
    """Draw the chain's stores and staff histories for ``start`` … ``end`` (deterministic in ``seed``)."""
    rng = random.Random(f"{seed}|roster")
    stores = _make_stores(scale, start, end, rng)
    people = _People(rng)
    employees: list[Employee] = []
    by_store: dict[str, list[Assignment]] = {s.code: [] for s in stores}
    by_region: dict[str, list[Store]] = {}
    for s in stores:
        if s.closed_on is None and s.opened_on <= start:
            by_region.setdefault(s.region, []).append(s)
    stable = [s for s in stores if s.closed_on is None and s.opened_on <= start]

    def transfer_target(origin: Store) -> Store | None:
        candidates = [s for s in by_region.get(origin.region, []) if s.code != origin.code]
        if not candidates:
            candidates = [s for s in stable if s.code != origin.code]
        return rng.choice(candidates) if candidates else None

    def role_at(target: Store, role: str) -> str:
        roles = [r for r, _ in FORMATS[target.format].roles]
        return role if role in roles or role == "store_manager" else roles[0]

    for store in stores:
        profile = FORMATS[store.format]
        headcount = max(4, round(profile.headcount * rng.uniform(0.8, 1.2)))
        roles = ["store_manager", *_split_roles(profile.roles, headcount - 1)]
        back_office = int(round(profile.back_office_share * (headcount - 1)))
        for slot, role in enumerate(roles):
            customer_facing = not (0 < slot <= back_office and role == "service_engineer")
            mean_tenure = 1800 if role == "store_manager" else 1000
            if store.opened_on > start:
                hire = store.opened_on - timedelta(days=rng.randint(7, 21))
                first = False
            else:
                hire = max(store.opened_on, start - timedelta(days=_exp_days(rng, 900)))
                first = True
            last_hire = end if store.closed_on is None else min(end, store.closed_on - timedelta(days=14))
            while hire <= last_hire:
                person = people.new(hire, customer_facing)
                employees.append(person)
                if first:
                    leave = start + timedelta(days=_exp_days(rng, mean_tenure))
                elif role != "store_manager" and rng.random() < 0.15:
                    person.short_tenure = True
                    leave = hire + timedelta(days=rng.randint(12, 80))
                else:
                    leave = hire + timedelta(days=_exp_days(rng, mean_tenure))
                first = False
                fte = _fte(rng, role)
                current = Assignment(person, store.code, role, hire, None, fte, rng.randrange(4))
                person.assignments.append(current)
                by_store[store.code].append(current)
                refill = leave + timedelta(days=1)
                if store.closed_on is not None and leave >= store.closed_on:
                    leave = store.closed_on - timedelta(days=1)
                    refill = FAR_FUTURE
                    target = transfer_target(store) if rng.random() < 0.5 else None
                    if target is not None and customer_facing:
                        current.valid_to = leave
                        moved = Assignment(person, target.code, role_at(target, role), store.closed_on, None, fte, 0)
                        person.assignments.append(moved)
                        by_store[target.code].append(moved)
                        leave = store.closed_on + timedelta(days=_exp_days(rng, mean_tenure))
                elif customer_facing and not person.short_tenure:
                    window_start = max(hire, start) + timedelta(days=30)
                    window = (min(leave, end) - window_start).days - 30
                    if window > 0 and rng.random() < 0.07 * window / 365:
                        target = transfer_target(store)
                        if target is not None:
                            moved_on = window_start + timedelta(days=rng.randrange(window))
                            current.valid_to = moved_on - timedelta(days=1)
                            moved = Assignment(person, target.code, role_at(target, role), moved_on, None, fte, 1)
                            person.assignments.append(moved)
                            by_store[target.code].append(moved)
                            refill = moved_on
                if leave <= end:
                    person.terminated_on = leave
                    for a in person.assignments:
                        if a.valid_to is None or a.valid_to > leave:
                            a.valid_to = leave
                if refill == FAR_FUTURE:
                    break
                hire = refill + timedelta(days=rng.randint(3, 25))
    snapshot_dates = sorted(
        {start, end + timedelta(days=1)}
        | {date(y, m, 1) for y in range(start.year, end.year + 1) for m in range(1, 13) if start < date(y, m, 1) <= end}
    )
    return Roster(stores, employees, by_store, snapshot_dates)


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def store_snapshot(roster: Roster, as_of: date) -> list[list[str]]:
    """The stores list as the head office exports it on ``as_of`` (new stores appear a month ahead)."""
    horizon = as_of + timedelta(days=30)
    return [
        [
            s.code,
            s.name,
            s.region,
            s.city,
            s.format,
            s.timezone,
            s.opened_on.isoformat(),
            _iso(s.closed_on if s.closed_on and s.closed_on <= horizon else None),
        ]
        for s in roster.stores
        if s.opened_on <= horizon
    ]


def _listed(e: Employee, as_of: date) -> bool:
    if e.hired_on > as_of:
        return False
    return e.terminated_on is None or e.terminated_on >= as_of - timedelta(days=SNAPSHOT_RETENTION_DAYS)


def employee_snapshot(roster: Roster, as_of: date) -> list[list[str]]:
    """HR's roster on ``as_of``: hired people, leavers for 90 days after they left."""
    return [
        [
            e.code,
            e.full_name,
            e.badge_name,
            e.hired_on.isoformat(),
            _iso(e.terminated_on if e.terminated_on and e.terminated_on <= as_of else None),
            "true" if e.is_customer_facing else "false",
        ]
        for e in roster.employees
        if _listed(e, as_of)
    ]


def _fte_text(fte: float) -> str:
    return f"{fte:.2f}".rstrip("0").rstrip(".")


def assignment_snapshot(roster: Roster, as_of: date) -> list[list[str]]:
    """Assignments known on ``as_of`` (an end date shows once it has passed)."""
    rows = []
    for e in roster.employees:
        if not _listed(e, as_of):
            continue
        for a in e.assignments:
            if a.valid_from > as_of:
                continue
            rows.append(
                [
                    e.code,
                    a.store_code,
                    a.role,
                    a.valid_from.isoformat(),
                    _iso(a.valid_to if a.valid_to and a.valid_to <= as_of else None),
                    _fte_text(a.fte),
                ]
            )
    return rows


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
