"""The scratch table of a file layout (text columns, the file's number and its row numbers) and its COPY."""

from __future__ import annotations

from service_quality.ingest.reader import Layout
from service_quality.ingest.sql.rules import ident


def scratch_ddl(table: str, layout: Layout) -> str:
    cols = ", ".join(f"{ident(c.name)} text" for c in layout.columns)
    if layout.extra_json_column:
        cols += f", {ident(layout.extra_json_column)} text"
    return (
        f"create unlogged table {table} (_file integer not null default current_setting('sqw.scratch_file')::integer,"
        f" _row_number integer generated always as identity, {cols})"
    )


def copy_statement(table: str, layout: Layout, passthrough: bool) -> str:
    names = [ident(c.name) for c in layout.columns]
    if layout.extra_json_column:
        names.append(ident(layout.extra_json_column))
    cols = ", ".join(names)
    if passthrough:
        # FORCE_NULL: a quoted empty cell is null as well ("Empty cell = null").
        return f"copy {table} ({cols}) from stdin (format csv, header false, force_null ({cols}))"
    return f"copy {table} ({cols}) from stdin"
