"""The scratch table of a file layout (text columns, the file's number and its row numbers, the text of a
malformed line) and its COPY."""

from __future__ import annotations

from service_quality.ingest.reader import Layout
from service_quality.ingest.sql.rules import ident

#: A malformed line's text (its other columns are null); null for every other row. Only CSV rows parsed in
#: Python set it; the routing quarantines such a row with rule ``malformed_line`` and nothing else.
MALFORMED = "_malformed"


def scratch_ddl(table: str, layout: Layout) -> str:
    cols = ", ".join(f"{ident(c.name)} text" for c in layout.columns)
    if layout.extra_json_column:
        cols += f", {ident(layout.extra_json_column)} text"
    return (
        f"create unlogged table {table} (_file integer not null default current_setting('sqw.scratch_file')::integer,"
        f" _row_number integer generated always as identity, {cols}, {MALFORMED} text)"
    )


def copy_statement(table: str, layout: Layout, passthrough: bool) -> str:
    """The COPY of a file's rows: the CSV as delivered (``passthrough``), or rows written by psycopg (a parsed
    CSV's rows end with their ``_malformed`` value)."""
    names = [ident(c.name) for c in layout.columns]
    if layout.extra_json_column:
        names.append(ident(layout.extra_json_column))
    cols = ", ".join(names)
    if not passthrough and not layout.extra_json_column:
        return f"copy {table} ({cols}, {MALFORMED}) from stdin"
    if passthrough:
        # FORCE_NULL: a quoted empty cell is null as well ("Empty cell = null").
        return f"copy {table} ({cols}) from stdin (format csv, header false, force_null ({cols}))"
    return f"copy {table} ({cols}) from stdin"
