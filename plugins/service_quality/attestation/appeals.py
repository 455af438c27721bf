"""Appeals on the reports (ATTESTATION_METHOD.md §8): what each page shows of them, read from the marts.

The scores already carry every decision (the dbt models apply them before anything is scored, and the
published explanation lines name each appealed visit). This module reads the appeals themselves, for the
people they concern:

- a statement lists the appeals on the visits the employee was audited in (before or after a
  re-attribution) and the ones the employee filed, each with its outcome or why it was not admitted;
- a team page lists every appeal on the store's visits of the period;
- the HR index shows, per store, filed / admissible / upheld / overturned / open / open past due and the
  overturn rate, and the shoppers whose scores stray from their colleagues' at the same stores.

Everything is keyed on the visit's local date, so a period shows the appeals on its own visits whatever
day they were filed or decided. The marts are read as they stand (appeals are not frozen into revisions:
a decision after publication marks the period ``revision_pending`` and the next revision takes it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from service_quality.attestation.explain import _

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

    from service_quality.attestation.periods import Period

#: Why an appeal was not admitted (§8, in the method's order), as printed.
INADMISSIBLE_REASONS = {
    "unknown_visit": _("no such visit"),
    "visit_not_validated": _("the visit is not validated"),
    "unknown_question": _("the question is not in the visit's checklist"),
    "invalid_correction": _("the correction does not fit the question"),
    "late": _("filed after the appeal window"),
    "not_entitled": _("filed by someone not entitled"),
    "duplicate": _("a duplicate of an earlier appeal"),
}
APPEAL_CATEGORIES = {
    "wrong_answer": _("wrong answer"),
    "wrong_employee": _("wrong employee"),
    "shopper_error": _("shopper's error"),
    "technical": _("technical"),
    "other": _("other"),
}
OUTCOMES = {
    "open": _("pending"),
    "upheld": _("upheld: the audit stands"),
    "overturned": _("overturned"),
    "inadmissible": _("not admitted"),
}


@dataclass(frozen=True)
class Appeal:
    """One appeal as a page shows it."""

    appeal_id: str
    visit_id: str
    question_code: str | None
    store_code: str
    visit_date: date
    category: str
    filed_at: datetime
    filed_by: str
    outcome: str  # open, upheld, overturned, inadmissible
    inadmissible_reason: str | None
    effect: str  # none, corrected_answer, reattributed, rejected
    original_answer: str | None
    corrected_answer: str | None
    original_employee_code: str | None
    corrected_employee_code: str | None
    decided_at: datetime | None
    days_to_decision: Decimal | None
    decided_late: bool
    open_past_due: bool

    @property
    def subject(self) -> str:
        """``V123/Q12`` for an answer, ``V123`` for the whole visit (as the explanation lines name them)."""
        return f"{self.visit_id}/{self.question_code}" if self.question_code else self.visit_id

    def concerns(self, employee_code: str) -> bool:
        return employee_code in (self.original_employee_code, self.corrected_employee_code, self.filed_by)

    def outcome_text(self, gt: Any) -> str:
        """The outcome in words, with what changed: ``overturned: no → yes``, ``not admitted: filed late``."""
        if self.outcome == "inadmissible":
            reason = INADMISSIBLE_REASONS.get(self.inadmissible_reason or "", self.inadmissible_reason or "")
            return f"{gt.gettext(OUTCOMES['inadmissible'])}: {gt.gettext(reason)}"
        text = gt.gettext(OUTCOMES.get(self.outcome, self.outcome))
        if self.outcome != "overturned":
            return text
        if self.effect == "corrected_answer":
            return f"{text}: {self.original_answer or '—'} → {self.corrected_answer or '—'}"
        if self.effect == "reattributed":
            moved = gt.gettext("visit moved to %(employee)s") % {"employee": self.corrected_employee_code or "—"}
            if not self.corrected_employee_code:
                moved = gt.gettext("visit attributed to nobody")
            return f"{text}: {moved}"
        if self.effect == "rejected":
            return f"{text}: {gt.gettext('visit rejected')}"
        return text


@dataclass
class AppealFigures:
    """One store's appeals over a period (the per-month mart's measures, summed over the period's visits)."""

    store_code: str
    filed: int = 0
    admissible: int = 0
    upheld: int = 0
    overturned: int = 0
    open: int = 0
    open_past_due: int = 0

    @property
    def overturn_rate(self) -> float | None:
        """Overturned ÷ decided admissible appeals; ``None`` while none is decided."""
        decided = self.upheld + self.overturned
        return self.overturned / decided if decided else None

    def add(self, appeal: Appeal) -> None:
        self.filed += 1
        if appeal.outcome == "inadmissible":
            return
        self.admissible += 1
        self.upheld += appeal.outcome == "upheld"
        self.overturned += appeal.outcome == "overturned"
        self.open += appeal.outcome == "open"
        self.open_past_due += appeal.open_past_due


