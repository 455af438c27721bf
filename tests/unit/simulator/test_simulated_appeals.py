"""Simulated appeals (ATTESTATION_METHOD.md §8): their shape, their exports, and a truth that the files bear out.

The truth's admissibility is computed by §8's rules from what was written; these tests check it against the
landing files themselves (first arrivals, checklist versions, versions of an appeal) and against what the
generator meant to make of each appeal."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from simulator_contract import check_file

from service_quality.simulator import cases as c
from service_quality.simulator import simulate
from service_quality.simulator.appeals import REASONS
from service_quality.simulator.checklist import load_checklist


def _rows(zone, d: dict[str, str]) -> list[dict[str, str]]:
    data = (zone.landing / d["file"]).read_bytes()
    data = gzip.decompress(data) if d["format"] == "csv.gz" else data
    text = data.decode("utf-8-sig")
    if d["format"] == "jsonl":
        return [{k: "" if v is None else str(v) for k, v in json.loads(line).items()} for line in text.splitlines()]
    return list(csv.DictReader(io.StringIO(text)))


def _truth(zone) -> list[dict]:
    with (zone.truth / "appeals.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _in_order(zone) -> list[dict[str, str]]:
    return sorted(zone.deliveries(), key=lambda d: (d["arrived_at"], d["file"]))


def test_truth_lists_each_appeal_once_with_a_verdict_that_matches_the_generators_intent(xs_clean):
    truth = _truth(xs_clean)
    assert len({t["appeal_id"] for t in truth}) == len(truth) > 10
    for t in truth:
        assert t["reason"] == t["intended_reason"], t
        assert t["admissible"] == (t["reason"] is None)
        assert t["outcome"] in ("open", "upheld", "overturned")
        assert t["effect"] in ("none", "corrected_answer", "reattributed", "rejected")
        if not t["admissible"] or t["outcome"] != "overturned":
            assert t["effect"] == "none", t
        if t["effect"] == "corrected_answer":
            assert t["question_code"] and t["corrected_answer"], t
        if t["effect"] in ("reattributed", "rejected"):
            assert t["question_code"] is None, t
        assert (t["decided_late"] is None) == (t["outcome"] == "open")
    # every reason of §8 at least once, and the decision shapes the marts must show
    assert {t["reason"] for t in truth} == {None, *REASONS}
    assert {t["outcome"] for t in truth} == {"open", "upheld", "overturned"}
    assert {"corrected_answer", "reattributed"} <= {t["effect"] for t in truth}
    assert any(t["open_past_due"] for t in truth)
    manifest = xs_clean.manifest()
    assert manifest["appeals"]["appeals"] == len(truth)
    assert sum(manifest["appeals"]["by_reason"].values()) == len(truth)
    assert "appeals.jsonl" in manifest["truth_files"]


def test_about_five_percent_of_visits_are_appealed_more_where_they_scored_low(xs_clean):
    visits, answers = {}, defaultdict(list)
    for d in _in_order(xs_clean):
        if d["source"] == "audit_visits":
            for r in _rows(xs_clean, d):
                visits.setdefault(r["visit_id"], r)
        elif d["source"] == "audit_answers":
            for r in _rows(xs_clean, d):
                answers[r["visit_id"]].append(r["answer"])
    appealed = {t["visit_id"] for t in _truth(xs_clean) if t["reason"] != "unknown_visit"}
    assert appealed <= set(visits)
    share = len(appealed) / len(visits)
    assert 0.02 <= share <= 0.12, share

    def score(values: list[str]) -> float:
        got = [1.0 if a == "yes" else 0.0 if a == "no" else int(a) / 5 for a in values if a != "na"]
        return sum(got) / len(got)

    ranked = sorted(visits, key=lambda v: score(answers[v]))
    low, high = ranked[: len(ranked) // 2], ranked[len(ranked) // 2 :]
    assert sum(v in appealed for v in low) > 2 * sum(v in appealed for v in high)


def test_exports_are_weekly_rolling_windows_with_decisions_as_later_versions(xs_clean):
    exports = [d for d in _in_order(xs_clean) if d["source"] == "appeals"]
    assert exports and {d["format"] for d in exports} == {"csv", "jsonl"}
    switch = xs_clean.manifest()["checklist"]["second_version_from"]
    versions: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for d in exports:
        arrived = datetime.fromisoformat(d["arrived_at"])
        assert arrived.weekday() == 0 and 6 <= arrived.hour < 9, d["file"]  # Monday morning, UTC
        assert d["file"].startswith(f"appeals/{arrived:%Y/%m/%d}/appeals_")
        assert (d["format"] == "jsonl") == (arrived.date().isoformat() >= switch)
        assert check_file(xs_clean.landing / d["file"], "appeals").violations == []
        if d["kind"] != "duplicate":
            for r in _rows(xs_clean, d):
                versions[r["appeal_id"]].append((d["file"], r))
    truth = {t["appeal_id"]: t for t in _truth(xs_clean)}
    assert versions.keys() == truth.keys()
    second_versions = 0
    for appeal_id, seen in versions.items():
        t = truth[appeal_id]
        latest = seen[-1][1]
        assert (latest["decision"] or "open") == t["outcome"], appeal_id
        if t["outcome"] != "open":
            first_decided = next(file for file, r in seen if r["decision"])
            assert first_decided == t["decision_file"], appeal_id
            second_versions += seen[0][1]["decision"] == ""
    assert second_versions >= 5  # filed in one export, decided in a later one


def test_late_uses_the_visits_first_arrival_and_unknown_question_the_visits_checklist(xs_clean):
    first_arrival, version = {}, {}
    for d in _in_order(xs_clean):
        if d["source"] == "audit_visits":
            for r in _rows(xs_clean, d):
                first_arrival.setdefault(r["visit_id"], datetime.fromisoformat(d["arrived_at"]))
                version.setdefault(r["visit_id"], r["checklist_version"])
    checklist = load_checklist()
    for t in _truth(xs_clean):
        if t["reason"] == "unknown_visit":
            assert t["visit_id"] not in first_arrival
            continue
        arrived = first_arrival[t["visit_id"]]
        assert datetime.fromisoformat(t["visit_first_arrival"]) == arrived
        filed = datetime.fromisoformat(t["filed_at"])
        if t["reason"] == "late":
            assert filed - arrived > timedelta(days=7)
        elif t["reason"] in (None, "not_entitled", "duplicate"):
            assert filed - arrived <= timedelta(days=7)
        codes = {q.code for q in checklist.versions[version[t["visit_id"]]]}
        if t["question_code"] is not None:
            assert (t["question_code"] not in codes) == (t["reason"] == "unknown_question"), t


def test_same_seed_same_appeals(make_zone, tmp_path, xs_clean):
    again = simulate("XS", date(2025, 1, 1), date(2025, 3, 31), seed=11, out=tmp_path / "again")
    assert (again.truth / "appeals.jsonl").read_bytes() == (xs_clean.truth / "appeals.jsonl").read_bytes()


@pytest.fixture(scope="module")
def s_defects(tmp_path_factory):
    """Five months of the S chain: exports long enough (15 rows and more) to carry row cases, and time enough
    after the first quarter for decisions that arrive after it was published."""
    out = tmp_path_factory.mktemp("s_appeals")
    summary = simulate("S", date(2025, 1, 1), date(2025, 5, 31), seed=5, defects=0.05, out=out)
    return summary


def test_appeal_row_cases_break_only_the_rule_they_name_and_move_no_appeals_truth(s_defects):
    from simulator_contract import check_file as check

    truth_dir, landing = s_defects.truth, s_defects.landing
    cases = [json.loads(line) for line in (truth_dir / "cases.jsonl").open(encoding="utf-8")]
    appeal_cases = [case for case in cases if case["source"] == "appeals" and case["case"] != c.CASE_FREE_TEXT_PII]
    assert {case["case"] for case in appeal_cases} == set(c.APPEAL_CASES)
    with (truth_dir / "deliveries.csv").open(encoding="utf-8") as f:
        exports = sorted(
            (d for d in csv.DictReader(f) if d["source"] == "appeals"), key=lambda d: (d["arrived_at"], d["file"])
        )
    position = {d["file"]: i for i, d in enumerate(exports)}
    broken_files = {case["file"] for case in appeal_cases}
    for case in appeal_cases:
        report = check(landing / case["file"], "appeals")
        assert report.reason is None and report.violations == [(case["row"], case["column"], case["rule"])], case
        assert case["expected"] == c.QUARANTINED and case["rule"] in c.ROW_RULES
        # the broken row's appeal is delivered again, unchanged, by a later export that loads
        original = dict(report.rows[case["row"] - 1], **{case["column"]: case["original"]})
        later = [
            d
            for d in exports[position[case["file"]] + 1 :]
            if d["kind"] != "duplicate" and d["file"] not in broken_files
        ]
        assert any(
            any(
                r["appeal_id"] == case["appeal_id"] and r == original
                for r in check(landing / d["file"], "appeals").rows
            )
            for d in later
        ), case
    truth = [json.loads(line) for line in (truth_dir / "appeals.jsonl").open(encoding="utf-8")]
    assert all(t["reason"] == t["intended_reason"] for t in truth)
    assert len(truth) > 40


def test_some_decisions_arrive_after_their_quarter_was_published_and_no_export_after_the_other_sources(s_defects):
    truth = [json.loads(line) for line in (s_defects.truth / "appeals.jsonl").open(encoding="utf-8")]
    late = [t for t in truth if t["decision_after_quarter_close"]]
    assert late and all(t["quarter"] == "2025-Q1" for t in late)
    for t in late:
        # published within four weeks of the quarter's end: the decision arrives after that
        assert datetime.fromisoformat(t["decision_arrives_at"]) > datetime.fromisoformat("2025-04-29T00:00:00+00:00")
    with (s_defects.truth / "deliveries.csv").open(encoding="utf-8") as f:
        deliveries = list(csv.DictReader(f))
    last_other = max(d["arrived_at"] for d in deliveries if d["source"] != "appeals")
    assert max(d["arrived_at"] for d in deliveries if d["source"] == "appeals") <= last_other
    # open_past_due counts from the latest arrival of the landing zone
    latest = datetime.fromisoformat(last_other)
    for t in truth:
        filed = datetime.fromisoformat(t["filed_at"])
        assert t["open_past_due"] == (
            t["admissible"] and t["outcome"] == "open" and latest - filed > timedelta(days=14)
        ), t
