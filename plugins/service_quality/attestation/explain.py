"""The explanation lines of a scorecard, rendered from the long-format components rows per locale.

ATTESTATION_METHOD.md §7: each included component's weighted points are printed with 2 decimals; the
parts are rounded by the largest-remainder method so that their printed sum equals the unrounded total
printed with 2 decimals; that is then followed by the 1-decimal total and the grade. Every rounding is
half away from zero. The same rows give the same numbers in every locale; only words and number
symbols change (``90.1`` / ``90,1``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, localcontext
from typing import Any

from service_quality.attestation.i18n import fmt, fmt_trimmed, round_half_up, translations

COMPONENT_ORDER = ("service_audit", "customer_feedback", "product_knowledge", "sales_productivity", "team_result")


def _(message: str) -> str:
    """Marks a message for extraction; translated where it is used (per locale)."""
    return message


COMPONENT_LABELS = {
    "service_audit": _("Mystery shopping"),
    "customer_feedback": _("Customer feedback"),
    "product_knowledge": _("Product knowledge"),
    "sales_productivity": _("Sales productivity"),
    "team_result": _("Team result"),
}
ROLE_LABELS = {
    "sales_consultant": _("sales consultant"),
    "cashier": _("cashier"),
    "store_manager": _("store manager"),
    "service_engineer": _("service engineer"),
    "receptionist": _("receptionist"),
    "waiter": _("waiter"),
}
GRADE_NAMES = {
    "A": _("exemplary"),
    "B": _("meets expectations"),
    "C": _("needs improvement"),
    "D": _("unsatisfactory"),
}
#: Answers as printed in an appeal note (`no → yes`); a scale answer (0–5) is printed as it is.
ANSWER_LABELS = {
    "yes": _("yes"),
    "no": _("no"),
    "na": _("na"),
}
#: The components whose lines name the appeals on their visits (ATTESTATION_METHOD.md §8).
APPEALED_COMPONENTS = ("service_audit", "product_knowledge")
REASONS = {
    "insufficient_data": _("insufficient data"),
    "short_tenure": _("too few assigned days"),
    "no_observations": _("no observations in the period"),
}


def dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def largest_remainder(values: Sequence[Decimal], places: int = 2, total: Decimal | None = None) -> list[Decimal]:
    """``values`` rounded to ``places`` decimals so that they sum to their exact sum rounded (half up).

    Each value is first rounded down; the units still missing go to the largest remainders (ties: the
    earlier part). Non-negative parts (points × weight are never negative) keep every part within one
    unit of its exact value. ``total`` is the exact sum when the caller has it undivided (Σ base × points
    / Σ base, one division, as the scorecards model computes it); by default the parts' sum.
    """
    unit = Decimal(1).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = 60
        exact = [Decimal(v) for v in values]
        target = round_half_up(sum(exact, Decimal(0)) if total is None else Decimal(total), places)
        floors = [v.quantize(unit, rounding=ROUND_FLOOR) for v in exact]
        missing = int((target - sum(floors, Decimal(0))) / unit)
        order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
        parts = list(floors)
        for i in order[: max(missing, 0)]:
            parts[i] += unit
    return parts


@dataclass(frozen=True)
class ComponentLine:
    component: str
    label: str
    status: str
    text: str
    weighted_printed: Decimal | None  # the printed (largest-remainder) weighted part of an included component

    @property
    def detail(self) -> str:
        """The line without its leading ``label: `` (for a table whose first column names the component)."""
        prefix = self.label + ": "
        return self.text[len(prefix) :] if self.text.startswith(prefix) else self.text


@dataclass(frozen=True)
class Explanation:
    components: list[ComponentLine]
    total_line: str | None  # "Total: a + b = s → t → grade G"
    notes: list[str]  # critical failure, not attested

    @property
    def lines(self) -> list[str]:
        return [c.text for c in self.components] + ([self.total_line] if self.total_line else []) + self.notes


def details_of(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """A components row's component-specific measures (``details``; in ``_extra`` once published)."""
    found = row.get("details")
    if found is None:
        found = (row.get("_extra") or {}).get("details")
    return found or {}


