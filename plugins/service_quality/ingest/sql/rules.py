"""Compile a contract's row rules into SQL predicates over the scratch table of text columns.

Why SQL: checking rules row by row in Python costs an order of magnitude of throughput; PostgreSQL
evaluates every predicate of a row in one pass over the scratch table. Each :class:`Check` is *true
when the rule is broken*, never raises on any text (PostgreSQL 15 has no ``pg_input_is_valid``, so a
value is cast only after a pattern has proved it castable), and carries the canonical rule name.

The same predicates feed the Great Expectations suites (``expectations/``), so the rows GX counts as
unexpected are exactly the rows routed to quarantine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service_quality.contracts import IANA_TIMEZONES, Column, Contract

INTEGER_RE = r"^[+-]?[0-9]{1,9}$"
NAIVE_TS_RE = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
ON_THE_HOUR_RE = r"^.{10}[T ][0-9]{2}:00(:00(\.0+)?)?([Zz]|[+-].*)$"


def decimal_digits(column: Column) -> int:
    """Digits before the point are limited so the cast into the raw column can never overflow."""
    m = re.fullmatch(r"numeric\((\d+),\s*(\d+)\)", column.raw_type)
    return int(m.group(1)) - int(m.group(2)) if m else 15


def decimal_re(column: Column) -> str:
    return rf"^[+-]?([0-9]{{1,{decimal_digits(column)}}}(\.[0-9]*)?|\.[0-9]+)$"


# Type tests. Each is exactly its regular expression (kept above as the definition), written with
# cheap string functions: PostgreSQL's regex engine costs microseconds per value, and a delivery has
# millions of values. A regex is only evaluated for the rare shapes the fast paths do not cover.
# Guards use CASE, because AND does not fix the order of evaluation in SQL.

_DIGITS = "'0123456789'"
_ZEROS = "'0000000000'"
_TZ_MASKS = (
    "0000-00-00T00:00:00+00:00",
    "0000-00-00T00:00:00-00:00",
    "0000-00-00T00:00:00Z",
    "0000-00-00 00:00:00+00:00",
    "0000-00-00 00:00:00-00:00",
    "0000-00-00 00:00:00Z",
)
_NAIVE_MASKS = ("0000-00-00T00:00:00", "0000-00-00 00:00:00")
TIMESTAMPTZ_RE = (
    r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
    r"([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$"
)


def _mask(v: str) -> str:
    return f"translate({v}, {_DIGITS}, {_ZEROS})"


def _like_any(v: str, masks: tuple[str, ...]) -> str:
    """The value has one of these shapes: a mask's digits stand for any character (proved digits elsewhere)."""
    return f"{v} like any({_set(m.replace('0', '_') for m in masks)})"


def _set(values) -> str:
    """A constant text array: ``= any()`` over it is one hash lookup (PostgreSQL 14+), far cheaper per value
    than the ``translate`` and comparisons it replaces on the fast paths."""
    return "'{" + ",".join(f'"{x}"' for x in values) + "}'::text[]"


_TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))
_HOURS, _MINUTES = _set(_TWO_DIGITS[:24]), _set(_TWO_DIGITS[:60])
_CENTURIES, _YEARS_OF_CENTURY = _set(_TWO_DIGITS[10:]), _set(_TWO_DIGITS)  # a year from 1000
_MONTH_DAYS = _set(
    f"{m:02d}-{d:02d}"
    for m, days in enumerate((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), 1)
    for d in range(1, days + 1)
)  # February 29 is checked against the year


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(x) for x in values) + ")"


def valid_integer(v: str) -> str:
    """``^[+-]?[0-9]{1,9}$`` (fast path: digits only)."""
    d = f"ltrim({v}, '+-')"
    full = f"length({d}) between 1 and 9 and length({v}) - length({d}) <= 1 and btrim({d}, {_DIGITS}) = ''"
    return f"(case when translate({v}, {_DIGITS}, '') = '' then length({v}) between 1 and 9 else {full} end)"


def valid_decimal(v: str, digits: int) -> str:
    """``^[+-]?([0-9]{1,N}(\\.[0-9]*)?|\\.[0-9]+)$`` (fast paths: digits, digits with one point)."""
    d = f"ltrim({v}, '+-')"
    full = (
        f"length({v}) - length({d}) <= 1 and {d} not in ('', '.') and btrim({d}, '0123456789.') = ''"
        f" and length({d}) - length(replace({d}, '.', '')) <= 1 and length(split_part({d}, '.', 1)) <= {digits}"
    )
    return (
        f"(case translate({v}, {_DIGITS}, '') when '' then length({v}) between 1 and {digits}"
        f" when '.' then {v} <> '.' and strpos({v}, '.') - 1 <= {digits} else {full} end)"
    )


