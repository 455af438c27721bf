"""A comparable fingerprint of what the pipeline wrote into a warehouse.

Two runs of the same DAGs over the same landing zone must leave the same data, whatever executor ran
them and in whatever order parallel tasks finished. Surrogate keys, load timestamps and run ids
legitimately differ between runs, so the fingerprint leaves them out: generated columns (a
``nextval`` or ``now()`` default) and run ids are dropped, and every reference to a delivery is
replaced by that delivery's landing path, which is the same in both runs. Measured durations
(``*_seconds``) are dropped too.

``by_content=True`` asks a weaker question: is the same *data* there, whichever of several
byte-identical deliveries it was attributed to? Delivery references become the delivery's content
hash, and the columns that say which file it was (path, arrival time, archive location) are dropped.
A difference at path level that vanishes at content level means the runs resolved identical
deliveries (one ``loaded``, the others ``duplicate``) in a different order.
"""

from __future__ import annotations

from dataclasses import dataclass

from service_quality.warehouse.connection import WarehouseDsn

#: Schemas whose tables are compared row by row (count + checksum).
COMPARED_SCHEMAS = ("raw", "quarantine")
#: Columns that name a delivery by its surrogate id: compared through the delivery's path instead.
DELIVERY_REFERENCES = ("_delivery_id", "delivery_id", "duplicate_of")
#: Columns that identify the run, not the data.
RUN_COLUMNS = ("run_id",)
#: Columns that say which file a delivery was: left out of a by-content comparison.
FILE_IDENTITY_COLUMNS = ("path", "arrived_at", "_arrived_at", "archive_uri")


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    checksum: str


def _columns(conn, schema: str, table: str) -> list[tuple[str, str | None]]:
    return conn.execute(
        """
        select column_name, column_default
        from information_schema.columns
        where table_schema = %s and table_name = %s
        order by ordinal_position
        """,
        [schema, table],
    ).fetchall()


def _is_generated(default: str | None) -> bool:
    if not default:
        return False
    lowered = default.lower()
    return "nextval(" in lowered or "now()" in lowered or "current_timestamp" in lowered


def _left_out(name: str, default: str | None, by_content: bool) -> bool:
    """Columns that legitimately differ between runs (or, by content, name the file)."""
    if name in RUN_COLUMNS or name.endswith("_seconds") or _is_generated(default):
        return True
    return by_content and name in FILE_IDENTITY_COLUMNS


def _comparable_rows_query(conn, schema: str, table: str, by_content: bool = False):
    """``select`` of the table's comparable columns (one text row per table row: ``r``)."""
    from psycopg import sql

    selected: list[sql.Composable] = []
    joins: list[sql.Composable] = []
    identity = sql.Identifier("content_sha256" if by_content else "path")
    for index, (name, default) in enumerate(_columns(conn, schema, table)):
        column = sql.Identifier("t", name)
        if name in DELIVERY_REFERENCES:
            alias = sql.Identifier(f"d{index}")
            joins.append(sql.SQL(" left join ops.deliveries {a} on {a}.delivery_id = {c}").format(a=alias, c=column))
            selected.append(sql.SQL("{}.{} as {}").format(alias, identity, sql.Identifier(name)))
        elif not _left_out(name, default, by_content):
            selected.append(column)
    return sql.SQL("select {cols} from {tbl} t{joins}").format(
        cols=sql.SQL(", ").join(selected),
        tbl=sql.Identifier(schema, table),
        joins=sql.Composed(joins),
    )


def _table_state(conn, schema: str, table: str, by_content: bool = False) -> TableFingerprint:
    from psycopg import sql

    query = sql.SQL(
        "select count(*), coalesce(md5(string_agg(r::text, E'\\n' order by r::text)), '') from ({rows}) r"
    ).format(rows=_comparable_rows_query(conn, schema, table, by_content))
    rows, checksum = conn.execute(query).fetchone()
    return TableFingerprint(int(rows), checksum)


def rows(dsn: WarehouseDsn, key: str) -> list[str]:
    """The comparable rows of ``schema.table`` as text, sorted: to show what differs."""
    from psycopg import sql

    schema, table = key.split(".", 1)
    with dsn.connect() as conn:
        query = sql.SQL("select r::text from ({rows}) r order by 1").format(
            rows=_comparable_rows_query(conn, schema, table)
        )
        return [r[0] for r in conn.execute(query)]


def row_differences(left: WarehouseDsn, right: WarehouseDsn, key: str, limit: int = 5) -> list[str]:
    """Rows of ``key`` only in ``left`` (``-``) or only in ``right`` (``+``), at most ``limit`` of each."""
    a, b = rows(left, key), rows(right, key)
    only_a = sorted(set(a) - set(b))[:limit]
    only_b = sorted(set(b) - set(a))[:limit]
    return [f"- {r}" for r in only_a] + [f"+ {r}" for r in only_b]


def snapshot(dsn: WarehouseDsn, by_content: bool = False) -> dict[str, TableFingerprint]:
    """Fingerprint of ``raw.*``, ``quarantine.*`` and ``ops.deliveries``, keyed by ``schema.table``."""
    state: dict[str, TableFingerprint] = {}
    with dsn.connect() as conn:
        tables = conn.execute(
            """
            select table_schema, table_name from information_schema.tables
            where table_schema = any(%s) and table_type = 'BASE TABLE'
            order by 1, 2
            """,
            [list(COMPARED_SCHEMAS)],
        ).fetchall()
        for schema, table in [*tables, ("ops", "deliveries")]:
            state[f"{schema}.{table}"] = _table_state(conn, schema, table, by_content)
    return state


def delivery_status_counts(dsn: WarehouseDsn) -> dict[tuple[str, str], int]:
    """``(source, status) -> deliveries``: the operator's view of what a run did."""
    with dsn.connect() as conn:
        rows = conn.execute("select source, status, count(*) from ops.deliveries group by 1, 2").fetchall()
    return {(source, status): int(n) for source, status, n in rows}


def differences(left: dict[str, TableFingerprint], right: dict[str, TableFingerprint]) -> list[str]:
    """Human-readable differences between two snapshots; empty when they are equal."""
    found = []
    for key in sorted(set(left) | set(right)):
        a, b = left.get(key), right.get(key)
        if a != b:
            found.append(f"{key}: {a} != {b}")
    return found
