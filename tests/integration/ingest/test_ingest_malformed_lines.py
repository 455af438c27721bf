"""A malformed line is a row error, not a rejected file (DATA_CONTRACTS.md): a field count that differs from the
header, or a field longer than 64 KiB, is quarantined with rule ``malformed_line`` and the line's text (cut to
64 KiB); the rest of the delivery loads, and the line counts against the bad-row threshold. Files parsed in
Python (surveys: contact fields to hash) and files passed through to COPY (sales) behave the same."""

from __future__ import annotations

import pytest
from ingest_helpers import SALES_HEADER, SURVEY_HEADER, query, sales_line

from service_quality.ingest.deliveries import ingest_source
from service_quality.ingest.reader import MAX_FIELD_BYTES

pytestmark = pytest.mark.integration


def _survey(response_id: str, comment: str = "") -> str:
    return (
        f"{response_id},2025-02-07T10:00:00+03:00,2025-02-07T12:00:00+03:00,S-001,,,web,9,5,,{comment},ru,"
        "anna@example.com,"
    )


def _quarantine(warehouse, source: str) -> list[tuple]:
    return query(
        warehouse,
        f"select row_number, column_name, rule, value, message, record from quarantine.{source} order by row_number",
    )


def test_one_malformed_line_among_200_survey_rows_is_quarantined_and_199_load(warehouse, landing_zone, settings):
    lines = [_survey(f"R{i:03d}") for i in range(1, 201)]
    lines[116] = _survey("R117", "Быстро, вежливо")  # the comma needs quotes: one field too many
    landing_zone.write("surveys/2025-02-07/export.csv", "\n".join([SURVEY_HEADER, *lines]) + "\n")

    [result] = ingest_source("surveys", settings.landing_root, warehouse, settings)

    assert (result["status"], result["rows_read"], result["rows_loaded"], result["rows_quarantined"]) == (
        "loaded",
        200,
        199,
        1,
    ), result
    [(row, column, rule, value, message, _)] = _quarantine(warehouse, "surveys")
    assert (row, column, rule) == (117, None, "malformed_line")
    # the line as delivered, except its contact field, which quarantine must not hold in clear either
    assert value.startswith("R117,2025-02-07T10:00:00+03:00,") and "Быстро, вежливо" in value
    assert "anna@example.com" not in value and "[email]" in value
    assert "surveys/2025-02-07/export.csv row 117" in message and "malformed line" in message
    assert query(warehouse, "select count(*), count(*) filter (where response_id = 'R117') from raw.surveys") == [
        (199, 0)
    ]
    assert query(warehouse, "select rows_read, rows_loaded, rows_quarantined, status from ops.deliveries") == [
        (200, 199, 1, "loaded")
    ]


def test_a_passed_through_file_with_a_malformed_line_is_parsed_instead_of_rejected(
    warehouse, landing_zone, gx_settings
):
    """Sales go through COPY as delivered; COPY stops at the ragged line, the file is parsed and loads. GX runs
    too: it never sees the malformed line and still agrees with the routing."""
    lines = [sales_line(f"T{i:03d}") for i in range(1, 41)]
    lines[9] = lines[9] + ",extra"  # a field too many
    lines[19] = "T020,1,S-001"  # fields missing
    landing_zone.write("sales/2025/01/03/sales.csv", "\n".join([SALES_HEADER, *lines]) + "\n")

    [result] = ingest_source("sales", gx_settings.landing_root, warehouse, gx_settings)

    assert (result["status"], result["rows_loaded"], result["rows_quarantined"]) == ("loaded", 38, 2), result
    assert result["gx_success"] is not None  # GX ran, and agreed with the routing (or the load would fail)
    quarantined = _quarantine(warehouse, "sales")
    assert [(r[0], r[1], r[2], r[3]) for r in quarantined] == [
        (10, None, "malformed_line", lines[9]),
        (20, None, "malformed_line", "T020,1,S-001"),
    ]
    assert query(warehouse, "select count(*) from raw.sales") == [(38,)]