def _count_text(forms: Callable[[int], str], value: Any, locale: str) -> str:
    """``forms(count)`` (an ngettext call) filled with ``value``: whole, or with 1 decimal (12.5 hours)."""
    n = dec(value) or Decimal(0)
    whole = n == n.to_integral_value()
    count = int(n) if whole else 2  # ngettext form "many" for decimals
    return forms(count) % {"n": fmt(n, 0 if whole else 1, locale)}


def _unit_text(gt, component: str, row: Mapping[str, Any], locale: str) -> str:
    n = row.get("n_observations")
    if component == "service_audit":
        return _count_text(lambda k: gt.ngettext("%(n)s visit", "%(n)s visits", k), n, locale)
    if component == "customer_feedback":
        return _count_text(lambda k: gt.ngettext("%(n)s response", "%(n)s responses", k), n, locale)
    if component == "product_knowledge":
        return _count_text(lambda k: gt.ngettext("%(n)s test", "%(n)s tests", k), n, locale)
    if component == "sales_productivity":
        return _count_text(lambda k: gt.ngettext("%(n)s hour", "%(n)s hours", k), n, locale)
    if component == "team_result":
        return _count_text(lambda k: gt.ngettext("%(n)s store observation", "%(n)s store observations", k), n, locale)
    return _count_text(lambda k: gt.ngettext("%(n)s observation", "%(n)s observations", k), n, locale)


def _answer_text(gt, answer: Any) -> str:
    if answer is None:
        return "—"
    return gt.gettext(ANSWER_LABELS[answer]) if answer in ANSWER_LABELS else str(answer)


def appeal_note(gt, note: Mapping[str, Any]) -> str:
    """One appeal as its component line names it (ATTESTATION_METHOD.md §8).

    ``note`` is one element of ``details["appeals"]`` (int_attestation_appeal_notes): visit_id,
    question_code (null: the whole visit), outcome (open, upheld, overturned), effect (none,
    corrected_answer, reattributed, rejected), from_answer / to_answer (a corrected answer), moved
    (``to``: the visit left this employee for other_employee_code; ``from``: it came from them; null
    otherwise) and other_employee_code (null: nobody).
    """
    visit = str(note.get("visit_id") or "")
    if note.get("question_code"):
        visit += "/" + str(note["question_code"])
    outcome = note.get("outcome")
    if outcome == "open":
        return gt.gettext("appeal pending on %(visit)s") % {"visit": visit}
    if outcome == "upheld":
        return gt.gettext("appeal on %(visit)s: upheld") % {"visit": visit}
    effect, moved, other = note.get("effect"), note.get("moved"), note.get("other_employee_code")
    if effect == "corrected_answer":
        return gt.gettext("appeal on %(visit)s: overturned, %(from)s → %(to)s") % {
            "visit": visit,
            "from": _answer_text(gt, note.get("from_answer")),
            "to": _answer_text(gt, note.get("to_answer")),
        }
    if effect == "rejected":
        return gt.gettext("appeal on %(visit)s: overturned, visit rejected") % {"visit": visit}
    if moved == "to" and other:
        return gt.gettext("appeal on %(visit)s: overturned, visit moved to %(employee)s") % {
            "visit": visit,
            "employee": other,
        }
    if moved == "to":
        return gt.gettext("appeal on %(visit)s: overturned, visit attributed to nobody") % {"visit": visit}
    if moved == "from" and other:
        return gt.gettext("appeal on %(visit)s: overturned, visit moved from %(employee)s") % {
            "visit": visit,
            "employee": other,
        }
    if moved == "from":
        return gt.gettext("appeal on %(visit)s: overturned, visit newly attributed") % {"visit": visit}
    if outcome == "overturned":
        return gt.gettext("appeal on %(visit)s: overturned") % {"visit": visit}
    return gt.gettext("appeal on %(visit)s: %(outcome)s") % {"visit": visit, "outcome": outcome or ""}