@dataclass(frozen=True)
class FlaggedShopper:
    agency: str
    shopper_code: str
    quarter_start: date
    visits: int
    mean_visit_score: Decimal
    mean_deviation: Decimal
    standard_error: Decimal
    overturned_share: Decimal | None


@dataclass
class PeriodAppeals:
    """The appeals of one period's visits, by store, with the period's flagged shoppers."""

    by_store: dict[str, list[Appeal]] = field(default_factory=dict)
    flagged_shoppers: list[FlaggedShopper] = field(default_factory=list)

    def of_store(self, store_code: str) -> list[Appeal]:
        return self.by_store.get(store_code, [])

    def of_employee(self, employee_code: str) -> list[Appeal]:
        return [a for appeals in self.by_store.values() for a in appeals if a.concerns(employee_code)]

    def figures(self, store_code: str) -> AppealFigures:
        figures = AppealFigures(store_code)
        for appeal in self.of_store(store_code):
            figures.add(appeal)
        return figures

    @property
    def store_figures(self) -> list[AppealFigures]:
        return [self.figures(code) for code in sorted(self.by_store)]

    @property
    def total(self) -> AppealFigures:
        total = AppealFigures("")
        for appeals in self.by_store.values():
            for appeal in appeals:
                total.add(appeal)
        return total


def _exists(conn: psycopg.Connection, relation: str) -> bool:
    return conn.execute("select to_regclass(%s)", [relation]).fetchone()[0] is not None


def period_appeals(conn: psycopg.Connection, period: Period) -> PeriodAppeals:
    """The appeals on the visits of ``period`` and its flagged shoppers; empty before the marts are built."""
    result = PeriodAppeals()
    if _exists(conn, "service_quality.fct_appeals"):
        cur = conn.execute(
            """
            select appeal_id, visit_id, question_code, store_code, visit_local_date, category, filed_at, filed_by,
                   outcome, inadmissible_reason, effect, original_answer, corrected_answer, original_employee_code,
                   corrected_employee_code, decided_at, days_to_decision, coalesce(decided_late, false),
                   coalesce(open_past_due, false)
            from service_quality.fct_appeals
            where visit_local_date >= %s and visit_local_date < %s
            order by store_code, visit_local_date, visit_id, question_code nulls first, filed_at, appeal_id
            """,
            [period.start, period.end],
        )
        grouped: dict[str, list[Appeal]] = defaultdict(list)
        for row in cur.fetchall():
            appeal = Appeal(*row)
            grouped[appeal.store_code].append(appeal)
        result.by_store = dict(grouped)
    if _exists(conn, "service_quality.fct_shopper_consistency_quarters"):
        cur = conn.execute(
            """
            select agency, shopper_code, quarter_start, visits, mean_visit_score, mean_deviation, standard_error,
                   overturned_share
            from service_quality.fct_shopper_consistency_quarters
            where flagged and quarter_start >= %s and quarter_start < %s
            order by abs(mean_deviation) desc, agency, shopper_code, quarter_start
            """,
            [period.start, period.end],
        )
        result.flagged_shoppers = [FlaggedShopper(*row) for row in cur.fetchall()]
    return result
