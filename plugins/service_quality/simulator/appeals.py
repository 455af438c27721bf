"""Appeals against mystery-shopping results, as the company's HR / quality system exports them, and their truth.

Staff contest about 5 % of visits, more where the visit scored low (ATTESTATION_METHOD.md §8): one answer
(``question_code``) or the whole visit, a day to a week after the visit's batch arrived; about a third are
overturned, most of the rest upheld, some stay open (a few past the 14-day deadline), some are decided late and
a few of each quarter's decisions come weeks after the quarter closed (after it was published). Besides,
the shapes §8 must refuse, each with the reason it must get: appeals on visits nobody delivered
(``unknown_visit``), on a visit that ended ``rejected`` (``visit_not_validated``), on a question of the other
checklist version (``unknown_question``), an overturned answer corrected with a value of the wrong type or a
``wrong_employee`` appeal on one answer (``invalid_correction``), filed more than 7 days after the visit
arrived (``late``), filed by someone who neither served nor manages the store (``not_entitled``), and the same
answer or visit contested twice (``duplicate``). ``wrong_employee`` appeals name the employee who really served
(sometimes a code HR mistyped: re-attributed to nobody).

The export: every Monday morning (UTC), until the other sources' last delivery, the system writes every appeal filed or decided in the 28 days before
(a rolling window, so an appeal appears in several files and its decision in a later one: a second version; an
export whose rows did not change is the same bytes as the last, a duplicate the ingestion loads once),
``appeals/YYYY/MM/DD/appeals_<ISO week>.csv``; from the second checklist version's start it exports JSON Lines
(``.jsonl``). A week without anything in the window has no file.

The truth is computed from what was written, by §8's rules (:func:`evaluate`), not copied from what the
generator meant (``intended``): a test compares the two. Appeals are only made on visits whose every row loads
unchanged (no injected case touches the visit's files or rows), so a visit's first arrival, its latest status and
its attribution are exactly what the simulator wrote.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from service_quality.simulator.files import Delivery, deliver, epoch

if TYPE_CHECKING:  # pragma: no cover
    from service_quality.simulator.facts import Visit, World

#: §8: an appeal filed more than this after the visit's first arrival is late (``appeal_window_days``).
APPEAL_WINDOW = timedelta(days=7)
#: §8: a decision is due within this of filing (``appeal_decision_days``).
DECISION_DUE = timedelta(days=14)
#: the export holds every appeal filed or decided within this before it is cut
EXPORT_WINDOW = timedelta(days=28)
#: a mistyped corrected employee code (not in any roster): the visit is re-attributed to nobody
UNKNOWN_EMPLOYEE_CODE = "E-UNKNOWN-404"
REVIEWERS = ("QA-01", "QA-02", "QA-03", "HR-11")

# Reasons (§8), in the order they are checked; None = admissible.
UNKNOWN_VISIT = "unknown_visit"
VISIT_NOT_VALIDATED = "visit_not_validated"
UNKNOWN_QUESTION = "unknown_question"
INVALID_CORRECTION = "invalid_correction"
LATE = "late"
NOT_ENTITLED = "not_entitled"
DUPLICATE = "duplicate"
REASONS = (UNKNOWN_VISIT, VISIT_NOT_VALIDATED, UNKNOWN_QUESTION, INVALID_CORRECTION, LATE, NOT_ENTITLED, DUPLICATE)
#: what an admissible decision does to the visit
EFFECTS = ("none", "corrected_answer", "reattributed", "rejected")

REASON_TEXTS: dict[str, tuple[str, ...]] = {
    "wrong_answer": (
        "Я поприветствовал покупателя, это видно на записи камеры",
        "Консультант предложил доп. товар, тайный покупатель не услышал",
        "Оплата была проведена корректно, чек выдан",
        "Покупатель сам отказался от консультации",
        "Answer is wrong: the offer was made, see the CCTV",
    ),
    "wrong_employee": (
        "В это время я был на обеде, обслуживал другой сотрудник",
        "На бейдже было чужое имя, обслуживал коллега",
        "I was not on shift that day",
    ),
    "shopper_error": (
        "Покупатель посетил другой магазин сети",
        "Проверка проведена вне часов работы отдела",
        "Сценарий проверки не соответствует формату магазина",
    ),
    "technical": (
        "Сбой кассы, оплату провести было невозможно",
        "Не работал терминал, визит нужно аннулировать",
    ),
    "other": ("Прошу пересмотреть результат проверки", "Не согласен с оценкой визита"),
}


@dataclass
class VisitFacts:
    """What §8 needs of an appealed visit, as the warehouse will hold it."""

    visit_id: str
    store_code: str
    local_date: date
    employee_code: str
    badge: str
    version: str
    final_status: str
    answers: dict[str, str]
    score: float
    arrived_at: int = 0  # the first delivery that loads it (its batch file)
    files: list[tuple[str, int | None]] = field(default_factory=list)  # (file, row) it occupies; None = many


@dataclass
class Appeal:
    appeal_id: str
    visit: VisitFacts | None  # None: an id nobody delivered
    visit_id: str
    question_code: str
    filed_at: datetime  # UTC
    filed_by: str
    category: str
    reason: str
    intended: str | None  # the reason the generator meant (None: admissible)
    decision: str = ""
    decided_at: datetime | None = None
    decided_by: str = ""
    corrected_answer: str = ""
    corrected_employee_code: str = ""
    late_decision: bool = False  # decided weeks after the visit's quarter closed
    zone: str = "UTC"

    def row(self, as_of: datetime) -> list[str]:
        """The export's row as of ``as_of``: the decision only once it was taken."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.zone)
        decided = self.decided_at is not None and self.decided_at < as_of
        return [
            self.appeal_id,
            self.visit_id,
            self.question_code,
            self.filed_at.astimezone(zone).isoformat(timespec="seconds"),
            self.filed_by,
            self.category,
            self.reason,
            self.decision if decided else "",
            self.corrected_answer if decided else "",
            self.corrected_employee_code,
            self.decided_at.astimezone(zone).isoformat(timespec="seconds") if decided else "",
            self.decided_by if decided else "",
        ]


