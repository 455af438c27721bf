"""A clean simulated landing zone is exactly what DATA_CONTRACTS.md describes."""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

from simulator_contract import KEYS, SPEC, check_file, offset_of

from service_quality.simulator.checklist import load_checklist

SOURCES = tuple(SPEC)


def _read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_every_clean_file_passes_the_contract(xs_clean):
    deliveries = xs_clean.deliveries()
    assert {d["source"] for d in deliveries} == set(SOURCES)
    for d in deliveries:
        path = xs_clean.landing / d["file"]
        report = check_file(path, d["source"])
        assert report.reason is None, f"{d['file']}: rejected ({report.reason}, {report.column})"
        assert report.violations == [], f"{d['file']}: {report.violations[:5]}"
        assert report.extra_columns == [] and not report.has_bom, d["file"]
        if d["format"] != "jsonl":
            assert report.header == list(SPEC[d["source"]]), f"{d['file']}: header not in contract order"
        assert len(report.rows) == int(d["rows"]) > 0, d["file"]
        keys = [tuple(r[k] for k in KEYS[d["source"]]) for r in report.rows]
        assert len(keys) == len(set(keys)), f"{d['file']}: a key repeats in a clean file"


def test_files_land_by_arrival_date_with_arrival_as_mtime(xs_clean):
    listed = set()
    for d in xs_clean.deliveries():
        path = xs_clean.landing / d["file"]
        arrived = datetime.fromisoformat(d["arrived_at"])
        assert path.stat().st_mtime == arrived.timestamp(), d["file"]
        assert d["file"].startswith(f"{d['source']}/{arrived:%Y/%m/%d}/"), d["file"]
        listed.add(d["file"])
    on_disk = {p.relative_to(xs_clean.landing).as_posix() for p in xs_clean.landing.rglob("*") if p.is_file()}
    assert on_disk == listed
    formats = {d["format"] for d in xs_clean.deliveries()}
    assert formats == {"csv", "csv.gz", "jsonl"}


def test_codes_refer_to_the_roster_and_times_to_the_store_zone(xs_clean):
    """Facts name known stores and employees, are covered by an assignment, and use the store's offset."""
    by_source = defaultdict(list)
    for d in xs_clean.deliveries():
        by_source[d["source"]].append(d)
    stores = {}
    for d in by_source["stores"]:
        stores.update({r["store_code"]: r for r in _read_csv(xs_clean.landing / d["file"])})
    employees = set()
    for d in by_source["employees"]:
        employees.update(r["employee_code"] for r in _read_csv(xs_clean.landing / d["file"]))
    assignments = {}
    for d in sorted(by_source["assignments"], key=lambda d: d["arrived_at"]):
        for r in _read_csv(xs_clean.landing / d["file"]):
            assignments[(r["employee_code"], r["valid_from"])] = r
    covered = defaultdict(list)
    for (code, valid_from), r in assignments.items():
        covered[code].append((r["store_code"], date.fromisoformat(valid_from), r["valid_to"]))

    def assigned(code: str, store: str, day: date) -> bool:
        return any(
            s == store and start <= day and (not end or day <= date.fromisoformat(end))
            for s, start, end in covered[code]
        )

    checklist = load_checklist()
    visit_versions = {}
    for d in by_source["shifts"] + by_source["sales"] + by_source["traffic"] + by_source["audit_visits"]:
        for r in _read_csv(xs_clean.landing / d["file"]):
            store = r["store_code"]
            assert store in stores, f"{d['file']}: unknown store {store}"
            moment = r.get("sold_at") or r.get("hour_start") or r.get("visited_at")
            if moment:
                day = date.fromisoformat(moment[:10])
                assert moment.endswith(offset_of(stores[store]["timezone"], day)), f"{d['file']}: {moment} for {store}"
            else:
                day = date.fromisoformat(r["work_date"])
            code = r.get("employee_code")
            if code:
                assert code in employees, f"{d['file']}: unknown employee {code}"
                assert assigned(code, store, day), f"{d['file']}: {code} not assigned to {store} on {day}"
            if d["source"] == "audit_visits":
                assert r["checklist_version"] in checklist.versions
                visit_versions[r["visit_id"]] = r["checklist_version"]
    for d in by_source["audit_answers"]:
        for r in _read_csv(xs_clean.landing / d["file"]):
            questions = {q.code: q for q in checklist.versions[visit_versions[r["visit_id"]]]}
            question = questions[r["question_code"]]
            allowed = {"yes", "no", "na"} if question.answer_type == "yes_no" else {"na", "0", "1", "2", "3", "4", "5"}
            assert r["answer"] in allowed, f"{d['file']}: {r}"


def test_audit_answers_cover_the_visit_checklist(xs_clean):
    checklist = load_checklist()
    answers = defaultdict(set)
    versions = {}
    for d in xs_clean.deliveries():
        if d["source"] == "audit_answers":
            for r in _read_csv(xs_clean.landing / d["file"]):
                answers[r["visit_id"]].add(r["question_code"])
        elif d["source"] == "audit_visits":
            for r in _read_csv(xs_clean.landing / d["file"]):
                versions[r["visit_id"]] = r["checklist_version"]
    assert versions and set(answers) == set(versions)
    for visit_id, version in versions.items():
        assert answers[visit_id] == {q.code for q in checklist.versions[version]}, visit_id


def test_snapshots_arrive_before_the_facts_of_their_day(xs_clean):
    deliveries = xs_clean.deliveries()
    first = min(datetime.fromisoformat(d["arrived_at"]) for d in deliveries if d["kind"] != "snapshot")
    first_snapshot = min(datetime.fromisoformat(d["arrived_at"]) for d in deliveries if d["kind"] == "snapshot")
    assert first_snapshot < first
    assert first_snapshot.tzinfo == UTC
