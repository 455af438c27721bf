"""The contracts and what is derived from them: SQL checks, GX suites, readers (no database needed)."""

from __future__ import annotations

import gzip
import io

import pytest

from service_quality.contracts import CONTRACTS, DELIVERY_REASONS, ROW_RULES, SOURCES, contract
from service_quality.ingest.errors import DeliveryRejected
from service_quality.ingest.reader import MAX_FIELD_BYTES, LineWatch, Reader, cut, pii_hasher
from service_quality.ingest.sql.rules import Compiler


def test_ten_sources_with_keys_that_are_columns():
    assert SOURCES == (
        "stores",
        "employees",
        "assignments",
        "shifts",
        "sales",
        "traffic",
        "surveys",
        "audit_visits",
        "audit_answers",
        "appeals",
    )
    for c in CONTRACTS.values():
        assert set(c.primary_key) <= set(c.names), c.source
        assert c.asset_uri == f"postgres://warehouse/warehouse/raw/{c.source}"


def test_rule_names_match_the_simulator_manifest():
    from service_quality.simulator import cases

    assert set(ROW_RULES) == set(cases.ROW_RULES)
    assert set(DELIVERY_REASONS) == set(cases.DELIVERY_REASONS)


@pytest.mark.parametrize("source", SOURCES)
def test_every_check_has_a_canonical_rule_and_a_message(source):
    c = contract(source)
    checks = Compiler(c, {n: n for n in c.names}, timezones=("UTC",)).checks()
    assert checks
    for check in checks:
        assert check.rule in ROW_RULES
        assert check.column in c.names
        assert check.message
    required = {chk.column for chk in checks if chk.rule == "required"}
    assert required == set(c.required_columns)


def test_gx_suite_has_one_expectation_per_check_plus_the_delivery_rules():
    from service_quality.ingest.validate import _suite

    c = contract("sales")
    present = {n: n for n in c.names}
    suite = _suite("sales", present, ())
    checks = Compiler(c, present).checks()
    metas = [e.meta for e in suite.expectations]
    assert sum(1 for m in metas if m["rule"] in ROW_RULES) == len(checks)
    assert sum(1 for m in metas if m["rule"] == "missing_column") == len(c.required_columns)


def _reader(source: str, name: str, key: bytes | None = b"k") -> Reader:
    return Reader(contract(source), f"{source}/{name}", 16, key)


def test_header_is_matched_case_insensitively_after_trimming_and_extras_are_kept_aside():
    data = b"\xef\xbb\xbf Store_Code ,STORE_NAME,region,city,format,timezone,opened_on,Manager\nS-1,a,b,c,hotel,UTC,2020-01-01,x\n"
    layout, rest = _reader("stores", "a.csv").read_csv_header(io.BytesIO(data))
    assert layout.present["store_code"] == "store_code"
    assert layout.extra_headers == ["Manager"]
    assert rest.startswith(b"S-1")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty_file"),
        (b"\xef\xbb\xbf\n\n", "empty_file"),
        (b"store_code,store_name\nS-1,a\n", "missing_column"),
        (b"store_code;store_name\n", "missing_column"),
        (b"\xff\xfe\x00s\x00t\n", "encoding"),
    ],
)
def test_header_problems_reject_the_delivery(data, reason):
    with pytest.raises(DeliveryRejected) as exc:
        _reader("stores", "a.csv").read_csv_header(io.BytesIO(data))
    assert exc.value.reason == reason
    assert "stores/a.csv" in exc.value.message


def test_truncated_gzip_is_unreadable():
    header = b"store_code,store_name,region,city,format,timezone,opened_on\n"
    blob = gzip.compress(header + b"S-1,a,b,c,hotel,UTC,2020-01-01\n" * 10_000)[:200]
    reader = _reader("stores", "a.csv.gz")
    stream = gzip.GzipFile(fileobj=io.BytesIO(blob))
    with pytest.raises(DeliveryRejected) as exc:
        layout, rest = reader.read_csv_header(stream)
        list(reader.csv_passthrough(stream, rest))
    assert exc.value.reason == "unreadable"


def test_pii_hash_is_keyed_normalised_and_not_reversible():
    a, b = pii_hasher(b"key-a"), pii_hasher(b"key-b")
    assert a("customer_email", " Anna@Example.COM ") == a("customer_email", "anna@example.com")
    assert a("customer_phone", "+7 (900) 123-45-67") == a("customer_phone", "+79001234567")
    assert a("customer_email", "anna@example.com") != b("customer_email", "anna@example.com")
    assert "anna" not in a("customer_email", "anna@example.com")
    assert a("customer_email", "") is None


