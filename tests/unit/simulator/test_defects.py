"""Every injected case is really in the files, with the outcome the manifest says, and nothing else is broken."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections import defaultdict

from simulator_contract import KEYS, SPEC, check_file

from service_quality.simulator import cases as c


def _snapshot_codes(zone, source: str, column: str) -> set[str]:
    codes = set()
    for d in zone.deliveries():
        if d["source"] == source:
            report = check_file(zone.landing / d["file"], source)
            codes.update(r[column] for r in report.rows)
    return codes


def test_every_case_kind_is_injected_with_a_canonical_outcome(xs_defects):
    cases = xs_defects.cases()
    others = {case["case"] for case in cases if case["source"] != "appeals"}
    assert others == set(c.ALL_CASES) | set(c.CONTENT_CASES)
    # the appeals exports get their own kinds (a quarter of XS has few exports long enough for a row case)
    assert {case["case"] for case in cases if case["source"] == "appeals"} <= {*c.APPEAL_CASES, c.CASE_FREE_TEXT_PII}
    for case in cases:
        assert case["expected"] in c.OUTCOMES
        if case["expected"] == c.REJECTED:
            assert case["reason"] in c.DELIVERY_REASONS and case["row"] is None
        elif case["expected"] == c.QUARANTINED:
            assert case["rule"] in c.ROW_RULES and case["row"] >= 1
            assert (case["column"] is None) == (case["rule"] == c.RULE_MALFORMED_LINE), case
        elif case["expected"] == c.LOADED_FLAGGED:
            assert case["rule"] in c.FLAGS and case["row"] >= 1
    manifest = xs_defects.manifest()
    assert sum(manifest["cases"].values()) == len(cases) == xs_defects.summary.cases
    # the share asked for is met on top of the one-of-each cases
    eligible = [d for d in xs_defects.deliveries() if d["kind"] in ("regular", "late", "snapshot")]
    assert len(cases) >= len(c.ALL_CASES) + 0.02 * len(eligible)


def test_each_case_is_present_and_has_its_expected_outcome(xs_defects):
    zone = xs_defects
    deliveries = {d["file"]: d for d in zone.deliveries()}
    stores = _snapshot_codes(zone, "stores", "store_code")
    employees = _snapshot_codes(zone, "employees", "employee_code")
    for case in zone.cases():
        d = deliveries[case["file"]]
        path = zone.landing / case["file"]
        report = check_file(path, case["source"])
        where = f"{case['case']} in {case['file']}"
        if case["expected"] == c.REJECTED:
            assert report.reason == case["reason"], where
            if case["reason"] == c.REASON_MISSING_COLUMN and case["column"]:
                assert report.column == case["column"], where
            if case["case"] == c.CASE_SEMICOLON:
                assert len(report.header) == 1 and ";" in report.header[0], where
            if case["case"] == c.CASE_ENCODING:
                (path.read_bytes()).decode("cp1251")  # it is valid cp1251 ...
            if case["case"] == c.CASE_TOO_MANY_BAD_ROWS:
                assert sorted({v[0] for v in report.violations}) == case["bad_rows"], where
            continue
        assert report.reason is None, f"{where}: rejected with {report.reason}"
        if case["expected"] == c.QUARANTINED:
            assert report.violations == [(case["row"], case["column"], case["rule"])], where
            if case["rule"] == c.RULE_MALFORMED_LINE:
                raw = path.read_bytes()
                raw = gzip.decompress(raw) if path.name.endswith(".gz") else raw
                assert raw.decode("utf-8").split("\n")[case["row"]] == case["value"], where
            else:
                assert report.rows[case["row"] - 1][case["column"]] == case["value"], where
        elif case["expected"] == c.LOADED_FLAGGED:
            assert report.violations == [], where
            value = report.rows[case["row"] - 1][case["column"]]
            assert value == case["value"]
            assert value not in (stores if case["rule"] == c.FLAG_UNKNOWN_STORE else employees), where
        else:
            assert report.violations == [], where
            kind = case["case"]
            if kind == c.CASE_BOM:
                assert report.has_bom, where
            elif kind == c.CASE_EXTRA_COLUMN:
                assert report.extra_columns == [case["column"]], where
            elif kind == c.CASE_COLUMN_ORDER:
                assert report.header != list(SPEC[case["source"]]) and set(report.header) == set(SPEC[case["source"]])
            elif kind == c.CASE_COLUMN_CASE:
                raw = path.read_bytes()
                raw = gzip.decompress(raw) if path.name.endswith(".gz") else raw
                first_line = raw.decode("utf-8").split("\n", 1)[0]
                assert first_line != ",".join(SPEC[case["source"]]) and report.header == list(SPEC[case["source"]])
            elif kind == c.CASE_REDELIVERY:
                original = zone.landing / case["duplicate_of"]
                assert path.read_bytes() == original.read_bytes() and path.name != original.name
                assert deliveries[case["duplicate_of"]]["arrived_at"] < d["arrived_at"]
            elif kind == c.CASE_DUPLICATE_KEY:
                later, earlier = report.rows[case["row"] - 1], report.rows[case["superseded_row"] - 1]
                key = KEYS[case["source"]]
                assert [later[k] for k in key] == [earlier[k] for k in key]
                assert later[case["column"]] == case["value"] != earlier[case["column"]], where
            elif kind == c.CASE_FREE_TEXT_PII:
                assert report.rows[case["row"] - 1][case["column"]] == case["value"], where


def test_nothing_is_broken_that_the_manifest_does_not_list(xs_defects):
    zone = xs_defects
    listed_files = defaultdict(list)
    for case in zone.cases():
        listed_files[case["file"]].append(case)
    for d in zone.deliveries():
        report = check_file(zone.landing / d["file"], d["source"])
        cases = listed_files.get(d["file"], [])
        if report.reason is not None:
            assert [case["reason"] for case in cases] == [report.reason], d["file"]
            continue
        quarantined = {
            (case["row"], case["column"], case["rule"]) for case in cases if case["expected"] == c.QUARANTINED
        }
        assert set(report.violations) == quarantined, d["file"]
        if report.extra_columns:
            assert [case["case"] for case in cases] == [c.CASE_EXTRA_COLUMN], d["file"]


def test_row_defects_stay_under_the_bad_row_threshold(xs_defects):
    bad_rows = defaultdict(set)
    for case in xs_defects.cases():
        if case["expected"] == c.QUARANTINED:
            bad_rows[case["file"]].add(case["row"])
    deliveries = {d["file"]: d for d in xs_defects.deliveries()}
    for file, rows in bad_rows.items():
        assert len(rows) / int(deliveries[file]["rows"]) <= 0.07, file


def test_clean_rows_around_a_defect_are_untouched(xs_clean, xs_defects):
    """Injection edits only what it reports: other rows of an edited file are byte-identical to the clean run."""
    for case in xs_defects.cases():
        if case["expected"] != c.QUARANTINED or case["file"].endswith(".jsonl"):
            continue
        clean, dirty = (zone.landing / case["file"] for zone in (xs_clean, xs_defects))
        read = (lambda p: gzip.decompress(p.read_bytes())) if clean.name.endswith(".gz") else (lambda p: p.read_bytes())
        clean_rows = list(csv.reader(io.StringIO(read(clean).decode("utf-8"))))
        dirty_rows = list(csv.reader(io.StringIO(read(dirty).decode("utf-8"))))
        assert len(clean_rows) == len(dirty_rows)
        differing = [i for i, (a, b) in enumerate(zip(clean_rows, dirty_rows, strict=True)) if a != b]
        allowed = {case["row"]}
        assert set(differing) <= allowed and differing, case["file"]


def test_identical_bytes_only_where_a_duplicate_is_declared(xs_clean, xs_defects):
    """The ingestion recognises a delivery by its content hash: equal bytes must be meant as a re-delivery."""
    for zone in (xs_clean, xs_defects):
        seen: dict[tuple[str, str], str] = {}
        for d in sorted(zone.deliveries(), key=lambda d: (d["arrived_at"], d["file"])):
            key = (d["source"], hashlib.sha256((zone.landing / d["file"]).read_bytes()).hexdigest())
            if key in seen:
                assert d["kind"] in ("duplicate", "snapshot") and d["duplicate_of"] == seen[key], d["file"]
            else:
                seen[key] = d["file"]


def test_personal_data_in_free_text_is_in_the_files_and_its_truth_says_what_to_store(xs_defects):
    from service_quality.ingest.scrub import scrub

    cases = [case for case in xs_defects.cases() if case["case"] == c.CASE_FREE_TEXT_PII]
    assert {case["source"] for case in cases} == {"surveys", "audit_answers", "appeals"}
    kinds = {pii["kind"] for case in cases for pii in case["pii"]}
    assert kinds == {"email", "phone", "card"}, kinds
    others = {case["file"] for case in xs_defects.cases() if case["case"] != c.CASE_FREE_TEXT_PII}
    for case in cases:
        where = f"{case['file']} row {case['row']}"
        assert case["file"] not in others and case["expected"] == c.ACCEPTED, where
        report = check_file(xs_defects.landing / case["file"], case["source"])
        assert report.violations == [] and report.reason is None, where
        assert report.rows[case["row"] - 1][case["column"]] == case["value"], where
        for pii in case["pii"]:
            assert pii["text"] in case["value"] and pii["text"] not in case["scrubbed"], where
        # The scrubber makes of the delivered text exactly what the truth says the warehouse holds.
        assert scrub(case["value"]) == case["scrubbed"], where