def test_a_field_longer_than_64_kib_makes_its_line_malformed(warehouse, landing_zone, settings):
    huge = "x" * (200 * 1024)  # above Python's default csv field limit (128 KiB) as well
    surveys = [_survey(f"R{i:02d}") for i in range(1, 31)]
    surveys[4] = _survey("R05", f'"{huge}"')
    landing_zone.write("surveys/2025-02-07/export.csv", "\n".join([SURVEY_HEADER, *surveys]) + "\n")
    sales = [sales_line(f"T{i:02d}") for i in range(1, 31)]
    sales[6] = sales_line("T07", sku=huge)  # COPY would take it: the loader sees the long line, parses the file
    landing_zone.write("sales/2025/01/03/sales.csv", "\n".join([SALES_HEADER, *sales]) + "\n")
    # a quoted field with line breaks is long in short lines: COPY takes it, the fields are measured after
    quoted = [sales_line(f"U{i:02d}") for i in range(1, 31)]
    quoted[7] = sales_line("U08", sku='"' + "\n".join(["z" * 1000] * 70) + '"')
    landing_zone.write("sales/2025/01/04/sales.csv", "\n".join([SALES_HEADER, *quoted]) + "\n")
    ok = "y" * (MAX_FIELD_BYTES - 1)  # just below the limit: a field like any other
    surveys_ok = [_survey("Q01", ok), _survey("Q02")]
    landing_zone.write("surveys/2025-02-08/export.csv", "\n".join([SURVEY_HEADER, *surveys_ok]) + "\n")

    results = {
        r["path"]: r
        for source in ("surveys", "sales")
        for r in ingest_source(source, settings.landing_root, warehouse, settings)
    }

    assert results["surveys/2025-02-07/export.csv"]["rows_quarantined"] == 1
    assert results["sales/2025/01/03/sales.csv"]["rows_quarantined"] == 1
    assert results["sales/2025/01/04/sales.csv"]["rows_quarantined"] == 1
    assert results["surveys/2025-02-08/export.csv"]["rows_loaded"] == 2
    found = _quarantine(warehouse, "surveys") + _quarantine(warehouse, "sales")
    assert [(r[0], r[1], r[2], r[3][:4]) for r in found] == [
        (5, None, "malformed_line", "R05,"),
        (7, None, "malformed_line", "T07,"),
        (8, None, "malformed_line", "U08,"),  # the fields joined by commas, as the line cannot be rebuilt
    ]
    for _, _, _, value, _, _ in found:
        assert MAX_FIELD_BYTES - 100 < len(value.encode()) <= MAX_FIELD_BYTES  # cut, not dropped
    assert query(warehouse, "select max(octet_length(comment)) from raw.surveys") == [(MAX_FIELD_BYTES - 1,)]
    assert query(warehouse, "select count(*), max(octet_length(sku)) from raw.sales") == [(58, 5)]


def test_malformed_lines_count_against_the_bad_row_threshold(warehouse, landing_zone, settings):
    lines = [_survey(f"R{i:02d}") for i in range(1, 21)]
    for i in (2, 5, 8):  # 3 of 20: 15 %, above the 10 % threshold
        lines[i] += ",surplus"
    landing_zone.write("surveys/2025-02-07/export.csv", "\n".join([SURVEY_HEADER, *lines]) + "\n")

    [result] = ingest_source("surveys", settings.landing_root, warehouse, settings)

    assert (result["status"], result["rejection_reason"]) == ("rejected", "too_many_bad_rows")
    assert "3 of 20 rows" in result["message"] and "malformed_line (3)" in result["message"]
    assert query(warehouse, "select count(*) from raw.surveys") == [(0,)]
    assert query(warehouse, "select count(*) from quarantine.surveys") == [(0,)]


def test_a_file_that_cannot_be_read_is_still_rejected(warehouse, landing_zone, settings):
    lines = [_survey(f"R{i:02d}") for i in range(1, 21)]
    data = ("\n".join([SURVEY_HEADER, *lines]) + "\n").encode() + "R21,Привет".encode("cp1251") + b"\n"
    landing_zone.write("surveys/2025-02-07/export.csv", data)

    [result] = ingest_source("surveys", settings.landing_root, warehouse, settings)

    assert (result["status"], result["rejection_reason"]) == ("rejected", "encoding")
