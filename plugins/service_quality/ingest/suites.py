"""Build a Great Expectations suite from a contract: the rules of ``contracts.py``, expressed as GX.

``expectations/<source>.py`` calls :func:`build_suite`; the mapping from rule to expectation lives here
once. Every expectation carries ``meta = {"column", "rule"}`` so its unexpected count can be compared
with the rows that SQL routed to quarantine for the same (column, rule): the two must agree.

Native expectations where GX's semantics match the rule exactly (column exists, not null, regex,
value set); ``UnexpectedRowsExpectation`` with the compiled SQL predicate for the rules GX has no
exact native form for (types without ``pg_input_is_valid``, offsets, ranges on text, cross-column rules).
"""

from __future__ import annotations

import re
from typing import Any

from service_quality.contracts import IANA_TIMEZONES, contract
from service_quality.ingest.rules import Compiler

NATIVE_RULES = ("required", "pattern", "enum")


def build_suite(source: str, present: dict[str, str], timezones: tuple[str, ...] = ()) -> Any:
    """The suite for one delivery of ``source`` whose file has the columns in ``present``."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    c = contract(source)
    suite = gx.ExpectationSuite(name=f"{source}_contract")
    for name in c.required_columns:
        suite.add_expectation(gxe.ExpectColumnToExist(column=name, meta={"column": name, "rule": "missing_column"}))
    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=1, meta={"column": None, "rule": "no_rows"}))
    compiler = Compiler(c, present, alias="", timezones=timezones)
    for check in compiler.checks():
        meta = {"column": check.column, "rule": check.rule}
        column = present.get(check.column or "")
        col = c.column(check.column) if check.column else None
        if check.rule == "required" and column:
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column, meta=meta))
        elif check.rule == "pattern" and column and col is not None and col.pattern:
            suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column=column, regex=col.pattern, meta=meta))
        elif check.rule == "enum" and column and col is not None and col.enum is not None:
            allowed = list(timezones) if col.enum == IANA_TIMEZONES else list(col.enum)
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=allowed, meta=meta))
        else:
            # GX fills in {batch} with str.format: the predicate's own braces (regex counts) are doubled.
            predicate = check.broken.replace("{", "{{").replace("}", "}}")
            # ...and SQLAlchemy's text() reads ":00" in a regex as a bind parameter: escape it as "\:00".
            predicate = re.sub(r"(?<![:\w\\]):(\w+)(?!:)", r"\\:\1", predicate)
            suite.add_expectation(
                gxe.UnexpectedRowsExpectation(
                    unexpected_rows_query=f"select _row_number from {{batch}} where {predicate}",
                    description=f"{check.rule}: {check.message}",
                    meta=meta,
                )
            )
    return suite