def appeal_notes(gt, details: Mapping[str, Any]) -> list[str]:
    """The notes of every appeal in a component's ``details``, in their stored order."""
    return [appeal_note(gt, note) for note in details.get("appeals") or ()]


def _team_text(gt, details: Mapping[str, Any], locale: str) -> str:
    """The store's two halves of the team result: its visits and its responses, each with its minimum."""

    def half(count: str, meets: Any, measured: str, minimum: Any) -> str:
        if meets:
            return count + ", " + measured
        if minimum is None:
            return count + " " + gt.gettext("(not counted)")
        return count + " " + gt.gettext("(minimum %(min)s, not counted)") % {"min": fmt_trimmed(minimum, 1, locale)}

    visits = half(
        _count_text(lambda k: gt.ngettext("%(n)s visit", "%(n)s visits", k), details.get("service_visits"), locale),
        details.get("meets_visit_minimum"),
        gt.gettext("mean %(value)s %%") % {"value": fmt(details.get("service_score_mean_pct"), 1, locale)},
        details.get("min_visits"),
    )
    responses = half(
        _count_text(lambda k: gt.ngettext("%(n)s response", "%(n)s responses", k), details.get("responses"), locale),
        details.get("meets_response_minimum"),
        gt.gettext("%(value)s customer points") % {"value": fmt(details.get("customer_points"), 1, locale)},
        details.get("min_responses"),
    )
    return gt.gettext("store %(store)s: %(visits)s; %(responses)s") % {
        "store": details.get("store_code") or "",
        "visits": visits,
        "responses": responses,
    }


def _measures(gt, component: str, row: Mapping[str, Any], locale: str) -> list[str]:
    """What the component measured, beyond its count: the pieces after the count, in the line's order."""
    details = details_of(row)
    pieces = []
    if component in ("service_audit", "product_knowledge"):
        if row.get("raw_value") is not None:
            pieces.append(gt.gettext("mean %(value)s %%") % {"value": fmt(row["raw_value"], 1, locale)})
        if row.get("shrunk_value") is not None:
            pieces.append(gt.gettext("adjusted %(adj)s") % {"adj": fmt(row["shrunk_value"], 1, locale)})
    elif component == "customer_feedback" and details:
        for key, message in (
            ("csat_pct", _("CSAT %(value)s %%")),
            ("nps", _("NPS %(value)s")),
            ("adjusted_csat_pct", _("adjusted CSAT %(value)s %%")),
            ("adjusted_nps", _("adjusted NPS %(value)s")),
        ):
            if details.get(key) is not None:
                pieces.append(gt.gettext(message) % {"value": fmt(details[key], 1, locale)})
    elif component == "sales_productivity" and details:
        if details.get("revenue") is not None:
            pieces.append(gt.gettext("revenue %(value)s RUB") % {"value": fmt(details["revenue"], 2, locale)})
        if details.get("sales_per_hour") is not None:
            pieces.append(gt.gettext("%(value)s RUB per hour") % {"value": fmt(details["sales_per_hour"], 2, locale)})
        if details.get("peer_count") is not None:
            pieces.append(
                gt.gettext("%(lower)s of %(count)s peers lower, %(equal)s equal")
                % {
                    "lower": fmt(details.get("peers_lower") or 0, 0, locale),
                    "count": fmt(details["peer_count"], 0, locale),
                    "equal": fmt(details.get("peers_equal") or 0, 0, locale),
                }
            )
    elif component == "team_result" and details:
        pass  # the store's halves are the observed text itself
    else:  # no component-specific measures published (revisions before they were): the values alone
        if row.get("raw_value") is not None:
            pieces.append(gt.gettext("measured %(raw)s") % {"raw": fmt(row["raw_value"], 1, locale)})
        if row.get("shrunk_value") is not None:
            pieces.append(gt.gettext("adjusted %(adj)s") % {"adj": fmt(row["shrunk_value"], 1, locale)})
    return pieces


