"""One simulated business day: shifts, traffic, sales, surveys, mystery-shopping visits.

Each day draws from its own random stream (``seed`` + date), so days can be generated in any order and
in several processes with byte-identical results. The latent skill of the employee on duty drives
everything a customer or a shopper observes: conversion and basket size, survey scores, audit answers.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from service_quality.simulator import names
from service_quality.simulator.catalog import MULTI_UNIT_FORMATS, Product
from service_quality.simulator.checklist import Checklist, Question
from service_quality.simulator.comments import make_comment
from service_quality.simulator.files import Delivery, deliver, epoch, relative_path, write_file
from service_quality.simulator.roster import Assignment, Roster, Store, sigmoid
from service_quality.simulator.scales import FORMATS, MONTH_FACTOR, PK_BRANDS, WEEKDAY_FACTOR

SURVEY_RATE = 0.035  # share of purchases that get a survey response
SURVEY_CHANNELS = (("receipt_qr", 45), ("sms", 20), ("email", 15), ("web", 10), ("kiosk", 10))
CSV_CHANNELS = frozenset({"receipt_qr", "sms"})  # the receipt-survey vendor sends CSV; the rest come as JSONL
SERVICE_VISITS_PER_DAY = 0.45
PK_VISITS_PER_DAY = 0.12
AGENCY_NAMES = dict(names.AGENCIES)


@dataclass
class World:
    """Everything a day needs; built once, shared with worker processes by fork."""

    roster: Roster
    catalog: dict[str, tuple[Product, ...]]
    checklist: Checklist
    seed: int
    landing: Path
    switch_date: date  # first day of the second checklist version
    zones: dict[str, ZoneInfo] = field(default_factory=dict)
    traffic_factor: dict[str, float] = field(default_factory=dict)
    difficulty: dict[tuple[str, str], float] = field(default_factory=dict)
    hour_profiles: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for s in self.roster.stores:
            self.zones[s.code] = ZoneInfo(s.timezone)
            self.traffic_factor[s.code] = random.Random(f"{self.seed}|traffic|{s.code}").uniform(0.7, 1.3)
        for version, questions in self.checklist.versions.items():
            for q in questions:
                self.difficulty[(version, q.code)] = random.Random(f"{self.seed}|question|{q.code}").uniform(-0.8, 0.6)
        for fmt, profile in FORMATS.items():
            self.hour_profiles[fmt] = _hour_profile(fmt, profile.open_hour, profile.close_hour)

    def version_on(self, day: date) -> str:
        names_ = self.checklist.version_names
        return names_[0] if day < self.switch_date else names_[-1]


@dataclass
class Visit:
    """A mystery-shopping visit as the agency reports it, plus what the parent needs to batch it."""

    agency: str
    local_date: date
    row: list[str]
    answers: list[list[str]]
    resolution_date: date | None = None
    resolution_status: str = ""


@dataclass
class DayResult:
    day: date
    deliveries: list[Delivery]
    visits: list[Visit]
    comments: list[dict] = field(default_factory=list)  # each survey comment and its themes (truth)


def _hour_profile(fmt: str, open_hour: int, close_hour: int) -> list[tuple[int, float]]:
    """Share of the day's visitors per opening hour: a lunch peak and an evening peak."""
    if fmt == "restaurant":
        peaks = ((13.5, 1.6, 1.5), (19.5, 2.2, 1.8))
    elif fmt == "hotel":
        peaks = ((8.5, 1.2, 1.5), (19.0, 1.4, 2.5))
    else:
        peaks = ((13.0, 0.7, 2.0), (18.5, 1.0, 2.0))
    weights = []
    for h in range(open_hour, close_hour):
        w = 0.15 if fmt == "hotel" and (h < 6 or h > 22) else 1.0
        for centre, height, width in peaks:
            w += height * math.exp(-(((h + 0.5 - centre) / width) ** 2))
        weights.append((h, w))
    total = sum(w for _, w in weights)
    return [(h, w / total) for h, w in weights]


