"""The explanation lines (ATTESTATION_METHOD.md §7): printed parts add up, half away from zero, per locale."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service_quality.attestation.explain import explain, largest_remainder, parse_number, parse_total_line
from service_quality.attestation.i18n import fmt, fmt_money, round_half_up


def component(name, points, base, status="included", n=4, minimum=3, order=None):
    return {
        "component": name,
        "status": status,
        "points": Decimal(points) if points is not None else None,
        "raw_value": Decimal(points) if points is not None else None,
        "shrunk_value": Decimal(points) if points is not None else None,
        "base_weight": Decimal(base),
        "effective_weight": None,
        "n_observations": Decimal(n),
        "min_observations": Decimal(minimum),
        "component_order": order,
    }


def attested(total, grade="A", **extra):
    return {"status": "attested", "total_points": Decimal(total), "grade": grade, "role": "sales_consultant", **extra}


def test_round_half_away_from_zero_not_to_even():
    assert round_half_up(Decimal("77.25"), 1) == Decimal("77.3")
    assert round_half_up(Decimal("0.125"), 2) == Decimal("0.13")
    assert round_half_up(Decimal("-0.05"), 1) == Decimal("-0.1")
    assert fmt(Decimal("77.25"), 1, "en") == "77.3"
    assert fmt(Decimal("77.25"), 1, "ru") == "77,3"
    assert fmt(Decimal("2.5"), 0, "en") == "3"  # Babel alone would print 2


def test_babel_formats_numbers_and_money_per_locale():
    assert fmt(Decimal("90.1"), 1, "ru") == "90,1"
    assert fmt(Decimal("1234.5"), 1, "en") == "1,234.5"
    assert fmt_money(Decimal("91231561.99"), "ru").replace("\u00a0", " ") == "91 231 561,99 ₽"


def test_largest_remainder_parts_sum_to_the_rounded_total():
    exact = [Decimal("26.3"), Decimal("28.4"), Decimal("11.7"), Decimal("23.72")]  # the 90.12
    assert sum(largest_remainder(exact)) == Decimal("90.12")
    thirds = [Decimal(1) / 3] * 3  # 0.33 × 3 = 0.99 ≠ 1.00: one part takes the missing cent
    assert largest_remainder(thirds) == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]
    parts = largest_remainder([Decimal("100") / 7 * k for k in (1, 2, 4)])
    assert sum(parts) == round_half_up(Decimal(100), 2)


def test_a_hand_computed_scorecard():
    # base 0.25/0.25/0.15/0.10/0.25 → the exact weighted parts 22.75, 19.25, 12.15, 6.35, 20.625 (sum 81.125).
    comps = [
        component("service_audit", "91", "0.25"),
        component("customer_feedback", "77", "0.25", n=29, minimum=10),
        component("product_knowledge", "81", "0.15"),
        component("sales_productivity", "63.5", "0.10", n=120),
        component("team_result", "82.5", "0.25"),
    ]
    lines = explain(attested("81.1", "B"), comps, "en").lines
    assert (
        lines[1]
        == "Customer feedback: 29 responses (minimum 10), measured 77.0, adjusted 77.0 → 77.0 pts × 0.25 = 19.25"
    )
    # 20.625 takes the missing cent (largest remainder); 81.125 → 81.13 printed, → 81.1 total.
    assert lines[4].endswith("× 0.25 = 20.63"), lines[4]
    assert lines[5] == "Total: 22.75 + 19.25 + 12.15 + 6.35 + 20.63 = 81.13 → 81.1 → grade B"
    ru = explain(attested("81.1", "B"), comps, "ru").lines
    assert ru[5].endswith("22,75 + 19,25 + 12,15 + 6,35 + 20,63 = 81,13 → 81,1 → оценка B"), ru[5]


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_printed_parts_add_up_for_awkward_weights(locale):
    # Weights that do not divide: a cashier's 0.30/0.35/0.35 with one component left out.
    for a, b, c in [("77.25", "88.15", "90.05"), ("33.33", "66.67", "99.99"), ("70", "71", "72.5")]:
        comps = [
            component("service_audit", a, "0.30"),
            component("customer_feedback", b, "0.35"),
            component("product_knowledge", None, "0", status="not_applicable"),
            component("team_result", c, "0.35"),
            component("sales_productivity", None, "0.10", status="insufficient_data", n=2, minimum=10),
        ]
        exp = explain(attested("0"), comps, locale)
        parts, printed_sum, _total = parse_total_line(exp.total_line, locale)
        assert sum(parts) == printed_sum
        exact = (Decimal(a) * Decimal("0.30") + Decimal(b) * Decimal("0.35") + Decimal(c) * Decimal("0.35")) / 1
        assert printed_sum == round_half_up(exact, 2)
        # Each component line ends with its printed part, the same number as in the total line.
        included = [line for line in exp.lines if "×" in line]
        assert [parse_number(line.rsplit("= ", 1)[1], locale) for line in included] == parts


def test_the_total_is_half_away_from_zero():
    comps = [component("service_audit", "77.25", "0.5"), component("team_result", "77.25", "0.5")]
    line = explain({"status": "attested", "grade": "B"}, comps, "en").total_line
    assert line == "Total: 38.63 + 38.62 = 77.25 → 77.3 → grade B"


def test_left_out_components_say_why():
    comps = [
        component("service_audit", "91", "0.25"),
        component("customer_feedback", None, "0.25", status="insufficient_data", n=4, minimum=10),
        component("product_knowledge", None, "0", status="not_applicable"),
    ]
    lines = explain(attested("91.0", "A", role="cashier"), comps, "en").lines
    assert lines[1] == "Customer feedback: 4 responses, below the minimum 10 → not counted"
    assert lines[2] == "Product knowledge: not applicable to the role cashier (weight 0)"
