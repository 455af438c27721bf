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


def test_each_component_prints_its_own_measures_in_both_locales():
    feedback = component("customer_feedback", "80", "0.35", n=12, minimum=10)
    feedback["details"] = {"csat_pct": 82.0, "nps": -0.04, "adjusted_csat_pct": 81.25, "adjusted_nps": 28.0}
    sales = component("sales_productivity", "50", "0.10", n="1234.5", minimum=40)
    sales["details"] = {
        "revenue": 123456.785,
        "sales_per_hour": 100.0,
        "peer_count": 4,
        "peers_lower": 1,
        "peers_equal": 2,
    }
    team = component("team_result", None, "0.35", status="insufficient_data", n=5, minimum=0)
    team["min_observations"] = None
    team["_extra"] = {  # as a published row carries it
        "details": {
            "store_code": "S1",
            "service_visits": 1,
            "service_score_mean_pct": 85,
            "meets_visit_minimum": False,
            "min_visits": 2,
            "responses": 30,
            "customer_points": 70.25,
            "meets_response_minimum": True,
            "min_responses": 20,
        }
    }
    comps = [component("service_audit", "88.45", "0.30"), feedback, sales, team]
    en = explain(attested("79.4", "B"), comps, "en").lines
    # Exact parts 35.38 + 37.333 + 6.667 = 79.38: the missing hundredth goes to sales (remainder 0.0067).
    assert en[0] == "Mystery shopping: 4 visits (minimum 3), mean 88.5 %, adjusted 88.5 → 88.5 pts × 0.4 = 35.38"
    assert en[1] == (
        "Customer feedback: 12 responses (minimum 10), CSAT 82.0 %, NPS 0.0, adjusted CSAT 81.3 %, "
        "adjusted NPS 28.0 → 80.0 pts × 0.467 = 37.33"
    )
    assert en[2] == (
        "Sales productivity: 1,234.5 hours (minimum 40), revenue 123,456.79 RUB, 100.00 RUB per hour, "
        "1 of 4 peers lower, 2 equal → 50.0 pts × 0.133 = 6.67"
    )
    assert en[3] == (
        "Team result: store S1: 1 visit (minimum 2, not counted); 30 responses, 70.3 customer points → not counted"
    )
    assert en[4] == "Total: 35.38 + 37.33 + 6.67 = 79.38 → 79.4 → grade B"
    ru = [line.replace("\u00a0", " ") for line in explain(attested("79.4", "B"), comps, "ru").lines]
    assert "CSAT 82,0 %" in ru[1] and "скорректированный NPS 28,0" in ru[1], ru[1]
    assert "1 234,5 часа" in ru[2] and "выручка 123 456,79 ₽" in ru[2], ru[2]
    assert ru[3].startswith("Результат команды: магазин S1: 1 визит (минимум 2, не учитывается); 30 отзывов"), ru[3]


def test_a_short_tenure_says_the_days_and_the_minimum():
    card = {
        "status": "not_attested",
        "not_attested_reason": "short_tenure",
        "assigned_days": 30,
        "min_assigned_days": 45,
    }
    assert explain(card, [], "en").lines == ["Not attested: 30 assigned days, fewer than the minimum of 45."]
    assert explain(card, [], "ru").lines == ["Не аттестован(а): 30 дней работы в периоде, меньше минимума 45."]
    assert explain({**card, "min_assigned_days": None}, [], "en").lines == ["Not attested: too few assigned days."]


def _appeal_notes_unit_test() -> dict:
    """The dbt unit test that fixes the SQL's English lines with appeal notes (components model)."""
    import yaml

    from service_quality.paths import DBT_PROJECT_DIR

    path = DBT_PROJECT_DIR / "models" / "marts" / "attestation" / "_attestation__unit_tests.yml"
    tests = yaml.safe_load(path.read_text(encoding="utf-8"))["unit_tests"]
    return next(t for t in tests if t["name"] == "components_appeal_notes_in_lines")


def test_appeal_notes_print_as_the_components_model_prints_them():
    """The renderer's English lines equal the lines the dbt unit test expects from SQL, note for note."""
    import json

    test = _appeal_notes_unit_test()
    given = {g["input"]: g["rows"] for g in test["given"]}
    weights = {r["component"]: Decimal(str(r["base_weight"])) for r in given["ref('attestation_weights')"]}
    comps = []
    for name in ("service_audit", "product_knowledge"):
        (row,) = given[f"ref('int_attestation_{name}')"]
        included = row["meets_minimum"]
        comps.append(
            {
                **component(name, str(row["points"]) if included else None, str(weights[name])),
                "status": "included" if included else "insufficient_data",
                "n_observations": Decimal(str(row["n_observations"])),
                "min_observations": Decimal(str(row["min_observations"])),
                "raw_value": Decimal(str(row["raw_value"])),
                "shrunk_value": Decimal(str(row["shrunk_value"])),
                "details": json.loads(row["details"]),
            }
        )
    expected = {r["component"]: r["explanation_line"] for r in test["expect"]["rows"]}
    rendered = {line.component: line.text for line in explain(attested("90.0", "A"), comps, "en").components}
    assert rendered["service_audit"] == expected["service_audit"]
    assert rendered["product_knowledge"] == expected["product_knowledge"]
    assert "appeal pending on V3/N01" in rendered["service_audit"]  # §8: an open appeal says so

    ru = {line.component: line.text for line in explain(attested("90.0", "A"), comps, "ru").components}
    assert ru["service_audit"].startswith(
        "Тайный покупатель: 4 визита (апелляция по V1/G02: результат отменён, нет → да; "
        "апелляция по V2: результат отменён, визит передан сотруднику E5; апелляция по V3/N01 на рассмотрении; "
        "апелляция по V4: результат оставлен в силе; "
        "апелляция по V5: результат отменён, визит ни за кем не закреплён; апелляция по V6/G01: результат отменён)"
    ), ru["service_audit"]
    assert "апелляция по P4/K02: результат отменён, — → 4" in ru["product_knowledge"], ru["product_knowledge"]


def test_a_component_without_appeals_prints_no_note():
    comps = [component("service_audit", "91", "0.25")]
    comps[0]["details"] = None
    line = explain(attested("91.0", "A"), comps, "en").lines[0]
    assert line == "Mystery shopping: 4 visits (minimum 3), mean 91.0 %, adjusted 91.0 → 91.0 pts × 1 = 91.00"