def visit_score(answers: Iterable[str]) -> float:
    """Share of the possible answer value a visit got (yes = 1, no = 0, a scale answer / 5; na left out)."""
    values = [1.0 if a == "yes" else 0.0 if a == "no" else int(a) / 5 for a in answers if a != "na"]
    return sum(values) / len(values) if values else 1.0


def appeal_probability(score: float) -> float:
    """About 5 % of visits at the chain's usual scores, rising steeply where a visit scored low."""
    return min(0.5, 0.005 + 0.6 * (1.0 - score) ** 2)


class AppealPlanner:
    """Watches the audit batches as they are written and keeps the visits that will be appealed (a few per cent:
    memory stays small at any scale), with the file, row and arrival of each of their versions."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.visits: dict[str, VisitFacts] = {}

    def observe(self, visit: Visit, file: str, row: int, arrived_at: int) -> None:
        visit_id = visit.row[0]
        final = visit.resolution_status or visit.row[-1]
        answers = {a[1]: a[2] for a in visit.answers}
        score = visit_score(answers.values())
        rng = random.Random(f"{self.world.seed}|appeal|{visit_id}")
        if final == "validated":
            keep = rng.random() < appeal_probability(score)
        else:
            keep = final == "rejected" and rng.random() < 0.08
        if not keep:
            return
        facts = VisitFacts(
            visit_id,
            visit.row[4],
            visit.local_date,
            visit.row[5],
            visit.row[6],
            visit.row[9],
            final,
            answers,
            score,
            arrived_at,
            [(file, row)],
        )
        self.visits[visit_id] = facts

    def observe_answers(self, visit_id: str, file: str) -> None:
        if visit_id in self.visits:
            self.visits[visit_id].files.append((file, None))

    def observe_resolution(self, visit_id: str, file: str, row: int) -> None:
        if visit_id in self.visits:
            self.visits[visit_id].files.append((file, row))


# ---- the roster questions §8 asks ---------------------------------------------------------------------------


def _steady(assignment, day: date, margin: int = 3) -> bool:
    """Assigned on ``day`` and for a few days around it (so monthly roster snapshots cannot disagree)."""
    return all(assignment.covers(day + timedelta(days=d)) for d in (-margin, 0, margin))


def managers_on(world: World, store_code: str, day: date) -> list[str]:
    return sorted(
        a.employee.code
        for a in world.roster.by_store.get(store_code, [])
        if a.role == "store_manager" and a.covers(day)
    )


def attributed(world: World, facts: VisitFacts) -> str | None:
    """§2: the visit's employee_code; else the one employee assigned that day whose badge name matches."""
    if facts.employee_code:
        return facts.employee_code
    badge = facts.badge.strip().casefold()
    if not badge:
        return None
    found = {
        a.employee.code
        for a in world.roster.by_store.get(facts.store_code, [])
        if a.covers(facts.local_date) and a.employee.badge_name.strip().casefold() == badge
    }
    return found.pop() if len(found) == 1 else None


