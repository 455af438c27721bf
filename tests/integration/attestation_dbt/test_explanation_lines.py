"""The explanation lines stored in the marts are the renderer's English lines (ATTESTATION_METHOD.md §7).

dbt writes ``attestation.components.explanation_line`` and ``attestation.scorecards.explanation`` in
SQL; the reports print the lines with ``service_quality.attestation.explain`` from the same rows, in
every locale. On the simulated chain, every stored English line must be exactly what the renderer
prints for ``en``, and every printed total line must add up when its numbers are read back.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from service_quality.attestation.explain import explain, parse_number, parse_total_line
from service_quality.attestation.i18n import round_half_up

from .conftest import AttestedChain

pytestmark = pytest.mark.integration


def _period_rows(chain: AttestedChain):
    components = defaultdict(list)
    for row in chain.rows("select * from attestation.components"):
        components[(row["period_type"], row["period_label"], row["employee_code"])].append(row)
    scorecards = chain.rows("select * from attestation.scorecards order by period_label, employee_code")
    return scorecards, components


def test_the_stored_english_lines_are_what_the_renderer_prints(attested_chain: AttestedChain) -> None:
    scorecards, components = _period_rows(attested_chain)
    assert len(scorecards) >= 60
    statuses, kinds = set(), set()
    for card in scorecards:
        comps = components[(card["period_type"], card["period_label"], card["employee_code"])]
        rendered = explain(card, comps, "en")
        assert card["explanation"] == "\n".join(rendered.lines), card["employee_code"]
        by_component = {line.component: line.text for line in rendered.components}
        for row in comps:
            assert row["explanation_line"] == by_component[row["component"]], (card["employee_code"], row)
            kinds.add((row["component"], row["status"]))
        statuses.add(card["not_attested_reason"] or card["status"])
    # The chain exercised both outcomes and the component lines of every kind that carries measures.
    assert "attested" in statuses and len(statuses) >= 2, statuses
    for component in ("service_audit", "customer_feedback", "product_knowledge", "sales_productivity", "team_result"):
        assert (component, "included") in kinds, component


def test_every_stored_total_line_adds_up_as_printed(attested_chain: AttestedChain) -> None:
    scorecards, components = _period_rows(attested_chain)
    checked = 0
    for card in scorecards:
        if card["status"] != "attested":
            assert "Total:" not in card["explanation"]
            continue
        (line,) = [line for line in card["explanation"].split("\n") if line.startswith("Total: ")]
        parts, printed_sum, total = parse_total_line(line, "en")
        assert sum(parts) == printed_sum, line
        assert printed_sum == round_half_up(card["weighted_points_sum"], 2), line
        assert total == card["total_points"], line
        assert line.endswith(f"→ grade {card['uncapped_grade']}"), line
        # Each included component's line ends with its part, in the same order as the total line.
        comps = components[(card["period_type"], card["period_label"], card["employee_code"])]
        included = sorted((c for c in comps if c["status"] == "included"), key=lambda c: c["component_order"])
        assert [parse_number(c["explanation_line"].rsplit("= ", 1)[1], "en") for c in included] == parts
        assert [c["printed_weighted_points"] for c in included] == parts
        # Largest remainder: every printed part is within a hundredth of its exact value.
        for c, part in zip(included, parts, strict=True):
            assert abs(part - c["base_weight"] * c["points"] / sum(i["base_weight"] for i in included)) < Decimal(
                "0.01"
            )
        checked += 1
    assert checked >= 30