def _date_parts_ok(x: str) -> str:
    """For text shaped like YYYY-MM-DD (whatever stands at the digits' places): digits that make a real day of
    a year from 1000. Each part is looked up in the set of its valid values, which also proves it is digits."""
    year = f"substr({x}, 1, 4)::int"
    leap = f"(mod({year}, 4) = 0 and mod({year}, 100) <> 0) or mod({year}, 400) = 0"  # no %: it is a placeholder
    return (
        f"(case when substr({x}, 1, 2) = any({_CENTURIES}) and substr({x}, 3, 2) = any({_YEARS_OF_CENTURY})"
        f" then case substr({x}, 6, 5) when '02-29' then {leap} else substr({x}, 6, 5) = any({_MONTH_DAYS}) end"
        " else false end)"
    )


def valid_date(v: str) -> str:
    """``YYYY-MM-DD``, a real day (what ``ops.sqw_is_date`` checks)."""
    return f"(case when {v} like '____-__-__' then {_date_parts_ok(v)} else false end)"


def valid_timestamptz(v: str) -> str:
    """ISO 8601 with an offset (``TIMESTAMPTZ_RE``) on a real day (what ``ops.sqw_is_timestamptz`` checks).

    Fast path, the usual shapes (``_TZ_MASKS``): each field is looked up among its valid values. In those
    shapes a field that is not digits cannot match the expression any other way, so the lookups decide."""
    time_ok = (
        f"substr({v}, 12, 2) = any({_HOURS}) and substr({v}, 15, 2) = any({_MINUTES})"
        f" and substr({v}, 18, 2) = any({_MINUTES})"
    )
    offset_ok = f"(length({v}) = 20 or (substr({v}, 21, 2) = any({_HOURS}) and substr({v}, 24, 2) = any({_MINUTES})))"
    return (
        f"(case when {_like_any(v, _TZ_MASKS)} then {time_ok} and {offset_ok} and {_date_parts_ok(v)}"
        f" when {_like_any(v, _NAIVE_MASKS)} then false"
        f" when {v} ~ {lit(TIMESTAMPTZ_RE)} then {_date_parts_ok(v)}"
        " else false end)"
    )


def naive_timestamp(v: str) -> str:
    """``NAIVE_TS_RE``: a timestamp without an offset."""
    return (
        f"(case when {_mask(v)} in {_in(_NAIVE_MASKS)} then left({v}, 1) <> '0' and substr({v}, 12, 2) <= '23'"
        f" and substr({v}, 15, 2) <= '59' and substr({v}, 18, 2) <= '59'"
        f" when {_mask(v)} in {_in(_TZ_MASKS)} then false"
        f" else coalesce({v} ~ {lit(NAIVE_TS_RE)}, false) end)"
    )


def on_the_hour(v: str) -> str:
    """``ON_THE_HOUR_RE`` for a valid timestamp: minutes and seconds are zero."""
    return (
        f"(case when {_like_any(v, _TZ_MASKS)} then substr({v}, 15, 2) = '00' and substr({v}, 18, 2) = '00'"
        f" else {v} ~ {lit(ON_THE_HOUR_RE)} end)"
    )


