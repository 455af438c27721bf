"""The set-based routing of a batch's scratch rows: the statements that insert the rows that break no rule
into ``raw`` (typed, with lineage) and every broken rule of the others into ``quarantine``.

The batch's files are joined in as a ``values`` relation (:func:`files_sql`): a scratch row's ``_file``
number gives its delivery id, landing path and arrival time.
"""

from __future__ import annotations

from service_quality.contracts import RULE_MALFORMED_LINE, Contract
from service_quality.ingest.reader import MAX_FIELD_BYTES, Layout
from service_quality.ingest.sql.rules import Check, Compiler, ident, lit
from service_quality.ingest.sql.scratch_tables import MALFORMED

_MALFORMED_MESSAGE = (
    "malformed line: its field count differs from the header, a field is longer than 64 KiB or its quotes are"
    " not valid CSV; the line's text is the value (cut to 64 KiB). Fix the line and re-deliver the file"
)

#: One file of a batch in a scratch table: (``_file`` number, delivery id, landing path, arrival time).
FileRow = tuple[int, int, str, str]


def files_sql(files: list[FileRow]) -> str:
    """The batch's files as a relation: scratch ``_file`` -> delivery id, landing path, arrival time."""
    rows = ", ".join(
        f"({file}, {delivery_id}, {lit(path)}, {lit(arrived_at)}::timestamptz)"
        for file, delivery_id, path, arrived_at in files
    )
    return f"(values {rows}) as f (_file, delivery_id, path, arrived_at)"


def raw_sql(c: Contract, compiler: Compiler, layout: Layout, relation: str, files: str) -> str:
    """The batch's rows that break no rule, typed, with their lineage (the casts run only on those rows)."""
    targets = [ident(c.raw_column(col.name)) for col in c.columns]
    exprs = [compiler.cast(col.name) for col in c.columns]
    return f"""
        insert into {c.raw_table} ({", ".join(targets)}, _delivery_id, _row_number, _arrived_at, _extra)
        select {", ".join(exprs)}, f.delivery_id, s._row_number, f.arrived_at, {_extra_expr(layout)}
        from {relation} as s
        join {files} on f._file = s._file
        where s.{MALFORMED} is null and {compiler.row_is_valid()}
    """


def quarantine_sql(
    c: Contract, layout: Layout, compiler: Compiler, checks: list[Check], relation: str, files: str
) -> str:
    """Every broken rule of every row of the batch. The type tests run once per row (lateral ``k``); only
    rows that break something are expanded into one candidate per rule, which keeps the pass close to a scan."""
    outer = Compiler(c, layout.present, alias="s", timezones=compiler.timezones, shared=True, shared_alias="s")
    any_broken = " or ".join(f"({chk.broken})" for chk in checks) or "false"
    ok = f"s.{MALFORMED} is null"
    values = ",\n            ".join(
        [
            f"({ok} and ({chk.broken}), {lit(chk.column) if chk.column else 'null'}, {lit(chk.rule)}, {chk.value},"
            f" {lit(chk.message)})"
            for chk in outer.checks()
        ]
        # a malformed line breaks that rule only: its columns are null because there were none to read
        + [f"(not {ok}, null, {lit(RULE_MALFORMED_LINE)}, s.{MALFORMED}, {lit(_MALFORMED_MESSAGE)})"]
    )
    return f"""
        insert into {c.quarantine_table} (delivery_id, row_number, column_name, rule, value, message, record)
        select s._delivery_id, s._row_number, c.column_name, c.rule, c.value,
            s._path || ' row ' || s._row_number || ': ' || c.message
                || case when c.rule = {lit(RULE_MALFORMED_LINE)} then ''
                   else coalesce(' (value ' || quote_literal(c.value) || ')', ' (empty)') end,
            {_record_expr(layout)}
        from (
            select s.*, f.delivery_id as _delivery_id, f.path as _path{", k.*" if compiler.lateral() else ""}
            from {relation} as s
            join {files} on f._file = s._file
            {compiler.lateral()}
            where s.{MALFORMED} is not null or {any_broken}
            offset 0
        ) as s
        cross join lateral (values
            {values}
        ) as c (broken, column_name, rule, value, message)
        where c.broken
    """


def _json_object(pairs: list[tuple[str, str]]) -> str:
    """jsonb_build_object takes at most 100 arguments: concatenate objects of 50 pairs."""
    if not pairs:
        return "'{}'::jsonb"
    parts = []
    for i in range(0, len(pairs), 50):
        chunk = pairs[i : i + 50]
        parts.append("jsonb_build_object(" + ", ".join(f"{lit(k)}, {v}" for k, v in chunk) + ")")
    return " || ".join(parts)


def _record_expr(layout: Layout) -> str:
    pairs = [(col.header, f"s.{ident(col.name)}") for col in layout.columns]
    expr = _json_object(pairs)
    if layout.extra_json_column:
        expr = f"({expr} || coalesce(s.{ident(layout.extra_json_column)}::jsonb, '{{}}'::jsonb))"
    return expr


def _extra_expr(layout: Layout) -> str:
    if layout.extra_json_column:
        return f"s.{ident(layout.extra_json_column)}::jsonb"
    extras = layout.extras
    if not extras:
        return "null::jsonb"
    return _json_object([(col.header, f"s.{ident(col.name)}") for col in extras])


def mark_long_fields_sql(layout: Layout, relation: str) -> str:
    """Mark as malformed the rows of a pass-through COPY with a field longer than ``MAX_FIELD_BYTES`` (COPY
    has no such limit; the Python parser checks it itself): the fields joined by commas become the line's
    text, cut to the limit, and the columns are emptied."""
    cols = [ident(c.name) for c in layout.columns]
    too_long = " or ".join(f"octet_length({c}) > {MAX_FIELD_BYTES}" for c in cols)
    line = f"concat_ws(',', {', '.join(cols)})"
    cleared = ", ".join(f"{c} = null" for c in cols)
    # left() counts characters, the limit is in bytes: a line that is still too long is cut to a quarter (a
    # character is at most 4 bytes)
    cut = (
        f"case when octet_length(left({line}, {MAX_FIELD_BYTES})) <= {MAX_FIELD_BYTES} then left({line},"
        f" {MAX_FIELD_BYTES}) else left({line}, {MAX_FIELD_BYTES // 4}) end"
    )
    return f"update {relation} set {MALFORMED} = {cut}, {cleared} where {too_long}"
