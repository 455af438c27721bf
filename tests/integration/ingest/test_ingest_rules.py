"""The loader's one-pass row verdict against the per-rule checks, evaluated by PostgreSQL on awkward values.

The loader inserts the rows for which ``Compiler.row_is_valid`` holds and quarantines the others rule by
rule with ``Compiler.checks``; the two are written differently (one type test per column, cross-column
rules only for castable rows), so they must agree on every row, whatever the text.
"""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from service_quality.contracts import CONTRACTS, SOURCES, Column
from service_quality.ingest.sql.rules import Compiler, ident

TIMEZONES = ("Europe/Moscow", "UTC")

# Per type: values that pass first (so that many rows pass every rule and cross-column rules are reached),
# then edge cases and garbage. None is an empty cell.
VALUES = {
    "integer": ["1", "0", "2", "7", "-3", "+4", "123456789", "1234567890", "1.5", "00", "+-1", " 1", "x", "", None],
    "decimal": ["0", "1", "2.50", "0.5", ".5", "5.", ".", "-0.01", "+1.00", "1e3", "1,5", "999999999999", "--1", None],
    "date": ["2025-03-01", "2024-02-29", "2025-02-29", "2025-04-31", "2025-13-01", "0999-01-01", "2025-1-01", None],
    "timestamptz": [
        "2025-03-01T10:00:00+03:00",
        "2025-03-01 11:00:00Z",
        "2025-03-01T10:30:15-05:00",
        "2025-03-01T10:00:00.123456+0530",
        "2025-03-01T10:00+03",
        "2025-03-01T10:00:00",
        "2025-03-01 10:00:00",
        "2025-02-29T10:00:00+00:00",
        "2024-02-29T23:59:59Z",
        "2025-03-01T24:00:00+00:00",
        "2025-03-01T10:00:00+24:00",
        "0999-03-01T10:00:00Z",
        "yesterday",
        None,
    ],
    "boolean": ["true", "FALSE", "yes", "1", None],
}


def _pool(col: Column) -> list[str | None]:
    if col.type != "text":
        return VALUES[col.type]
    if col.enum is not None:
        allowed = list(TIMEZONES) if isinstance(col.enum, str) else list(col.enum)
        return [*allowed, "Mars/Olympus", "YES", "", None]
    if col.pattern:
        return ["KGD-001", "E000020", "A1", "kgd-001", "-X", "X", "A" * 21, None]
    return ["x", "Текст", None]


def _rows(columns: list[Column], n: int, seed: int) -> list[tuple[str | None, ...]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        # mostly the first, valid values: enough clean rows for the cross-column rules to be evaluated
        rows.append(tuple(pool[0] if rng.random() < 0.6 else rng.choice(pool) for pool in map(_pool, columns)))
    return rows


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("optional_columns", ["present", "absent"])
def test_row_is_valid_is_exactly_no_check_broken(empty_db, source, optional_columns):
    c = CONTRACTS[source]
    columns = [col for col in c.columns if optional_columns == "present" or col.required]
    present = {col.name: col.name for col in columns}
    compiler = Compiler(c, present, alias="s", timezones=TIMEZONES)
    any_broken = " or ".join(f"({chk.broken})" for chk in compiler.checks()) or "false"
    names = ", ".join(ident(col.name) for col in columns)
    with empty_db.connect() as conn:
        conn.execute(f"create temp table t (n integer, {', '.join(f'{ident(col.name)} text' for col in columns)})")
        with conn.cursor().copy(f"copy t (n, {names}) from stdin") as copy:
            for i, row in enumerate(_rows(columns, 3000, seed=len(source))):
                copy.write_row((i, *row))
        verdicts = conn.execute(
            f"select {compiler.row_is_valid()}, {any_broken}, count(*) from t as s group by 1, 2 order by 1, 2"
        ).fetchall()
        differ = conn.execute(
            f"select s.* from t as s where ({compiler.row_is_valid()}) is distinct from not ({any_broken}) limit 5"
        ).fetchall()
    assert differ == []
    # rows fail, and with every column delivered rows pass too (without the optional ones, a source with
    # "one of these is required" has none that can), so the comparison says something
    outcomes = {valid for valid, _, _ in verdicts}
    assert outcomes == ({True, False} if optional_columns == "present" else outcomes | {False})


def _real_day(text: str) -> bool:
    try:
        date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return True


def _mutants(samples: list[str], n: int, seed: int) -> list[str]:
    """The samples, and copies with a character replaced, dropped or added: shapes and digits gone wrong."""
    rng = random.Random(seed)
    alphabet = "0123456789012345678901234569:-+T Zz.aé"
    out = list(samples)
    for _ in range(n):
        text = list(rng.choice(samples))
        at = rng.randrange(len(text))
        match rng.randrange(3):
            case 0:
                text[at] = rng.choice(alphabet)
            case 1:
                del text[at]
            case _:
                text.insert(at, rng.choice(alphabet))
        out.append("".join(text))
    return out


DAYS = ["2025-03-01", "2024-02-29", "2025-02-29", "2000-02-29", "1900-02-29", "2025-04-30", "2025-04-31", "1000-01-01"]
DAYS += ["0999-12-31", "2025-12-31", "2025-13-01", "2025-00-10", "2025-01-00", "2025-01-32", "9999-12-31"]
TIMES = ["T10:07:25+02:00", " 23:59:59-11:30", "T00:00:00Z", "T10:00:00z", "T24:00:00+00:00", "T10:60:00+00:00"]
TIMES += ["T10:00:60Z", "T10:00:00+24:00", "T10:00:00+03:60", "T10:00+03", "T10:00:00.123456+0530", "T10:00:00"]


def test_fast_type_tests_are_their_definitions(empty_db):
    """valid_timestamptz / valid_date against the regular expressions they stand for and a real calendar day."""
    from service_quality.ingest.sql.rules import TIMESTAMPTZ_RE, valid_date, valid_timestamptz

    stamps = _mutants([d + t for d in DAYS for t in TIMES], 6000, seed=1)
    days = _mutants(DAYS, 3000, seed=2)
    with empty_db.connect() as conn:
        got_stamps = conn.execute(
            f"select v, {valid_timestamptz('v')} from unnest(%s::text[]) as v", [stamps]
        ).fetchall()
        got_days = conn.execute(f"select v, {valid_date('v')} from unnest(%s::text[]) as v", [days]).fetchall()
    want_stamp = {v: bool(re.fullmatch(TIMESTAMPTZ_RE.strip("^$"), v)) and _real_day(v) for v in stamps}
    want_day = {v: bool(re.fullmatch(r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}", v)) and _real_day(v) for v in days}
    assert [v for v, ok in got_stamps if ok != want_stamp[v]] == []
    assert [v for v, ok in got_days if ok != want_day[v]] == []
    assert sum(want_stamp.values()) > 100 and sum(want_day.values()) > 50
