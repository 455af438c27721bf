"""The free-text scrubber on a labelled set of comments (ru and en): every e-mail, phone and card number
replaced, every look-alike (order and receipt numbers, dates, times, prices, quantities) left as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service_quality.ingest.scrub import scrub

CASES_FILE = Path(__file__).with_name("scrub_cases.tsv")


def _cases() -> list[tuple[str, str, str, str]]:
    lines = [line for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    header, *rows = lines
    assert header.split("\t") == ["kind", "lang", "text", "expected"]
    return [tuple(row.split("\t")) for row in rows]  # type: ignore[misc]


CASES = _cases()

#: What personal data looks like once written down, independent of the scrubber's own patterns.
LEFTOVER = {
    "email": re.compile(r"\S+\s?(@|\(at\)|\[at\])\s?\S+\.\w{2,}"),
    "phone": re.compile(
        r"\+\s?\d|(?<![\d-])\d{3}[ ).-]{0,2}\d{3}[ .-]?\d{2}[ -]?\d{2}(?![\d-])|(?<![\d-])\d{3}-\d{2}-\d{2}(?![\d-])"
    ),
    "card": re.compile(r"(?:\d[ -]?){13,19}"),
}


def test_the_labelled_set_is_large_and_mixed():
    assert len(CASES) >= 200
    kinds = {(kind, lang) for kind, lang, _, _ in CASES}
    assert {(k, lang) for k in ("email", "phone", "card", "lookalike") for lang in ("ru", "en")} <= kinds
    assert sum(kind == "lookalike" for kind, *_ in CASES) >= 80
    for kind, _, text, expected in CASES:
        assert (text == expected) == (kind == "lookalike"), text


@pytest.mark.parametrize(("kind", "lang", "text", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_scrub(kind, lang, text, expected):
    assert scrub(text) == expected
    if kind != "lookalike":
        assert f"[{kind}]" in scrub(text)
        assert not LEFTOVER[kind].search(scrub(text).replace(f"[{kind}]", "")), scrub(text)


def test_empty_and_missing_text_pass_through():
    assert scrub(None) is None
    assert scrub("") == ""


def test_scrubbing_again_changes_nothing():
    for _, _, text, _ in CASES:
        once = scrub(text)
        assert scrub(once) == once


def test_the_contracts_name_the_free_text_columns():
    from service_quality.contracts import CONTRACTS

    free_text = {(c.source, column) for c in CONTRACTS.values() for column in c.free_text_columns}
    assert free_text == {("surveys", "comment"), ("audit_answers", "comment"), ("appeals", "reason")}


def test_found_names_what_scrub_replaces_and_nothing_else():
    from service_quality.ingest.scrub import found

    assert found("позвоните +7 916 123-45-67 или anna@example.com") == ["email", "phone"]
    assert found("карта 4276 3800 1234 5679") == ["card"]  # passes Luhn
    assert found("заказ 1234567 от 12.03.2025 на 1 499,00 ₽") == []
    assert found(None) == [] and found("") == []
    for text in ("[phone] и [email]", scrub("+1 415 555 0100, ivan@mail.ru")):
        assert found(text) == []