def offset_text(zone: ZoneInfo, day: date) -> str:
    """``+03:00`` for the zone's UTC offset at noon of ``day``."""
    minutes = int(zone.utcoffset(datetime(day.year, day.month, day.day, 12)).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_timestamp(zone: ZoneInfo, moment: datetime) -> str:
    """A local wall-clock time with the zone's offset on that date."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}{offset_text(zone, moment.date())}"


def money(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    kopecks = abs(kopecks)
    return f"{sign}{kopecks // 100}.{kopecks % 100:02d}"


def hours_text(hours: float) -> str:
    return f"{hours:.2f}"


def poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _noisy_count(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean < 12:
        return poisson(rng, mean)
    return max(0, int(round(mean + math.sqrt(mean) * rng.gauss(0.0, 1.0))))


class _DayFiles:
    """Decides how the day's files arrive: on time, late, twice, or followed by a correction."""

    def __init__(self, world: World, day: date) -> None:
        self.world = world
        self.day = day
        self.rng = random.Random(f"{world.seed}|delivery|{day.isoformat()}")
        self.deliveries: list[Delivery] = []

    def arrival(self, days_after: int, hour_from: float, hour_to: float) -> tuple[int, bool]:
        late = self.rng.random() < 0.03
        extra = self.rng.randint(2, 7) if late else 0
        hours = self.rng.uniform(hour_from, hour_to)
        return epoch(self.day + timedelta(days=days_after + extra), hours), late

    def send(
        self,
        source: str,
        filename: str,
        rows: list[list[str]],
        at: tuple[int, bool],
        fmt: str = "csv",
    ) -> Delivery | None:
        if not rows:
            return None  # nothing happened: no file (a header-only file would be a defect)
        arrived, late = at
        record, data = deliver(
            self.world.landing,
            source,
            filename,
            rows,
            arrived,
            "late" if late else "regular",
            self.day.isoformat(),
            fmt,
        )
        self.deliveries.append(record)
        if self.rng.random() < 0.01:  # the same bytes sent again under another name
            again = arrived + self.rng.randint(1, 3) * 86400 + self.rng.randint(0, 3600)
            stem, dot, ext = filename.partition(".")
            rel = relative_path(source, again, f"{stem}_resent{dot}{ext}")
            write_file(self.world.landing, rel, data, again)
            self.deliveries.append(
                Delivery(
                    source, rel, again, "duplicate", record.business_date, record.rows, fmt, duplicate_of=record.file
                )
            )
        return record

    def correct(self, source: str, original: Delivery | None, filename: str, rows: list[list[str]]) -> None:
        if original is None or not rows:
            return
        arrived = original.arrived_at + self.rng.randint(1, 5) * 86400 + self.rng.randint(0, 7200)
        record, _ = deliver(
            self.world.landing, source, filename, rows, arrived, "correction", self.day.isoformat(), original.format
        )
        record.corrects = original.file
        self.deliveries.append(record)


def _pick_weighted(rng: random.Random, items: list, cumulative: list[float]):
    return items[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _survey(
    world: World,
    rng: random.Random,
    store: Store,
    seller: Assignment | None,
    visited: datetime,
    visited_text: str,
    transaction_id: str,
) -> tuple[str, list[str], tuple[tuple[str, str], ...]]:
    """One customer's feedback about a purchase; the seller's skill drives the scores.

    Returns the vendor channel, the row, and the theme mentions written into its comment (the truth).
    """
    channel = rng.choices([c for c, _ in SURVEY_CHANNELS], [w for _, w in SURVEY_CHANNELS])[0]
    linked = channel in CSV_CHANNELS or rng.random() < 0.6
    employee_code = seller.employee.code if (seller and linked) else ""
    skill = (seller.employee.skill if seller else 0.0) + store.effect
    q = 0.55 * skill + rng.gauss(0.0, 1.0)
    has_nps = rng.random() < 0.9
    has_csat = (not has_nps) or rng.random() < 0.82
    nps = str(min(10, max(0, round(8.0 + 1.7 * q)))) if has_nps else ""
    csat = str(min(5, max(1, round(4.0 + 0.9 * q)))) if has_csat else ""
    ces = str(min(7, max(1, round(5.3 + 1.1 * q)))) if rng.random() < 0.6 else ""
    comment, language, mentions = "", "", ()
    if rng.random() < 0.3:
        # The draws that once picked a canned comment: kept, so every other value of a seed stays as it was.
        english = rng.random() < 0.08
        rng.randrange(4 if english else 6 if q > 0.6 else 5 if q < -0.6 else 4)
        written = make_comment(
            random.Random(f"{world.seed}|comment|{transaction_id}"), store.format, int(nps) if nps else None
        )
        comment, language, mentions = written.text, written.language, written.mentions
    email = f"client{rng.randrange(10**7):07d}@example.ru" if rng.random() < 0.5 else ""
    phone = f"+7 9{rng.randrange(100):02d} {rng.randrange(1000):03d}-{rng.randrange(100):02d}-{rng.randrange(100):02d}"
    phone = phone if rng.random() < 0.4 else ""
    submitted = visited + timedelta(minutes=min(2880, 2 + rng.expovariate(1 / 300)))
    zone = world.zones[store.code]
    row = [
        "",  # response_id, numbered per vendor file by the caller
        visited_text,
        local_timestamp(zone, submitted),
        store.code,
        employee_code,
        transaction_id if linked else "",
        channel,
        nps,
        csat,
        ces,
        comment,
        language,
        email,
        phone,
    ]
    return channel, row, mentions


def _answer(world: World, rng: random.Random, q: Question, skill: float, scenario: str) -> tuple[str, str]:
    if scenario == "service" and q.section == "product_knowledge" and rng.random() < 0.5:
        return "na", ""
    if not q.is_critical and rng.random() < 0.03:
        return "na", ""
    difficulty = world.difficulty[(q.version, q.code)]
    if q.answer_type == "yes_no":
        if q.is_critical:
            yes = rng.random() >= sigmoid(-5.2 - 0.9 * skill)
        else:
            yes = rng.random() < sigmoid(1.1 + 0.85 * skill + difficulty)
        if yes:
            return "yes", ""
        comment = ""
        if rng.random() < 0.45:
            comment = rng.choice(names.AUDIT_COMMENTS_NO_EN if rng.random() < 0.1 else names.AUDIT_COMMENTS_NO_RU)
        return "no", comment
    value = min(5, max(0, round(3.0 + 0.85 * skill + 0.5 * difficulty + rng.gauss(0.0, 1.0))))
    comment = rng.choice(names.AUDIT_COMMENTS_SCALE_RU) if value <= 2 and rng.random() < 0.3 else ""
    return str(value), comment


def _visits(
    world: World, rng: random.Random, store: Store, day: date, on_duty: list[Assignment], offset: str
) -> list[Visit]:
    profile = FORMATS[store.format]
    facing = [a for a in on_duty if a.employee.is_customer_facing]
    if not facing:
        return []
    weights = [0.3 if a.role == "store_manager" else 1.0 for a in facing]
    plan = ["service"] * poisson(rng, SERVICE_VISITS_PER_DAY)
    if profile.brand_audits:
        plan += ["product_knowledge"] * poisson(rng, PK_VISITS_PER_DAY)
    version = world.version_on(day)
    questions = world.checklist.versions[version]
    ymd = day.strftime("%Y%m%d")
    agency_name = AGENCY_NAMES[store.agency]
    visits = []
    for k, scenario in enumerate(plan, start=1):
        served = rng.choices(facing, weights)[0]
        employee = served.employee
        brand, brand_index = "", -1
        if scenario == "product_knowledge":
            brand_index = rng.choices(range(len(PK_BRANDS)), [w for _, w in PK_BRANDS])[0]
            brand = PK_BRANDS[brand_index][0]
        hour = rng.randrange(max(profile.open_hour, 9), min(profile.close_hour, 21))
        visited_at = f"{day.isoformat()}T{hour:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}{offset}"
        u = rng.random()
        status = "disputed" if u < 0.035 else "rejected" if u < 0.05 else "validated"
        code = employee.code if rng.random() < 0.55 else ""
        badge = ""
        if rng.random() < 0.92:
            v = rng.random()
            badge = employee.badge_name
            badge = badge if v < 0.8 else badge.upper() if v < 0.87 else badge.lower() if v < 0.93 else f" {badge}  "
        visit_id = f"V-{store.code}-{ymd}-{k}"
        row = [
            visit_id,
            agency_name,
            f"SH-{rng.randrange(1, 400):04d}",
            visited_at,
            store.code,
            code,
            badge,
            scenario,
            brand,
            version,
            status,
        ]
        base = employee.skill + 0.5 * store.effect
        answers = []
        for q in questions:
            skill = base + (
                employee.brand_skill[brand_index] if brand_index >= 0 and q.section == "product_knowledge" else 0
            )
            answer, comment = _answer(world, rng, q, skill, scenario)
            answers.append([visit_id, q.code, answer, comment])
        visit = Visit(store.agency, day, row, answers)
        if status == "disputed":
            visit.resolution_date = day + timedelta(days=rng.randint(7, 21))
            visit.resolution_status = "validated" if rng.random() < 0.7 else "rejected"
        visits.append(visit)
    return visits


def simulate_day(world: World, day: date) -> DayResult:
    """Generate and write every daily delivery about local date ``day``."""
    rng = random.Random(f"{world.seed}|day|{day.isoformat()}")
    files = _DayFiles(world, day)
    iso, ymd = day.isoformat(), day.strftime("%Y%m%d")
    ordinal, weekday = day.toordinal(), day.weekday()
    season = MONTH_FACTOR[day.month - 1] * WEEKDAY_FACTOR[weekday]
    trading = [s for s in world.roster.stores if s.is_trading(day)]

    fix_sales = files.rng.random() < 0.02
    fix_shifts = files.rng.random() < 0.04
    outage_store = files.rng.choice(trading).code if trading and files.rng.random() < 0.03 else ""
    outage_from = files.rng.randint(10, 15)
    outage_hours = range(outage_from, outage_from + files.rng.randint(3, 5))

    shifts: list[list[str]] = []
    traffic: list[list[str]] = []
    traffic_fix: list[list[str]] = []
    sales: list[list[str]] = []
    sales_fix: list[list[str]] = []
    surveys: dict[str, list[list[str]]] = {"csv": [], "jsonl": []}
    comment_truth: list[tuple[list[str], tuple[tuple[str, str], ...]]] = []
    visits: list[Visit] = []

    for store in trading:
        profile = FORMATS[store.format]
        zone = world.zones[store.code]
        offset = offset_text(zone, day)
        on_duty: list[Assignment] = []
        for a in world.roster.by_store[store.code]:
            if not a.covers(day):
                continue
            if a.role == "store_manager":
                works = weekday < 5 and rng.random() < 0.95
                hours = 9.0
            else:
                works = (ordinal + a.phase) % 4 < 2 and rng.random() < 0.95
                hours = 11.0 if a.fte >= 1 else 8.0 if a.fte >= 0.75 else 5.5
            if works:
                hours += rng.choice((-0.5, -0.25, 0.0, 0.0, 0.25, 0.5))
                on_duty.append(a)
                shifts.append([a.employee.code, store.code, iso, hours_text(hours)])

        sellers = [a for a in on_duty if a.role in profile.seller_roles and a.employee.is_customer_facing]
        cumulative: list[float] = []
        total = 0.0
        for a in sellers:
            total += math.exp(0.5 * (a.employee.skill + store.effect)) * (a.fte if a.fte < 1 else 1.0)
            cumulative.append(total)
        mean_skill = sum(a.employee.skill for a in sellers) / len(sellers) if sellers else -1.0
        conversion = profile.conversion * min(1.5, max(0.4, 1 + 0.12 * (mean_skill + store.effect)))
        conversion = min(conversion, 0.95)
        extra_line = 1.0 - 1.0 / profile.lines_per_txn
        picks = world.catalog[store.format]
        n_picks = len(picks)
        random_ = rng.random
        multi = store.format in MULTI_UNIT_FORMATS
        returns_allowed = store.format not in ("restaurant", "hotel")
        day_visitors = profile.daily_visitors * season * world.traffic_factor[store.code]
        seq = 0
        for hour, share in world.hour_profiles[store.format]:
            visitors = _noisy_count(rng, day_visitors * share)
            if store.code == outage_store and hour in outage_hours:
                traffic.append([store.code, f"{iso}T{hour:02d}:00:00{offset}", "0"])
                traffic_fix.append([store.code, f"{iso}T{hour:02d}:00:00{offset}", str(visitors)])
            else:
                traffic.append([store.code, f"{iso}T{hour:02d}:00:00{offset}", str(visitors)])
            n_txn = min(visitors, _noisy_count(rng, visitors * conversion))
            for _ in range(n_txn):
                seq += 1
                transaction_id = f"{store.code}-{ymd}-{seq:05d}"
                minute, second = divmod(int(random_() * 3600), 60)
                sold_at = f"{iso}T{hour:02d}:{minute:02d}:{second:02d}{offset}"
                seller = _pick_weighted(rng, sellers, cumulative) if sellers and rng.random() < 0.96 else None
                seller_code = seller.employee.code if seller else ""
                is_return = returns_allowed and rng.random() < 0.008
                p_more = extra_line * (1 + 0.15 * seller.employee.skill) if seller else extra_line
                p_more = min(0.85, max(0.0, p_more))
                forgot_login = fix_sales and seller is not None and rng.random() < 0.03
                line_no = 0
                while True:
                    line_no += 1
                    product = picks[int(random_() * n_picks)]
                    if multi:
                        u = rng.random()
                        qty = 1 if u < 0.7 else 2 if u < 0.9 else rng.randint(3, 5)
                    else:
                        qty = 1
                    amount = qty * product.price_kop
                    discount = 0
                    if is_return:
                        qty, amount = -qty, -amount
                    elif rng.random() < 0.15:
                        discount = int(round(amount * rng.choice((0.05, 0.1, 0.15, 0.2))))
                    row = [
                        transaction_id,
                        str(line_no),
                        store.code,
                        seller_code,
                        sold_at,
                        product.sku,
                        product.brand,
                        product.category,
                        str(qty),
                        product.price_text,
                        money(discount) if discount else "0.00",
                        product.price_text
                        if amount == product.price_kop and not discount
                        else money(amount - discount),
                    ]
                    if forgot_login:  # the POS lost the seller; the correction file restores it
                        sales_fix.append(row)
                        row = row.copy()
                        row[3] = ""
                    sales.append(row)
                    if rng.random() >= p_more or line_no >= 12:
                        break
                if not is_return and rng.random() < SURVEY_RATE:
                    visited = datetime(day.year, day.month, day.day, hour, minute, second)
                    channel, response, mentions = _survey(world, rng, store, seller, visited, sold_at, transaction_id)
                    surveys["csv" if channel in CSV_CHANNELS else "jsonl"].append(response)
                    if response[10]:
                        comment_truth.append((response, mentions))
        visits.extend(_visits(world, rng, store, day, on_duty, offset))

    for vendor, prefix in (("csv", "QR"), ("jsonl", "FB")):
        for k, response in enumerate(surveys[vendor], start=1):
            response[0] = f"{prefix}-{ymd}-{k:06d}"
    comments = [
        {
            "response_id": response[0],
            "store_code": response[3],
            "language": response[11],
            "text": response[10],
            "mentions": [{"theme": t, "polarity": p} for t, p in mentions],
        }
        for response, mentions in comment_truth
    ]

    traffic_record = files.send("traffic", f"traffic_{ymd}.csv", traffic, files.arrival(1, 1.0, 2.0))
    original = files.send("shifts", f"shifts_{ymd}.csv", shifts, files.arrival(1, 3.0, 5.0))
    if fix_shifts and shifts:
        fixed = []
        for row in shifts:
            if files.rng.random() < 0.05:
                hours = float(row[3]) + files.rng.choice((-2.0, -1.0, -0.5, 0.5, 1.0))
                fixed.append([*row[:3], hours_text(min(24.0, max(1.0, hours)))])
        files.correct("shifts", original, f"shifts_{ymd}_correction.csv", fixed or [shifts[0]])
    original = files.send("sales", f"sales_{ymd}.csv.gz", sales, files.arrival(1, 2.0, 4.0), fmt="csv.gz")
    files.correct("sales", original, f"sales_{ymd}_correction.csv.gz", sales_fix)
    files.send("surveys", f"receipt_surveys_{ymd}.csv", surveys["csv"], files.arrival(3, 4.0, 6.0))
    files.send("surveys", f"feedback_{ymd}.jsonl", surveys["jsonl"], files.arrival(3, 4.0, 6.0), fmt="jsonl")
    files.correct("traffic", traffic_record, f"traffic_{ymd}_correction.csv", traffic_fix)
    return DayResult(day, files.deliveries, visits, comments)
