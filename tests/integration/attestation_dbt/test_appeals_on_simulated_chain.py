"""Appeals on the simulated quarter (ATTESTATION_METHOD.md §8), through the real ingestion and dbt models.

The simulator judges every appeal it writes by the method, from what it wrote (``truth/appeals.jsonl``):
admissible or why not, the outcome, the effect on answers and visits. The marts must end every appeal
the same way, and the reports must show them to the people they concern, in Russian and in English.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from service_quality.attestation import periods
from service_quality.attestation.publish import publish
from service_quality.bench.reports import render_period

from .conftest import QUARTER, AttestedChain, screenshot

pytestmark = pytest.mark.integration


def _truth(chain: AttestedChain) -> dict[str, dict]:
    with (chain.truth / "appeals.jsonl").open(encoding="utf-8") as handle:
        return {row["appeal_id"]: row for row in map(json.loads, handle)}


def _text(path: Path) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))))


def test_every_appeal_ends_as_the_truth_manifest_says(attested_chain: AttestedChain) -> None:
    truth = _truth(attested_chain)
    marts = {r["appeal_id"]: r for r in attested_chain.rows("select * from service_quality.fct_appeals")}
    assert set(marts) == set(truth), "one row per appeal, none lost, none invented"
    # The quarter covers every reason of §8 and every effect, so each rule is exercised here.
    assert {t["reason"] for t in truth.values()} >= {
        None,
        "unknown_visit",
        "visit_not_validated",
        "unknown_question",
        "invalid_correction",
        "late",
        "not_entitled",
        "duplicate",
    }
    assert {t["effect"] for t in truth.values()} == {"none", "corrected_answer", "reattributed", "rejected"}
    mismatches = []
    for appeal_id, t in sorted(truth.items()):
        m = marts[appeal_id]
        expected = {
            "admissible": t["admissible"],
            "inadmissible_reason": t["reason"],
            "outcome": t["outcome"] if t["admissible"] else "inadmissible",
            "effect": t["effect"],
            "decided_late": bool(t["decided_late"]),
            "open_past_due": t["open_past_due"],
        }
        if t["effect"] == "corrected_answer":
            expected["corrected_answer"] = t["corrected_answer"]
        if t["effect"] == "reattributed":
            expected["corrected_employee_code"] = t["reattributed_to"]
        got = {k: (bool(m[k]) if k == "decided_late" else m[k]) for k in expected}
        if got != expected:
            mismatches.append((appeal_id, expected, got))
    assert not mismatches, mismatches


def test_decisions_reach_the_scored_visits(attested_chain: AttestedChain) -> None:
    truth = _truth(attested_chain)
    visits = {
        r["visit_id"]: r
        for r in attested_chain.rows(
            "select visit_id, status, employee_code, delivered_employee_code, appeal_effect"
            " from intermediate.int_audit_visits_scored"
        )
    }
    for t in truth.values():
        if t["effect"] == "rejected":
            assert visits[t["visit_id"]]["status"] == "rejected", t
        elif t["effect"] == "reattributed":
            visit = visits[t["visit_id"]]
            assert visit["employee_code"] == t["reattributed_to"], t
            assert visit["delivered_employee_code"] != visit["employee_code"], t
        elif t["effect"] == "corrected_answer":
            (answer,) = attested_chain.rows(
                "select answer from intermediate.int_audit_answers_scored where visit_id = %s and question_code = %s",
                [t["visit_id"], t["question_code"]],
            )
            assert answer["answer"] == t["corrected_answer"], t


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_reports_show_each_appeal_to_whom_it_concerns(
    attested_chain: AttestedChain, tmp_path, chromium, locale: str
) -> None:
    period = periods.parse("quarter", QUARTER)
    with attested_chain.dsn.connect() as conn:
        publish(conn, period, run_id=f"manual__appeals_{locale}")
    render_period(attested_chain.dsn, tmp_path / "reports", period, locale)
    folder = tmp_path / "reports" / QUARTER
    appeals = attested_chain.rows(
        "select * from service_quality.fct_appeals where visit_local_date between %s and %s order by appeal_id",
        [period.start, period.last_day],
    )
    assert appeals, "the simulated quarter has appeals on its visits"
    staff = {
        r["employee_code"]
        for r in attested_chain.rows(
            "select employee_code from attestation.latest_scorecards where period_label = %s", [QUARTER]
        )
    }

    overturned = {"en": "overturned", "ru": "удовлетворена"}[locale]
    not_admitted = {"en": "not admitted", "ru": "не принята"}[locale]
    for appeal in appeals:
        subject = f"{appeal['visit_id']}/{appeal['question_code']}" if appeal["question_code"] else appeal["visit_id"]
        # The team page of the visit's store lists it with its outcome.
        team = _text(folder / f"store-{appeal['store_code']}.html")
        assert subject in team, (subject, appeal["store_code"])
        # The statement of the audited employee (and of the one a visit moved to) lists it too.
        for employee in {appeal["original_employee_code"], appeal["corrected_employee_code"]} & staff:
            statement = _text(folder / "staff" / f"{employee}.html")
            assert subject in statement, (subject, employee)
            if appeal["outcome"] == "overturned":
                assert overturned in statement
            if appeal["outcome"] == "inadmissible":
                assert not_admitted in statement

    # The HR index: the quarter's appeal figures, as the mart counts them.
    index = _text(tmp_path / "reports" / "index.html")
    filed = len(appeals)
    overturned_n = sum(a["outcome"] == "overturned" for a in appeals)
    past_due = sum(bool(a["open_past_due"]) for a in appeals if a["admissible"])
    figures = {
        "en": f"Appeals: {filed} filed, {overturned_n} overturned, {past_due} open past due",
        "ru": f"Апелляции: подано {filed}, удовлетворено {overturned_n}, открыто сверх срока {past_due}",
    }[locale]
    assert figures in index

    # What a person sees: a statement with an overturned appeal, and its store's page.
    shown = next(a for a in appeals if a["outcome"] == "overturned" and a["original_employee_code"] in staff)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    for name, page in (
        (f"appeal-statement-{locale}.png", folder / "staff" / f"{shown['original_employee_code']}.html"),
        (f"appeal-team-{locale}.png", folder / f"store-{shown['store_code']}.html"),
    ):
        screenshot(chromium, page, artifacts / name, tmp_path / "profile", height=1800)
