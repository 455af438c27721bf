"""Build a Great Expectations suite from a contract: the rules of ``contracts.py``, expressed as GX.

``expectations/<source>.py`` calls :func:`build_suite`; the mapping from rule to expectation lives here
once. Every expectation carries ``meta = {"column", "rule"}`` so its unexpected count can be compared
with the rows that SQL routed to quarantine for the same (column, rule): the two must agree.

Native expectations where GX's semantics match the rule exactly (column exists, not null, regex,
value set); ``UnexpectedRowsExpectation`` with the compiled SQL predicate for the rules GX has no
exact native form for (types without ``pg_input_is_valid``, offsets, ranges on text, cross-column rules).
"""

from __future__ import annotations

from typing import Any

from service_quality.contracts import IANA_TIMEZONES, contract
from service_quality.ingest.sql.rules import Check, Compiler

NATIVE_RULES = ("required", "pattern", "enum")


def flag_column(check: Check) -> str:
    """The view column that holds a check's verdict per row (true = broken)."""
    return f"{check.column or 'row'}__{check.rule}"


def is_native(check: Check, present: dict[str, str]) -> bool:
    """Rules GX has an exact native expectation for (on the delivered column itself)."""
    return check.rule in NATIVE_RULES and bool(check.column) and check.column in present


def build_suite(source: str, present: dict[str, str], timezones: tuple[str, ...] = ()) -> Any:
    """The suite for one delivery of ``source`` whose file has the columns in ``present``.

    The batch it validates is the scratch table plus one boolean column per non-native check
    (``flag_column``), computed by the same SQL the loader routes with; GX counts the rows where it is
    true. Every column expectation is bundled by GX into one aggregate query: one scan per delivery.
    """
    import great_expectations as gx
    import great_expectations.expectations as gxe

    c = contract(source)
    suite = gx.ExpectationSuite(name=f"{source}_contract")
    for name in c.required_columns:
        suite.add_expectation(gxe.ExpectColumnToExist(column=name, meta={"column": name, "rule": "missing_column"}))
    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=1, meta={"column": None, "rule": "no_rows"}))
    for check in Compiler(c, present, timezones=timezones).checks():
        meta = {"column": check.column, "rule": check.rule}
        column = present.get(check.column or "")
        col = c.column(check.column) if check.column else None
        if is_native(check, present) and check.rule == "required":
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column, meta=meta))
        elif is_native(check, present) and check.rule == "pattern" and col is not None and col.pattern:
            suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column=column, regex=col.pattern, meta=meta))
        elif is_native(check, present) and check.rule == "enum" and col is not None and col.enum is not None:
            allowed = list(timezones) if col.enum == IANA_TIMEZONES else list(col.enum)
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=allowed, meta=meta))
        else:
            suite.add_expectation(
                gxe.ExpectColumnValuesToBeInSet(
                    column=flag_column(check),
                    value_set=[False],
                    meta=meta,
                    description=f"{check.rule}: {check.message}",
                )
            )
    return suite