def _minimum_text(gt, row: Mapping[str, Any], locale: str) -> str:
    minimum = dec(row.get("min_observations"))
    if minimum is None:
        return ""
    return gt.gettext("minimum %(min)s") % {"min": fmt_trimmed(minimum, 1, locale)}


def explain(scorecard: Mapping[str, Any], components: Sequence[Mapping[str, Any]], locale: str = "en") -> Explanation:
    """The explanation of one scorecard in ``locale`` from its components rows (any order)."""
    gt = translations(locale)
    comps = sorted(
        components,
        key=lambda c: (
            c.get("component_order")
            or (COMPONENT_ORDER.index(c["component"]) + 1 if c["component"] in COMPONENT_ORDER else 99),
            c["component"],
        ),
    )
    included = [c for c in comps if c.get("status") == "included" and c.get("points") is not None]
    with localcontext() as ctx:
        ctx.prec = 60
        base_sum = sum((dec(c.get("base_weight")) or Decimal(0) for c in included), Decimal(0))
        if base_sum:
            exact_parts = [dec(c["base_weight"]) * dec(c["points"]) / base_sum for c in included]
            # The unrounded total as the scorecards model computes it: Σ base × points / Σ base.
            exact_total = sum((dec(c["base_weight"]) * dec(c["points"]) for c in included), Decimal(0)) / base_sum
        else:  # no base weights published: the effective weights alone
            exact_parts = [(dec(c.get("effective_weight")) or Decimal(0)) * dec(c["points"]) for c in included]
            exact_total = sum(exact_parts, Decimal(0))
    printed = dict(
        zip((c["component"] for c in included), largest_remainder(exact_parts, total=exact_total), strict=True)
    )

    lines = []
    for c in comps:
        component = c["component"]
        label = gt.gettext(COMPONENT_LABELS.get(component, c.get("component_label") or c["component"]))
        status = c.get("status")
        details = details_of(c)
        team = component == "team_result" and bool(details)
        observed = _team_text(gt, details, locale) if team else _unit_text(gt, component, c, locale)
        notes_on_visits = appeal_notes(gt, details) if component in APPEALED_COMPONENTS else []
        if notes_on_visits:
            observed += " (" + "; ".join(notes_on_visits) + ")"
        measures = "".join(", " + m for m in _measures(gt, component, c, locale))
        minimum = _minimum_text(gt, c, locale)
        if status == "included" and component in printed:
            weight = dec(c.get("base_weight")) / base_sum if base_sum else dec(c.get("effective_weight"))
            text = gt.gettext(
                "%(label)s: %(observed)s%(minimum)s%(values)s → %(points)s pts × %(weight)s = %(part)s"
            ) % {
                "label": label,
                "observed": observed,
                "minimum": f" ({minimum})" if minimum else "",
                "values": measures,
                "points": fmt(c["points"], 1, locale),
                "weight": fmt_trimmed(weight, 3, locale),
                "part": fmt(printed[component], 2, locale),
            }
            lines.append(ComponentLine(component, label, "included", text, printed[component]))
        elif status == "not_applicable":
            role = scorecard.get("role") or c.get("role") or ""
            text = gt.gettext("%(label)s: not applicable to the role %(role)s (weight 0)") % {
                "label": label,
                "role": gt.gettext(ROLE_LABELS[role]) if role in ROLE_LABELS else role,
            }
            lines.append(ComponentLine(component, label, "not_applicable", text, None))
        else:
            if minimum:
                text = gt.gettext("%(label)s: %(observed)s, below the %(minimum)s → not counted") % {
                    "label": label,
                    "observed": observed + measures,
                    "minimum": minimum,
                }
            elif team:  # each half says its own minimum
                text = gt.gettext("%(label)s: %(observed)s → not counted") % {"label": label, "observed": observed}
            else:
                text = gt.gettext("%(label)s: %(observed)s, too few to count → not counted") % {
                    "label": label,
                    "observed": observed + measures,
                }
            lines.append(ComponentLine(component, label, status or "insufficient_data", text, None))

    total_line = None
    notes = []
    if scorecard.get("status") == "attested" and included:
        total = dec(scorecard.get("total_points"))
        total = round_half_up(exact_total, 1) if total is None else total
        grade = scorecard.get("uncapped_grade") or scorecard.get("grade") or ""
        total_line = gt.gettext("Total: %(parts)s = %(sum)s → %(total)s → grade %(grade)s") % {
            "parts": " + ".join(fmt(printed[c["component"]], 2, locale) for c in included),
            "sum": fmt(round_half_up(exact_total, 2), 2, locale),
            "total": fmt(total, 1, locale),
            "grade": grade,
        }
        if scorecard.get("has_critical_failure"):
            notes.append(
                gt.gettext("Critical failure in a validated visit: grade capped at %(grade)s, not eligible for awards.")
                % {"grade": scorecard.get("grade") or ""}
                if scorecard.get("is_grade_capped")
                else gt.gettext("Critical failure in a validated visit: not eligible for awards.")
            )
    elif scorecard.get("status") != "attested":
        reason = scorecard.get("not_attested_reason") or "insufficient_data"
        if reason == "insufficient_data":
            individual = sum(1 for c in included if c["component"] != "team_result")
            notes.append(
                gt.gettext(
                    "Not attested: %(n)s component(s) included, of them %(ind)s individual; "
                    "at least 2, one of them individual, are needed."
                )
                % {"n": len(included), "ind": individual}
            )
        elif reason == "short_tenure" and scorecard.get("assigned_days") is not None and _min_days(scorecard):
            notes.append(
                gt.ngettext(
                    "Not attested: %(days)s assigned day, fewer than the minimum of %(min)s.",
                    "Not attested: %(days)s assigned days, fewer than the minimum of %(min)s.",
                    int(scorecard["assigned_days"]),
                )
                % {"days": fmt(scorecard["assigned_days"], 0, locale), "min": fmt(_min_days(scorecard), 0, locale)}
            )
        else:
            notes.append(gt.gettext("Not attested: %(reason)s.") % {"reason": gt.gettext(REASONS.get(reason, reason))})
    return Explanation(lines, total_line, notes)


def _min_days(scorecard: Mapping[str, Any]) -> Any:
    found = scorecard.get("min_assigned_days")
    return found if found is not None else (scorecard.get("_extra") or {}).get("min_assigned_days")


_NUMBER = {"en": r"-?\d[\d,]*(?:\.\d+)?", "ru": r"-?\d[\d\u00a0\u202f ]*(?:,\d+)?"}


def parse_number(text: str, locale: str) -> Decimal:
    """A number as printed in ``locale`` back to a Decimal (``1 234,5`` → 1234.5)."""
    if locale == "ru":
        return Decimal(re.sub(r"[\u00a0\u202f ]", "", text).replace(",", "."))
    return Decimal(text.replace(",", ""))


def parse_total_line(line: str, locale: str) -> tuple[list[Decimal], Decimal, Decimal]:
    """The printed parts, their printed sum and the 1-decimal total of a total line, read back."""
    number = _NUMBER[locale]
    found = re.search(rf"((?:{number} \+ )*{number}) = ({number}) → ({number})", line)
    if not found:
        raise ValueError(f"not a total line: {line!r}")
    parts = [parse_number(p, locale) for p in found.group(1).split(" + ")]
    return parts, parse_number(found.group(2), locale), parse_number(found.group(3), locale)
