"""The simulated chain behaves like one: the latent skill shows in what customers and shoppers report,
traffic has a weekly rhythm, staff come and go, and deliveries arrive late, twice and corrected."""

from __future__ import annotations

import csv
import gzip
import io
import json
import statistics
from collections import defaultdict
from datetime import date

from service_quality.simulator.checklist import load_checklist
from service_quality.simulator.roster import build_roster
from service_quality.simulator.scales import SCALES


def _rows(zone, d: dict[str, str]) -> list[dict[str, str]]:
    data = (zone.landing / d["file"]).read_bytes()
    if d["format"] == "csv.gz":
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    if d["format"] == "jsonl":
        return [{k: "" if v is None else str(v) for k, v in json.loads(line).items()} for line in text.splitlines()]
    return list(csv.DictReader(io.StringIO(text)))


def _latest(zone) -> dict[str, list[dict[str, str]]]:
    """Rows by source in arrival order, re-deliveries skipped (what staging would see, before de-duplication)."""
    out = defaultdict(list)
    for d in sorted(zone.deliveries(), key=lambda d: (d["arrived_at"], d["file"])):
        if d["kind"] != "duplicate":
            out[d["source"]].extend(_rows(zone, d))
    return out


def _visit_score(answers: dict[str, str], version: str, checklist) -> float | None:
    """ATTESTATION_METHOD.md §1: section % from points, weighted over answered sections."""
    questions = {q.code: q for q in checklist.versions[version]}
    sections = defaultdict(lambda: [0.0, 0.0])
    for code, answer in answers.items():
        if answer == "na":
            continue
        q = questions[code]
        earned = (q.points if answer == "yes" else 0.0) if q.answer_type == "yes_no" else q.points * int(answer) / 5
        sections[q.section][0] += earned
        sections[q.section][1] += q.points
    if not sections:
        return None
    w = checklist.section_weights
    return sum(100 * e / p * w[s] for s, (e, p) in sections.items()) / sum(w[s] for s in sections)


def _correlation(skill: dict[str, float], values: dict[str, list[float]], minimum: int) -> float:
    codes = [c for c, v in values.items() if len(v) >= minimum and c in skill]
    assert len(codes) >= 15, "too few employees to measure"
    return statistics.correlation([skill[c] for c in codes], [statistics.fmean(values[c]) for c in codes])


def test_latent_skill_drives_surveys_audits_and_sales(xs_clean):
    skill = {c: float(r["skill"]) for c, r in xs_clean.truth_employees().items()}
    data = _latest(xs_clean)
    nps, csat = defaultdict(list), defaultdict(list)
    for r in data["surveys"]:
        if r["employee_code"]:
            if r["nps"]:
                nps[r["employee_code"]].append(int(r["nps"]))
            if r["csat"]:
                csat[r["employee_code"]].append(int(r["csat"]))
    checklist = load_checklist()
    answers = defaultdict(dict)
    for r in data["audit_answers"]:
        answers[r["visit_id"]][r["question_code"]] = r["answer"]
    visits = {r["visit_id"]: r for r in data["audit_visits"]}  # the latest version of each visit
    scores = defaultdict(list)
    for visit_id, v in visits.items():
        if v["status"] == "validated" and v["employee_code"]:
            score = _visit_score(answers[visit_id], v["checklist_version"], checklist)
            if score is not None:
                scores[v["employee_code"]].append(score)
    revenue, hours = defaultdict(float), {}
    for r in data["sales"]:
        if r["employee_code"]:
            revenue[r["employee_code"]] += float(r["line_amount"])
    for r in data["shifts"]:
        hours[(r["employee_code"], r["work_date"])] = float(r["hours_worked"])
    worked = defaultdict(float)
    for (code, _), h in hours.items():
        worked[code] += h
    consultants = {c for c, r in xs_clean.truth_employees().items() if r["roles"].split("|")[0] == "sales_consultant"}
    per_hour = {c: [revenue[c] / worked[c]] for c in consultants if worked.get(c, 0) >= 40}

    assert _correlation(skill, nps, 5) > 0.4
    assert _correlation(skill, csat, 5) > 0.4
    assert _correlation(skill, scores, 2) > 0.4
    assert _correlation(skill, per_hour, 1) > 0.1
    # skill is a latent N(0, 1): the truth is not a disguised copy of the observations
    assert abs(statistics.fmean(skill.values())) < 0.3 and 0.7 < statistics.pstdev(skill.values()) < 1.3