def lit(value: str) -> str:
    """A SQL string literal (standard_conforming_strings is on in every supported PostgreSQL)."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


#: rules over several columns; the others are a column's own
_CROSS_COLUMN_RULES = ("order", "arithmetic", "one_of_required", "conditional_required")


@dataclass(frozen=True)
class Check:
    """One row rule as SQL: ``broken`` is true for a row that breaks it."""

    column: str | None
    rule: str
    broken: str
    value: str
    message: str


class Compiler:
    """Builds value, type and rule expressions for a contract, given which columns the file has.

    ``present`` maps a contract column to the scratch column holding its text; an absent (optional)
    column reads as null. ``alias`` qualifies scratch columns (``s``) or is empty for GX's ``{batch}``.
    """

    def __init__(
        self,
        contract: Contract,
        present: dict[str, str],
        alias: str = "s",
        timezones: tuple[str, ...] = (),
        shared: bool = False,
        shared_alias: str = "k",
        types_checked: bool = False,
    ) -> None:
        self.contract = contract
        self.present = present
        self.alias = alias
        self.prefix = f"{alias}." if alias else ""
        self.timezones = timezones
        #: refer to per-row type tests computed once in the lateral subquery ``k`` (see :meth:`lateral`)
        self.shared = shared
        self.shared_alias = shared_alias
        #: every present value is known to be castable (inside :meth:`row_is_valid`): a type test is "not null"
        self.types_checked = types_checked

    def value(self, name: str) -> str:
        """The column's text. An empty cell is already null in the scratch table (COPY ``force_null``;
        the Python readers write None), so no ``nullif`` per value is needed."""
        if name not in self.present:
            return "null::text"
        return f"{self.prefix}{ident(self.present[name])}"

    def valid(self, name: str) -> str:
        """True when the (non-null) value can be cast to the column's type."""
        col = self.contract.column(name)
        if col.type == "text":
            return "true"
        if self.types_checked:
            return f"({self.value(name)} is not null)"
        if self.shared and name in self.present:
            return f"{self.shared_alias}.{ident('ok_' + name)}"
        return self._valid_expr(name)

    def naive(self, name: str) -> str:
        """True when the value is a timestamp without a UTC offset (rule ``timestamp_offset``).

        Tested only when the value is not a valid timestamp with offset (a valid one is never naive)."""
        return f"(case when {self.valid(name)} then false else {naive_timestamp(self.value(name))} end)"

    def lateral(self) -> str:
        """``cross join lateral (...) k``: every type test once per row (``offset 0`` keeps it from being inlined)."""
        items = []
        for col in self.contract.columns:
            if col.name not in self.present or col.type == "text":
                continue
            items.append(f"{self._valid_expr(col.name)} as {ident('ok_' + col.name)}")
        if not items:
            return ""
        return "cross join lateral (select " + ", ".join(items) + " offset 0) as k"

    def _valid_expr(self, name: str) -> str:
        col = self.contract.column(name)
        v = self.value(name)
        match col.type:
            case "integer":
                return valid_integer(v)
            case "decimal":
                return valid_decimal(v, decimal_digits(col))
            case "date":
                return valid_date(v)
            case "timestamptz":
                return valid_timestamptz(v)
            case "boolean":
                return f"(lower({v}) in ('true', 'false'))"
        raise ValueError(f"unknown type {col.type}")

    def cast(self, name: str) -> str:
        """The typed value, for a row that passed every check."""
        col = self.contract.column(name)
        v = self.value(name)
        if col.type == "boolean":
            return f"lower({v})::boolean"
        if col.type == "text":
            return v
        return f"{v}::{col.raw_type}"

    def _typed(self, name: str) -> str:
        col = self.contract.column(name)
        if col.type in ("integer", "decimal"):
            return f"({self.value(name)})::numeric"
        return f"({self.value(name)})::{col.raw_type}"

    def checks(self) -> list[Check]:
        checks: list[Check] = []
        c = self.contract
        for col in c.columns:
            v = self.value(col.name)
            if col.name not in self.present:
                if col.required:
                    checks.append(Check(col.name, "required", "true", "null::text", f"{col.name} is required"))
                continue
            if col.required:
                checks.append(Check(col.name, "required", f"{v} is null", v, f"{col.name} is required (empty cell)"))
            if col.type == "timestamptz":
                naive = self.naive(col.name)
                checks.append(
                    Check(
                        col.name,
                        "timestamp_offset",
                        f"coalesce({naive}, false)",
                        v,
                        f"{col.name}: timestamp has no UTC offset; write it like 2025-03-14T10:21:00+03:00",
                    )
                )
                checks.append(
                    Check(
                        col.name,
                        "type",
                        f"coalesce({v} is not null and not {self.valid(col.name)} and not {naive}, false)",
                        v,
                        f"{col.name}: not an ISO 8601 timestamp with offset",
                    )
                )
            elif col.type != "text":
                expected = {
                    "integer": "an integer",
                    "decimal": "a decimal number with '.' as separator",
                    "date": "a date YYYY-MM-DD",
                    "boolean": "true or false",
                }[col.type]
                checks.append(
                    Check(
                        col.name,
                        "type",
                        f"coalesce({v} is not null and not {self.valid(col.name)}, false)",
                        v,
                        f"{col.name}: not {expected}",
                    )
                )
            if col.pattern:
                checks.append(
                    Check(
                        col.name,
                        "pattern",
                        f"coalesce({v} !~ {lit(col.pattern)}, false)",
                        v,
                        f"{col.name}: does not match {col.pattern}",
                    )
                )
            if col.enum is not None:
                what = "a valid IANA time-zone name" if col.enum == IANA_TIMEZONES else "one of " + ", ".join(col.enum)
                checks.append(
                    Check(
                        col.name,
                        "enum",
                        f"coalesce({v} <> all({self._allowed(col)}), false)",
                        v,
                        f"{col.name}: must be {what}",
                    )
                )
            if col.has_range:
                checks.append(self._range(col))
        for order in c.orders:
            if order.earlier in self.present and order.later in self.present:
                e, lt = order.earlier, order.later
                checks.append(
                    Check(
                        lt,
                        "order",
                        f"case when {self.valid(e)} and {self.valid(lt)} then {self._typed(lt)} < {self._typed(e)} "
                        "else false end",
                        self.value(lt),
                        f"{lt} is before {e}",
                    )
                )
        for arith in c.arithmetic:
            names = (arith.column, *arith.inputs)
            if all(n in self.present for n in names):
                expr = arith.expression
                for n in sorted(arith.inputs, key=len, reverse=True):
                    expr = re.sub(rf"\b{n}\b", self._typed(n), expr)
                guard = " and ".join(self.valid(n) for n in names)
                checks.append(
                    Check(
                        arith.column,
                        "arithmetic",
                        f"case when {guard} then abs({self._typed(arith.column)} - ({expr})) > {arith.tolerance} "
                        "else false end",
                        self.value(arith.column),
                        f"{arith.column} != {arith.expression} (tolerance {arith.tolerance})",
                    )
                )
        for one in c.one_of_required:
            nulls = " and ".join(f"{self.value(n)} is null" for n in one.columns)
            checks.append(
                Check(
                    one.columns[0],
                    "one_of_required",
                    f"({nulls})",
                    "null::text",
                    "at least one of " + ", ".join(one.columns) + " is required",
                )
            )
        for cond in c.conditional_required:
            when = self.value(cond.when_column)
            holds = [f"{when} is not null" if cond.when_value is None else f"{when} = {lit(cond.when_value)}"]
            holds += [f"{self.value(name)} is not null" for name in cond.also_present]
            checks.append(
                Check(
                    cond.column,
                    "conditional_required",
                    f"coalesce({' and '.join(holds)} and {self.value(cond.column)} is null, false)",
                    self.value(cond.column),
                    f"{cond.column} is required when {cond.condition}",
                )
            )
        return checks

    def _range(self, col: Column) -> Check:
        v = self.value(col.name)
        if col.on_the_hour:
            return Check(
                col.name,
                "range",
                f"case when {self.valid(col.name)} then not {on_the_hour(v)} else false end",
                v,
                f"{col.name}: must be on the hour (minutes and seconds 00)",
            )
        typed = self._typed(col.name)
        bad: list[str] = []
        words: list[str] = []
        if col.minimum is not None:
            op = "<=" if col.exclusive_minimum else "<"
            bad.append(f"{typed} {op} {col.minimum}")
            words.append(f"{'>' if col.exclusive_minimum else '>='} {col.minimum:g}")
        if col.maximum is not None:
            bad.append(f"{typed} > {col.maximum}")
            words.append(f"<= {col.maximum:g}")
        if col.not_equal is not None:
            bad.append(f"{typed} = {col.not_equal}")
            words.append(f"!= {col.not_equal:g}")
        return Check(
            col.name,
            "range",
            f"case when {self.valid(col.name)} then ({' or '.join(bad)}) else false end",
            v,
            f"{col.name}: must be {' and '.join(words)}",
        )

    def _allowed(self, col: Column) -> str:
        allowed = self.timezones if col.enum == IANA_TIMEZONES else col.enum
        return "array[" + ", ".join(lit(a) for a in allowed) + "]::text[]"

    def row_is_valid(self) -> str:
        """True for a row that breaks no rule: the same verdict as ``not (broken or broken ...)`` over
        :meth:`checks`, written for the loader, which evaluates it on every row of a batch.

        The checks repeat a column's type test (type, offset, range and arithmetic rules each guard on it) and
        are evaluated in a per-row subquery; here each column's test runs once, in one flat expression, and
        the cross-column rules run only for a row whose columns all passed, where a present value is known to
        be castable. Its own formulation on purpose: Great Expectations counts with :meth:`checks`, so a
        difference between the two fails the load instead of going unnoticed."""
        given = Compiler(self.contract, self.present, self.alias, self.timezones, types_checked=True)
        columns = []
        for col in self.contract.columns:
            test = self._column_is_valid(col, given)
            if test == "false":
                return "false"
            if test != "true":
                columns.append(test)
        cross = [f"({chk.broken})" for chk in given.checks() if chk.rule in _CROSS_COLUMN_RULES]
        every_column = " and ".join(columns) or "true"
        if not cross:
            return f"({every_column})"
        return f"(case when {every_column} then not ({' or '.join(cross)}) else false end)"

    def _column_is_valid(self, col: Column, given: Compiler) -> str:
        """A column's own rules (required, type, offset, pattern, enum, range) hold; "true"/"false" when fixed."""
        if col.name not in self.present:
            return "false" if col.required else "true"
        v = self.value(col.name)
        rest = []
        if col.pattern:
            rest.append(f"{v} ~ {lit(col.pattern)}")
        if col.enum is not None:
            rest.append(f"{v} = any({self._allowed(col)})")
        if col.has_range:
            rest.append(f"not ({given._range(col).broken})")
        if col.type == "text" and not rest:
            return f"{v} is not null" if col.required else "true"
        castable = "" if col.type == "text" else f" when not {self._valid_expr(col.name)} then false"
        return (
            f"case when {v} is null then {'false' if col.required else 'true'}{castable}"
            f" else {' and '.join(rest) or 'true'} end"
        )
