"""The attestation marts on a simulated chain, checked against invariants and the simulator's truth.

The dbt build in the fixture already ran every unit test and data test of the attestation models;
here we check what only real data can show: everyone is scored exactly once, the totals and grades
follow from the published components and bands, and the scores measure what the simulator made
the staff good at.
"""

from __future__ import annotations

import csv
import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from service_quality.paths import DBT_PROJECT_DIR

from .conftest import QUARTER, AttestedChain

pytestmark = pytest.mark.integration


def test_every_customer_facing_employee_has_one_scorecard_per_period(attested_chain: AttestedChain) -> None:
    expected = {
        (r["period_label"], r["employee_code"])
        for r in attested_chain.rows(
            """
            select distinct
                case when q.kind = 'quarter'
                    then to_char(d.local_date, 'YYYY') || '-Q' || to_char(d.local_date, 'Q')
                    else to_char(d.local_date, 'YYYY') end as period_label,
                d.employee_code
            from intermediate.int_employee_days_assigned as d
            join service_quality.dim_employees as e using (employee_code)
            cross join (values ('quarter'), ('year')) as q (kind)
            where e.is_customer_facing
            """
        )
    }
    scorecards = attested_chain.rows("select period_label, employee_code from attestation.scorecards")
    keys = [(r["period_label"], r["employee_code"]) for r in scorecards]

    assert len(keys) == len(set(keys)), "an employee has two scorecards in one period"
    assert set(keys) == expected
    in_quarter = {code for label, code in keys if label == QUARTER}
    truth = attested_chain.truth_employees()
    assert all(truth[code]["is_customer_facing"] == "true" for code in in_quarter)
    assert len(in_quarter) >= 30, f"the simulated chain should give a real population, got {len(in_quarter)}"


def test_totals_are_the_exact_weighted_mean_rounded_once(attested_chain: AttestedChain) -> None:
    """Methodology 1.1, §5: sum(base x points) / sum(base) in exact decimal arithmetic, one rounding."""
    sums: dict[tuple[str, str], Decimal] = {}
    weights: dict[tuple[str, str], Decimal] = {}
    based: dict[tuple[str, str], Decimal] = {}
    bases: dict[tuple[str, str], Decimal] = {}
    for r in attested_chain.rows("select * from attestation.components"):
        key = (r["period_label"], r["employee_code"])
        sums[key] = sums.get(key, Decimal(0)) + r["weighted_points"]
        weights[key] = weights.get(key, Decimal(0)) + r["effective_weight"]
        if r["status"] == "included":
            based[key] = based.get(key, Decimal(0)) + r["base_weight"] * r["points"]
            bases[key] = bases.get(key, Decimal(0)) + r["base_weight"]
            assert r["weighted_points"] == pytest.approx(r["effective_weight"] * r["points"], abs=Decimal("1e-12"))
        else:
            assert r["weighted_points"] == 0 and r["effective_weight"] == 0

    attested = 0
    for card in attested_chain.rows("select * from attestation.scorecards"):
        key = (card["period_label"], card["employee_code"])
        if card["status"] == "attested":
            attested += 1
            with localcontext() as exact:
                exact.prec = 60
                total = based[key] / bases[key]
            expected = total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            assert card["total_points"] == expected, f"{key}: total {card['total_points']} != {expected}"
            assert sums[key] == pytest.approx(total, abs=Decimal("1e-9"))
            assert weights[key] == pytest.approx(Decimal(1), abs=Decimal("1e-12"))
        else:
            assert card["total_points"] is None and card["grade"] is None
    assert attested >= 20, f"too few attested scorecards to check anything: {attested}"


def _bands() -> list[dict]:
    with (DBT_PROJECT_DIR / "seeds" / "grade_bands.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["methodology_version"] == "1.1"]
    return sorted(rows, key=lambda r: Decimal(r["min_total_points"]), reverse=True)


def test_grades_follow_the_bands_and_the_critical_failure_cap(attested_chain: AttestedChain) -> None:
    bands = _bands()
    cap = next(b for b in bands if b["is_critical_failure_cap"] == "true")
    order = {b["grade"]: int(b["sort_order"]) for b in bands}
    cards = attested_chain.rows("select * from attestation.scorecards where status = 'attested'")
    for card in cards:
        grade = next(b["grade"] for b in bands if card["total_points"] >= Decimal(b["min_total_points"]))
        if card["has_critical_failure"] and order[grade] < order[cap["grade"]]:
            grade = cap["grade"]
        assert card["grade"] == grade, f"{card['employee_code']} {card['period_label']}: {card['total_points']}"
    assert {c["grade"] for c in cards} >= {"B", "C"} or len({c["grade"] for c in cards}) >= 2


def test_attested_totals_rise_with_the_simulated_skill(attested_chain: AttestedChain) -> None:
    truth = attested_chain.truth_employees()
    pairs = [
        (float(truth[c["employee_code"]]["skill"]), float(c["total_points"]))
        for c in attested_chain.rows(
            "select employee_code, total_points from attestation.scorecards where status = 'attested' "
            "and period_label = %s",
            [QUARTER],
        )
    ]
    assert len(pairs) >= 20
    r = _pearson(pairs)
    assert r > 0.5, f"attested totals should rise with the latent skill; Pearson r = {r:.2f} over {len(pairs)}"


def _pearson(pairs: list[tuple[float, float]]) -> float:
    n = len(pairs)
    mx = sum(x for x, _ in pairs) / n
    my = sum(y for _, y in pairs) / n
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    syy = sum((y - my) ** 2 for _, y in pairs)
    return sxy / math.sqrt(sxx * syy)


def test_bi_reader_is_granted_the_marts_not_the_methods_intermediate_steps(attested_chain: AttestedChain) -> None:
    """The scorecards, components and awards are for BI; the int_attestation_* steps are not, by grant.

    The privilege itself is checked (not a query as bi_reader), so the missing usage on schema
    `intermediate` cannot hide a grant the intermediate layer should not give.
    """
    rows = attested_chain.rows(
        """
        select
            table_schema || '.' || table_name as relation,
            has_table_privilege('bi_reader', format('%%I.%%I', table_schema, table_name), 'select') as granted
        from information_schema.tables
        where
            (table_schema = 'attestation' and table_name in ('components', 'scorecards', 'awards'))
            or (table_schema = 'intermediate' and table_name like 'int\\_attestation\\_%%')
        """
    )
    granted = {r["relation"]: r["granted"] for r in rows}
    marts = {"attestation.components", "attestation.scorecards", "attestation.awards"}
    steps = set(granted) - marts
    assert marts <= set(granted) and len(steps) == 10, sorted(granted)  # appeal notes included
    assert all(granted[m] for m in marts)
    assert not [s for s in steps if granted[s]], "the intermediate layer grants nothing to bi_reader"