def _known_employees(world: World) -> set[str]:
    return {e.code for e in world.roster.employees}


def fits(answer: str, answer_type: str) -> bool:
    return answer in (("yes", "no", "na") if answer_type == "yes_no" else ("0", "1", "2", "3", "4", "5", "na"))


# ---- generation ---------------------------------------------------------------------------------------------

#: Forced once each (spread over the period) so that even a short simulation holds every shape.
FORCED = (
    LATE,
    NOT_ENTITLED,
    DUPLICATE,
    INVALID_CORRECTION,
    UNKNOWN_QUESTION,
    "wrong_employee_overturned",
    "late_decision",
    "open",
)


def _quarter_end(day: date) -> date:
    """The first day after the quarter of ``day``."""
    q = (day.month - 1) // 3
    return date(day.year + 1, 1, 1) if q == 3 else date(day.year, 3 * q + 4, 1)


def _moment(day: date, hours: float) -> datetime:
    return datetime.fromtimestamp(epoch(day, hours), UTC)


def _whole(moment: datetime) -> datetime:
    """Exports carry whole seconds: so does the truth, so §8's comparisons see the same instants."""
    return moment.replace(microsecond=0)


class _Generator:
    def __init__(self, world: World, planner: AppealPlanner) -> None:
        self.world = world
        self.planner = planner
        self.known = _known_employees(world)
        self.appeals: list[Appeal] = []

    def question_type(self, version: str, code: str) -> str | None:
        for q in self.world.checklist.versions.get(version, ()):
            if q.code == code:
                return q.answer_type
        return None

    def other_version_question(self, version: str) -> str:
        own = {q.code for q in self.world.checklist.versions[version]}
        others = sorted({q.code for v, qs in self.world.checklist.versions.items() for q in qs} - own)
        return others[0] if others else "X99"

    def entitled_filer(self, facts: VisitFacts, filed: datetime, rng: random.Random) -> str | None:
        day = filed.astimezone(self.world.zones[facts.store_code]).date()
        steady_managers = sorted(
            a.employee.code
            for a in self.world.roster.by_store.get(facts.store_code, [])
            if a.role == "store_manager" and _steady(a, day) and a.employee.code != facts.employee_code
        )
        served = facts.employee_code if facts.employee_code in self.known else ""
        if served and (not steady_managers or rng.random() < 0.7):
            return served
        return rng.choice(steady_managers) if steady_managers else None

    def outsider(self, facts: VisitFacts, filed: datetime, rng: random.Random) -> str | None:
        """An employee who never worked at the visit's store and is employed when filing."""
        day = filed.date()
        here = {a.employee.code for a in self.world.roster.by_store.get(facts.store_code, [])}
        pool = [
            e.code
            for e in self.world.roster.employees
            if e.code not in here and e.employed(day - timedelta(days=3)) and e.employed(day + timedelta(days=3))
        ]
        return rng.choice(pool) if pool else None

    def target(self, facts: VisitFacts, rng: random.Random) -> str:
        """The answer a member of staff contests: a low one."""
        answered = [(q, a) for q, a in sorted(facts.answers.items()) if a != "na"]
        low = [q for q, a in answered if a == "no" or (a.isdigit() and int(a) <= 2)]
        return rng.choice(low or [q for q, _ in answered] or sorted(facts.answers))

    def corrected(self, facts: VisitFacts, question: str) -> str:
        old = facts.answers.get(question, "na")
        if self.question_type(facts.version, question) == "yes_no":
            return "yes"
        return str(min(5, int(old) + 2)) if old.isdigit() else "4"

    def other_employee(self, facts: VisitFacts, rng: random.Random) -> str:
        colleagues = sorted(
            a.employee.code
            for a in self.world.roster.by_store.get(facts.store_code, [])
            if _steady(a, facts.local_date) and a.employee.code != facts.employee_code
        )
        if not colleagues or rng.random() < 0.12:
            return UNKNOWN_EMPLOYEE_CODE
        return rng.choice(colleagues)

    def decide(self, appeal: Appeal, facts: VisitFacts | None, rng: random.Random, shape: str) -> None:
        u = rng.random()
        if shape == "open" or (shape not in ("wrong_employee_overturned", "late_decision") and u < 0.12):
            return
        overturn = shape == "wrong_employee_overturned" or (shape != "late_decision" and rng.random() < 0.38)
        if shape == "late_decision":
            overturn = rng.random() < 0.5
        appeal.decision = "overturned" if overturn else "upheld"
        appeal.decided_by = rng.choice(REVIEWERS)
        if shape == "late_decision" and facts is not None:
            closes = _quarter_end(facts.local_date)
            appeal.decided_at = _whole(
                max(_moment(closes, 0) + timedelta(days=rng.uniform(35, 45)), appeal.filed_at + timedelta(days=1))
            )
            appeal.late_decision = True
        elif rng.random() < 0.1:
            appeal.decided_at = _whole(appeal.filed_at + timedelta(days=rng.uniform(15, 25)))  # decided late
        else:
            appeal.decided_at = _whole(appeal.filed_at + timedelta(days=rng.uniform(0.3, 12)))
        if overturn and appeal.question_code and not appeal.corrected_answer and facts is not None:
            appeal.corrected_answer = self.corrected(facts, appeal.question_code)

    def make(self, facts: VisitFacts, shape: str, n: int) -> list[Appeal]:
        """The appeals of one visit for ``shape`` (``admissible``, a reason of §8, or a forced decision shape)."""
        rng = random.Random(f"{self.world.seed}|appeal-shape|{facts.visit_id}")
        arrived = datetime.fromtimestamp(facts.arrived_at, UTC)
        if shape == LATE:
            filed = _whole(arrived + timedelta(days=rng.uniform(8.5, 20)))
        else:
            filed = _whole(arrived + timedelta(days=rng.uniform(0.3, 6.0)))
        filer = self.outsider(facts, filed, rng) if shape == NOT_ENTITLED else self.entitled_filer(facts, filed, rng)
        if filer is None:
            return []
        whole = shape == "wrong_employee_overturned" or (
            shape not in (UNKNOWN_QUESTION, INVALID_CORRECTION) and rng.random() < 0.4
        )
        if whole:
            question = ""
            category = (
                "wrong_employee"
                if shape == "wrong_employee_overturned"
                else rng.choice(("wrong_employee", "shopper_error", "shopper_error", "technical", "other"))
            )
        else:
            question = (
                self.other_version_question(facts.version) if shape == UNKNOWN_QUESTION else self.target(facts, rng)
            )
            category = rng.choice(("wrong_answer", "wrong_answer", "wrong_answer", "shopper_error", "other"))
        appeal = Appeal(
            f"AP-{facts.visit_id[2:]}-{n}",
            facts,
            facts.visit_id,
            question,
            filed,
            filer,
            category,
            rng.choice(REASON_TEXTS[category]),
            None if shape in ("admissible", "wrong_employee_overturned", "late_decision", "open") else shape,
            zone=self.world.roster.store(facts.store_code).timezone,
        )
        if category == "wrong_employee":
            appeal.corrected_employee_code = self.other_employee(facts, rng)
        if shape == INVALID_CORRECTION:
            if rng.random() < 0.5 and self.question_type(facts.version, question) == "yes_no":
                appeal.decision, appeal.corrected_answer = "overturned", "4"  # a scale value for a yes/no question
                appeal.decided_by = rng.choice(REVIEWERS)
                appeal.decided_at = _whole(filed + timedelta(days=rng.uniform(1, 10)))
            else:
                appeal.category, appeal.reason = "wrong_employee", rng.choice(REASON_TEXTS["wrong_employee"])
                appeal.corrected_employee_code = self.other_employee(facts, rng)
                self.decide(appeal, facts, rng, "admissible")
        else:
            self.decide(appeal, facts, rng, shape)
        appeals = [appeal]
        if shape == DUPLICATE:
            again = Appeal(
                f"AP-{facts.visit_id[2:]}-{n + 1}",
                facts,
                facts.visit_id,
                question,
                _whole(filed + timedelta(days=rng.uniform(0.2, 0.9))),
                filer,
                category,
                "Повторно: " + appeal.reason,
                DUPLICATE,
                corrected_employee_code=appeal.corrected_employee_code,
                zone=appeal.zone,
            )
            self.decide(again, facts, rng, "admissible")
            appeal.intended = None
            appeals.append(again)
        return appeals

    def unknown_visit(self, facts: VisitFacts, rng: random.Random) -> Appeal:
        """An appeal on a visit id nobody delivered (a typo in the HR system: visit number 0 never exists)."""
        visit_id = facts.visit_id.rsplit("-", 1)[0] + "-0"
        filed = _whole(datetime.fromtimestamp(facts.arrived_at, UTC) + timedelta(days=rng.uniform(1, 5)))
        appeal = Appeal(
            f"AP-{visit_id[2:]}-1",
            None,
            visit_id,
            "",
            filed,
            facts.employee_code or "E-0001",
            "other",
            rng.choice(REASON_TEXTS["other"]),
            UNKNOWN_VISIT,
            zone=self.world.roster.store(facts.store_code).timezone,
        )
        self.decide(appeal, None, rng, "admissible")
        if appeal.decision == "overturned":
            appeal.decision = "upheld"
        return appeal

    def run(self, excluded: set[str]) -> list[Appeal]:
        usable = sorted(
            (f for f in self.planner.visits.values() if f.visit_id not in excluded),
            key=lambda f: (f.arrived_at, f.visit_id),
        )
        validated = [f for f in usable if f.final_status == "validated"]
        rejected = [f for f in usable if f.final_status == "rejected"]
        forced = {}
        if validated:
            step = max(1, len(validated) // (len(FORCED) + 1))
            for k, shape in enumerate(FORCED):
                forced[validated[min(len(validated) - 1, (k + 1) * step - 1)].visit_id] = shape
        appeals: list[Appeal] = []
        for facts in validated:
            rng = random.Random(f"{self.world.seed}|appeal-kind|{facts.visit_id}")
            u = rng.random()
            shape = forced.get(facts.visit_id) or (
                LATE
                if u < 0.06
                else NOT_ENTITLED
                if u < 0.11
                else DUPLICATE
                if u < 0.15
                else INVALID_CORRECTION
                if u < 0.17
                else UNKNOWN_QUESTION
                if u < 0.19
                else "late_decision"
                if u < 0.22
                else "admissible"
            )
            made = self.make(facts, shape, 1)
            if not made and shape != "admissible":
                made = self.make(facts, "admissible", 1)
            appeals.extend(made)
            if rng.random() < 0.03:
                appeals.append(self.unknown_visit(facts, rng))
                if any(a.appeal_id == appeals[-1].appeal_id for a in appeals[:-1]):
                    appeals.pop()  # two visits of one store and day: one typo is enough
        for facts in rejected:
            made = self.make(facts, "admissible", 1)
            for a in made:
                a.intended = VISIT_NOT_VALIDATED
            appeals.extend(made)
        if validated and not any(a.intended == UNKNOWN_VISIT for a in appeals):
            appeals.append(self.unknown_visit(validated[0], random.Random(f"{self.world.seed}|appeal-unknown")))
        appeals.sort(key=lambda a: (a.filed_at, a.appeal_id))
        return appeals


def generate(world: World, planner: AppealPlanner, excluded: set[str]) -> list[Appeal]:
    """The appeals of the simulated period; ``excluded``: visits that an injected case touches."""
    return _Generator(world, planner).run(excluded)


# ---- the export files ---------------------------------------------------------------------------------------


def write_exports(
    world: World, appeals: list[Appeal], horizon: int
) -> tuple[list[Delivery], dict[str, tuple[str, int]]]:
    """The weekly exports that arrive by ``horizon`` (the last arrival of the other sources: the landing zone ends
    for every source at once); returns the deliveries and, per appeal with a decision, the first file that shows
    it and that file's arrival. What happens after the last export's cut is never delivered, so it is taken out
    of ``appeals`` (in place): appeals filed later are dropped, decisions taken later are undone (the appeal is
    open as far as the warehouse can know)."""
    if not appeals:
        return [], {}
    events = [a.filed_at for a in appeals] + [a.decided_at for a in appeals if a.decided_at is not None]
    first = min(events).date()
    monday = first - timedelta(days=first.weekday()) + timedelta(days=7)
    last = max(events)
    deliveries: list[Delivery] = []
    decision_file: dict[str, tuple[str, int]] = {}
    first_with: dict[str, str] = {}  # sha256 -> the first export with these bytes
    last_cut = None
    while True:
        cut = _moment(monday, 0)
        rng = random.Random(f"{world.seed}|appeals-export|{monday.isoformat()}")
        arrived = epoch(monday, rng.uniform(6.0, 9.0))
        if cut - EXPORT_WINDOW > last or arrived > horizon:
            break
        last_cut = cut
        since = cut - EXPORT_WINDOW
        rows, shown = [], []
        for a in appeals:
            filed_in = since <= a.filed_at < cut
            decided_in = a.decided_at is not None and since <= a.decided_at < cut
            if filed_in or decided_in:
                rows.append(a.row(cut))
                shown.append(a)
        if rows:
            year, week, _ = (monday - timedelta(days=7)).isocalendar()
            label = f"{year}W{week:02d}"
            fmt = "jsonl" if monday >= world.switch_date else "csv"
            record, data = deliver(
                world.landing, "appeals", f"appeals_{label}.{fmt}", rows, arrived, "regular", label, fmt=fmt
            )
            # a quiet month exports the same rows again: the same bytes, which the ingestion sees as a duplicate
            first = first_with.setdefault(hashlib.sha256(data).hexdigest(), record.file)
            if first != record.file:
                record.kind, record.duplicate_of = "duplicate", first
            deliveries.append(record)
            for a in shown:
                if a.decided_at is not None and a.decided_at < cut and a.appeal_id not in decision_file:
                    decision_file[a.appeal_id] = (record.file, arrived)
        monday += timedelta(days=7)
    kept = [a for a in appeals if last_cut is not None and a.filed_at < last_cut]
    for a in kept:
        if a.decided_at is not None and a.decided_at >= last_cut:
            a.decision, a.decided_at, a.decided_by, a.corrected_answer = "", None, "", ""
            a.late_decision = False
            if a.intended == INVALID_CORRECTION and a.category != "wrong_employee":
                a.intended = None  # its wrong correction was never delivered
    appeals[:] = kept
    return deliveries, decision_file


# ---- the truth (§8) -----------------------------------------------------------------------------------------


def evaluate(world: World, appeals: list[Appeal], latest_arrival: int) -> list[dict]:
    """Each appeal's admissibility, reason, outcome and effect by §8, from the data as written."""
    from zoneinfo import ZoneInfo

    known = _known_employees(world)
    passed: dict[tuple[str, str], list[Appeal]] = {}
    reasons: dict[str, str | None] = {}
    for a in appeals:
        facts = a.visit
        reason = None
        if facts is None:
            reason = UNKNOWN_VISIT
        elif facts.final_status != "validated":
            reason = VISIT_NOT_VALIDATED
        else:
            answer_type = None
            if a.question_code:
                answer_type = next(
                    (q.answer_type for q in world.checklist.versions[facts.version] if q.code == a.question_code),
                    None,
                )
            day = a.filed_at.astimezone(ZoneInfo(a.zone)).date()
            if a.question_code and answer_type is None:
                reason = UNKNOWN_QUESTION
            elif a.question_code and (
                a.category == "wrong_employee"
                or (a.decision == "overturned" and not fits(a.corrected_answer, answer_type or ""))
            ):
                reason = INVALID_CORRECTION
            elif a.filed_at > datetime.fromtimestamp(facts.arrived_at, UTC) + APPEAL_WINDOW:
                reason = LATE
            elif a.filed_by != attributed(world, facts) and a.filed_by not in managers_on(world, facts.store_code, day):
                reason = NOT_ENTITLED
        if reason is None:
            passed.setdefault((a.visit_id, a.question_code), []).append(a)
        reasons[a.appeal_id] = reason
    for group in passed.values():
        group.sort(key=lambda a: (a.filed_at, a.appeal_id))
        for later in group[1:]:
            reasons[later.appeal_id] = DUPLICATE
    latest = datetime.fromtimestamp(latest_arrival, UTC)
    out = []
    for a in appeals:
        reason = reasons[a.appeal_id]
        outcome = a.decision or "open"
        effect = "none"
        reattributed_to = None
        if reason is None and outcome == "overturned":
            if a.question_code:
                effect = "corrected_answer"
            elif a.category == "wrong_employee":
                effect = "reattributed"
                reattributed_to = a.corrected_employee_code if a.corrected_employee_code in known else None
            else:
                effect = "rejected"
        out.append(
            {
                "appeal_id": a.appeal_id,
                "visit_id": a.visit_id,
                "question_code": a.question_code or None,
                "category": a.category,
                "filed_by": a.filed_by,
                "filed_at": a.filed_at.isoformat(),
                "visit_first_arrival": (
                    datetime.fromtimestamp(a.visit.arrived_at, UTC).isoformat() if a.visit is not None else None
                ),
                "admissible": reason is None,
                "reason": reason,
                "intended_reason": a.intended,
                "outcome": outcome,
                "effect": effect,
                "corrected_answer": a.corrected_answer or None,
                "reattributed_to": reattributed_to,
                "decided_at": a.decided_at.isoformat() if a.decided_at is not None else None,
                "decided_late": (a.decided_at - a.filed_at > DECISION_DUE) if a.decided_at is not None else None,
                # A decision is owed on admissible appeals only (§8), so only they can be past due.
                "open_past_due": reason is None and a.decided_at is None and latest - a.filed_at > DECISION_DUE,
                "quarter": (
                    f"{a.visit.local_date.year}-Q{(a.visit.local_date.month - 1) // 3 + 1}"
                    if a.visit is not None
                    else None
                ),
            }
        )
    return out


#: A quarter's attestation is published within four weeks of its end (the last audit batches have arrived by
#: then); a decision whose first export arrives later changes a published quarter (late data, §7).
PUBLISHED_WITHIN = timedelta(days=28)


def truth(
    world: World, appeals: list[Appeal], decision_files: dict[str, tuple[str, int]], deliveries: list[Delivery]
) -> list[dict]:
    """``truth/appeals.jsonl``: §8's verdict on each appeal, where its decision arrives and whether that is after
    its visit's quarter was published. ``open_past_due`` counts from the latest arrival of any delivery."""
    latest_arrival = max((d.arrived_at for d in deliveries), default=0)
    records = evaluate(world, appeals, latest_arrival)
    for record, appeal in zip(records, appeals, strict=True):
        file, arrived = decision_files.get(appeal.appeal_id, (None, None))
        record["decision_file"] = file
        record["decision_arrives_at"] = datetime.fromtimestamp(arrived, UTC).isoformat() if arrived else None
        after = None
        if arrived is not None and appeal.visit is not None:
            published = _moment(_quarter_end(appeal.visit.local_date), 0) + PUBLISHED_WITHIN
            after = datetime.fromtimestamp(arrived, UTC) > published
        record["decision_after_quarter_close"] = after
    return records


def summary(records: list[dict], deliveries: list[Delivery]) -> dict[str, object]:
    """The manifest's counts of the appeals and their exports."""
    from collections import Counter

    exports = [d for d in deliveries if d.source == "appeals"]
    return {
        "appeals": len(records),
        "admissible": sum(r["admissible"] for r in records),
        "by_reason": dict(sorted(Counter(r["reason"] or "admissible" for r in records).items())),
        "by_outcome": dict(sorted(Counter(r["outcome"] for r in records).items())),
        "by_effect": dict(sorted(Counter(r["effect"] for r in records).items())),
        "decided_late": sum(bool(r["decided_late"]) for r in records),
        "open_past_due": sum(r["open_past_due"] for r in records),
        "decisions_after_quarter_close": sum(bool(r["decision_after_quarter_close"]) for r in records),
        "exports": len(exports),
        "latest_arrival": datetime.fromtimestamp(max((d.arrived_at for d in deliveries), default=0), UTC).isoformat(),
    }