def test_traffic_has_weekly_rhythm_and_timezones_span_the_country(xs_clean):
    daily = defaultdict(int)
    for r in _latest(xs_clean)["traffic"]:
        daily[r["hour_start"][:10]] += int(r["visitors"])
    by_weekday = defaultdict(list)
    for day, visitors in daily.items():
        by_weekday[date.fromisoformat(day).weekday()].append(visitors)
    assert statistics.fmean(by_weekday[5]) > 1.2 * statistics.fmean(by_weekday[0] + by_weekday[1])
    offsets = {r["hour_start"][-6:] for r in _latest(xs_clean)["traffic"]}
    assert {"+02:00", "+10:00"} <= offsets


def test_audits_use_both_checklists_brands_disputes_and_badges(xs_clean):
    rows = [r for d in xs_clean.deliveries() if d["source"] == "audit_visits" for r in _rows(xs_clean, d)]
    assert {r["checklist_version"] for r in rows} == {"v1", "v2"}
    assert len({r["brand"] for r in rows if r["scenario"] == "product_knowledge"}) >= 3
    statuses = defaultdict(list)
    for r in rows:
        statuses[r["visit_id"]].append(r["status"])
    resolved = [s for s in statuses.values() if s[0] == "disputed"]
    assert resolved and all(len(s) == 2 and s[1] in ("validated", "rejected") for s in resolved)
    assert any(not r["employee_code"] and r["employee_badge_name"] for r in rows)
    answers = [r for d in xs_clean.deliveries() if d["source"] == "audit_answers" for r in _rows(xs_clean, d)]
    critical = {q.code for qs in load_checklist().versions.values() for q in qs if q.is_critical}
    failures = {r["visit_id"] for r in answers if r["question_code"] in critical and r["answer"] == "no"}
    assert 0 < len(failures) < 0.06 * len(statuses)


def test_deliveries_arrive_late_twice_and_corrected(xs_clean):
    kinds = {d["kind"] for d in xs_clean.deliveries()}
    assert {"regular", "late", "duplicate", "correction", "snapshot"} <= kinds
    files = {d["file"]: d for d in xs_clean.deliveries()}
    for d in files.values():
        if d["kind"] == "duplicate":
            original = files[d["duplicate_of"]]
            assert (xs_clean.landing / d["file"]).read_bytes() == (xs_clean.landing / original["file"]).read_bytes()
        if d["kind"] == "correction":
            assert files[d["corrects"]]["arrived_at"] < d["arrived_at"]
    comments = [r["comment"] for r in _latest(xs_clean)["surveys"] if r["comment"]]
    assert any("а" <= ch <= "я" for text in comments for ch in text)
    assert any(text.isascii() for text in comments)


def test_scales_have_the_sizes_of_the_issue():
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    for name, stores, staff in (("S", 20, 400), ("M", 100, 2000), ("L", 500, 10000)):
        roster = build_roster(SCALES[name], start, end, seed=3)
        assert len(roster.stores) == stores
        active = sum(e.employed(start) for e in roster.employees)
        assert 0.85 * staff < active < 1.15 * staff, (name, active)
        assert {s.format for s in roster.stores} >= {"electronics", "supermarket", "service_center", "restaurant"}
        assert len({s.timezone for s in roster.stores}) >= 8
    roster = build_roster(SCALES["S"], start, end, seed=3)
    assignments = [a for e in roster.employees for a in e.assignments]
    assert any(a.fte < 1 for a in assignments)
    assert any(len(e.assignments) > 1 for e in roster.employees)  # transfers
    assert any(e.short_tenure and e.terminated_on for e in roster.employees)
    assert any(e.hired_on > start for e in roster.employees) and any(e.terminated_on for e in roster.employees)
    assert any(s.opened_on > start for s in roster.stores) and any(s.closed_on for s in roster.stores)
    assert any(not e.is_customer_facing for e in roster.employees)