def test_parsed_csv_rows_hash_pii_and_keep_quoted_line_breaks():
    header = "response_id,visited_at,submitted_at,store_code,channel,comment,customer_email\n"
    data = (header + 'R1,a,b,S,sms,"two\nlines",Anna@Example.com\nR2,a,b,S,sms,"",\n').encode()
    reader = _reader("surveys", "s.csv")
    stream = io.BytesIO(data)
    layout, rest = reader.read_csv_header(stream)
    assert reader.needs_parsing(layout)
    rows = list(reader.csv_rows(stream, rest, layout))
    digest = pii_hasher(b"k")("customer_email", "anna@example.com")
    assert rows == [  # each row ends with its _malformed value
        ("R1", "a", "b", "S", "sms", "two\nlines", digest, None),
        ("R2", "a", "b", "S", "sms", None, None, None),
    ]


def test_parsed_csv_rows_scrub_free_text_and_turn_malformed_lines_into_rows():
    header = "visit_id,question_code,answer,comment\n"
    long_field = "x" * (MAX_FIELD_BYTES + 1)
    data = (
        header
        + "V1,Q1,yes,позвоните +7 916 123-45-67 или anna@example.com по заказу 12345\n"
        + "V2,Q1,yes,a comma, too many\n"  # 5 fields for 4
        + "V3,Q1\n"  # 2 fields for 4
        + f"V4,Q1,yes,{long_field}\n"
        + 'V5,Q1,yes,"stray "quote"\n'
        + "V6,Q1,no,\n"
    ).encode()
    reader = _reader("audit_answers", "a.csv")
    stream = io.BytesIO(data)
    layout, rest = reader.read_csv_header(stream)
    assert reader.needs_parsing(layout) and not reader.has_pii(layout)  # free text alone takes the parser
    rows = list(reader.csv_rows(stream, rest, layout))
    blank = (None, None, None, None)
    assert rows[0] == ("V1", "Q1", "yes", "позвоните [phone] или [email] по заказу 12345", None)
    assert rows[1] == (*blank, "V2,Q1,yes,a comma, too many")
    assert rows[2] == (*blank, "V3,Q1")
    assert rows[3][:4] == blank and rows[3][4].startswith("V4,Q1,yes,xxx")
    assert len(rows[3][4].encode()) == MAX_FIELD_BYTES
    assert rows[4] == (*blank, 'V5,Q1,yes,"stray "quote"')
    assert rows[5] == ("V6", "Q1", "no", None, None)
    assert reader.malformed_lines == 4


def test_a_malformed_line_keeps_no_personal_data():
    data = b"visit_id,question_code,answer,comment\nV1,Q1,yes,call +7 916 123-45-67, or mail anna@example.com\n"
    reader = _reader("audit_answers", "a.csv")
    stream = io.BytesIO(data)
    layout, rest = reader.read_csv_header(stream)
    [row] = list(reader.csv_rows(stream, rest, layout))
    assert row[-1] == "V1,Q1,yes,call [phone], or mail [email]"


def test_cut_keeps_whole_characters():
    text = "я" * MAX_FIELD_BYTES  # two bytes each
    cut_text = cut(text)
    assert len(cut_text.encode()) == MAX_FIELD_BYTES and cut_text == "я" * (MAX_FIELD_BYTES // 2)
    assert cut("short") == "short"


def _watch(*chunks: bytes) -> tuple[bool, bool]:
    watch = LineWatch()
    return any(watch.long_line(chunk) for chunk in chunks), watch.quoted


def test_line_watch_sees_every_line_longer_than_the_field_limit():
    short = b"a,b,c\n" * 50_000  # 300 KB of short lines
    limit = MAX_FIELD_BYTES
    assert _watch(short, short) == (False, False)
    assert _watch(b"x" * limit + b"\n" + short) == (False, False)  # exactly the limit
    assert _watch(b"x" * (limit + 1) + b"\n")[0]
    assert _watch(short + b"x" * (limit + 1) + b"\n" + short)[0]  # in the middle of a chunk
    assert _watch(short + b"x" * 40_000, b"y" * 40_000 + b"\n" + short)[0]  # across chunks
    assert _watch(b"x" * 40_000, b"y" * 40_000)[0]  # no line break at all
    assert not _watch(short + b"x" * 30_000, b"y" * 30_000 + b"\n")[0]
    assert _watch(b'a,"b\nc",d\n') == (False, True)
