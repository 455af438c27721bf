"""The set-based routing of a batch's scratch rows: the statements that insert the rows that break no rule
into ``raw`` (typed, with lineage) and every broken rule of the others into ``quarantine``.

The batch's files are joined in as a ``values`` relation (:func:`files_sql`): a scratch row's ``_file``
number gives its delivery id, landing path and arrival time.
"""

from __future__ import annotations

from service_quality.contracts import Contract
from service_quality.ingest.reader import Layout
from service_quality.ingest.sql.rules import Check, Compiler, ident, lit

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
        where {compiler.row_is_valid()}
    """


def quarantine_sql(
    c: Contract, layout: Layout, compiler: Compiler, checks: list[Check], relation: str, files: str
) -> str:
    """Every broken rule of every row of the batch. The type tests run once per row (lateral ``k``); only
    rows that break something are expanded into one candidate per rule, which keeps the pass close to a scan."""
    outer = Compiler(c, layout.present, alias="s", timezones=compiler.timezones, shared=True, shared_alias="s")
    any_broken = " or ".join(f"({chk.broken})" for chk in checks) or "false"
    values = ",\n            ".join(
        f"({chk.broken}, {lit(chk.column) if chk.column else 'null'}, {lit(chk.rule)}, {chk.value}, {lit(chk.message)})"
        for chk in outer.checks()
    )
    return f"""
        insert into {c.quarantine_table} (delivery_id, row_number, column_name, rule, value, message, record)
        select s._delivery_id, s._row_number, c.column_name, c.rule, c.value,
            s._path || ' row ' || s._row_number || ': ' || c.message
                || coalesce(' (value ' || quote_literal(c.value) || ')', ' (empty)'),
            {_record_expr(layout)}
        from (
            select s.*, f.delivery_id as _delivery_id, f.path as _path{", k.*" if compiler.lateral() else ""}
            from {relation} as s
            join {files} on f._file = s._file
            {compiler.lateral()}
            where {any_broken}
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
