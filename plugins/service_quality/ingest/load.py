"""Load one delivery: scratch COPY -> set-based validation -> raw + quarantine + bookkeeping, atomically.

The order of work, and why:

1. A session advisory lock on (source, content hash) serialises two tasks that got the same bytes, so
   "the same delivery twice loads once" holds even when both run at the same moment.
2. Already processed? The same path and bytes: nothing to do (a retry after success). The same bytes
   under another path: recorded as ``duplicate`` of the first, nothing loaded.
3. The bytes are archived first, so a rejected file stays available for a fix and a replay.
4. The file is streamed into an unlogged scratch table of text columns (``reader``) and committed,
   so Great Expectations can read it from its own connection. The scratch table is not warehouse
   state: a crash leaves at most a scratch table, dropped by the retry.
5. One transaction writes the quarantine rows (every broken rule, evaluated in one pass), the valid
   rows with their casts and lineage, the ``ops.deliveries`` row with its reconciliation, the GX
   result, and drops the scratch table. Kill the process anywhere: the delivery is whole or absent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from psycopg import errors, sql

from service_quality.contracts import IANA_TIMEZONES, Contract, contract
from service_quality.ingest import landing
from service_quality.ingest.landing import Delivery
from service_quality.ingest.reader import (
    DeliveryRejected,
    Layout,
    Reader,
    copy_statement,
    scratch_ddl,
)
from service_quality.ingest.rules import Check, Compiler, ident, lit
from service_quality.ingest.settings import IngestSettings, PiiKeyMissing
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

_LOCK_NAMESPACE = "sqw-ingest"


@dataclass
class LoadResult:
    """What happened to one delivery (returned to Airflow as the task's XCom, printed by the CLI)."""

    source: str
    path: str
    sha256: str
    delivery_id: int | None
    status: str  # loaded | rejected | duplicate | skipped (already processed)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rejection_reason: str | None = None
    rejection_column: str | None = None
    message: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    gx_success: bool | None = None
    data_docs_uri: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_TIMEZONES: dict[str, tuple[str, ...]] = {}


def _timezones(conn, dsn: WarehouseDsn) -> tuple[str, ...]:
    """PostgreSQL's time-zone names (what dbt converts with); read once per process and server."""
    key = f"{dsn.host}:{dsn.port}"
    if key not in _TIMEZONES:
        _TIMEZONES[key] = tuple(r[0] for r in conn.execute("select name from pg_timezone_names order by name"))
    return _TIMEZONES[key]


def scratch_name(source: str, sha256: str) -> str:
    return f"_scratch_{source}_{sha256[:20]}"


def load_delivery(
    source: str,
    delivery: Delivery | dict[str, Any],
    dsn: WarehouseDsn,
    settings: IngestSettings | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> LoadResult:
    """Process one delivery end to end. Safe to call again for the same delivery (it converges)."""
    settings = settings or IngestSettings()
    if isinstance(delivery, dict):
        delivery = Delivery.from_dict(delivery)
    c = contract(source)
    with dsn.connect() as conn:
        conn.execute(
            "select pg_advisory_lock(hashtextextended(%s, 0))", [f"{_LOCK_NAMESPACE}:{source}:{delivery.sha256}"]
        )
        conn.commit()
        try:
            return _process(conn, dsn, c, delivery, settings, dag_id, run_id)
        finally:
            if not conn.closed:
                conn.rollback()
                conn.execute("select pg_advisory_unlock_all()")
                conn.commit()


def _process(conn, dsn, c: Contract, delivery: Delivery, settings, dag_id, run_id) -> LoadResult:
    started = time.monotonic()
    rows = conn.execute(
        "select delivery_id, path, status from ops.deliveries where source = %s and content_sha256 = %s"
        " order by delivery_id",
        [c.source, delivery.sha256],
    ).fetchall()
    conn.commit()
    for delivery_id, path, status in rows:
        if path == delivery.path:
            log.info("%s: already processed as delivery %s (%s)", delivery.path, delivery_id, status)
            return _existing(conn, c, delivery, delivery_id)
    archive_uri = landing.archive(delivery, settings.archive_root)
    if rows:
        original = next((r[0] for r in rows if r[2] != "duplicate"), rows[0][0])
        delivery_id = _insert_delivery(
            conn, c, delivery, "duplicate", archive_uri, dag_id, run_id, duplicate_of=original
        )
        conn.commit()
        log.info("%s: same bytes as delivery %s; recorded as duplicate, nothing loaded", delivery.path, original)
        return LoadResult(c.source, delivery.path, delivery.sha256, delivery_id, "duplicate", duplicate_of=original)

    table = scratch_name(c.source, delivery.sha256)
    qualified = f"ops.{ident(table)}"
    conn.execute(f"drop table if exists {qualified} cascade")
    conn.commit()
    try:
        layout, rows_read = _stage(conn, c, delivery, qualified, settings)
    except DeliveryRejected as rejected:
        conn.rollback()
        conn.execute(f"drop table if exists {qualified} cascade")
        result = _reject(conn, c, delivery, rejected, archive_uri, dag_id, run_id, rows_read=0)
        conn.commit()
        return result
    except BaseException:
        conn.rollback()
        conn.execute(f"drop table if exists {qualified} cascade")
        conn.commit()
        raise

    try:
        return _validate_and_load(
            conn, dsn, c, delivery, settings, layout, rows_read, table, archive_uri, dag_id, run_id, started
        )
    finally:
        if not conn.closed:
            conn.rollback()
            conn.execute(f"drop table if exists {qualified} cascade")
            conn.commit()


def _stage(conn, c: Contract, delivery: Delivery, qualified: str, settings: IngestSettings) -> tuple[Layout, int]:
    """Stream the file into the committed scratch table; returns the layout and the number of rows read."""
    reader = Reader(c, delivery.path, settings.chunk_bytes, settings.pii_key)
    # The scratch table is disposable: no need to wait for its commit to reach the disk.
    conn.execute("set local synchronous_commit = off")
    with delivery.open() as raw:
        stream = landing_stream(raw, delivery)
        try:
            if reader.is_jsonl:
                layout = reader.jsonl_layout()
                conn.execute(scratch_ddl(qualified, layout))
                with conn.cursor().copy(copy_statement(qualified, layout, passthrough=False)) as copy:
                    for row in reader.jsonl_rows(stream, layout):
                        copy.write_row(row)
                reader.check_jsonl_columns()
            else:
                layout, rest = reader.read_csv_header(stream)
                if c.pii_columns and reader.needs_parsing(layout) and settings.pii_key is None:
                    from service_quality.ingest.reader import _pii_message

                    raise PiiKeyMissing(_pii_message(delivery.path))
                conn.execute(scratch_ddl(qualified, layout))
                if reader.needs_parsing(layout):
                    with conn.cursor().copy(copy_statement(qualified, layout, passthrough=False)) as copy:
                        for row in reader.csv_rows(stream, rest, layout):
                            copy.write_row(row)
                else:
                    with conn.cursor().copy(copy_statement(qualified, layout, passthrough=True)) as copy:
                        for chunk in reader.csv_passthrough(stream, rest):
                            copy.write(chunk)
        except (errors.CharacterNotInRepertoire, errors.UntranslatableCharacter) as exc:
            raise DeliveryRejected(
                "encoding", f"{delivery.path}: not UTF-8 ({_first_line(exc)}); re-deliver the file as UTF-8"
            ) from None
        except (errors.BadCopyFileFormat, errors.InvalidTextRepresentation) as exc:
            raise DeliveryRejected(
                "unreadable", f"{delivery.path}: not a valid CSV ({_first_line(exc)}); fix the file and re-deliver"
            ) from None
    rows_read = conn.execute(f"select count(*) from {qualified}").fetchone()[0]
    if rows_read == 0:
        raise DeliveryRejected("no_rows", f"{delivery.path}: the file has a header but no data rows")
    conn.commit()
    return layout, rows_read


def landing_stream(raw, delivery: Delivery):
    from service_quality.ingest.reader import open_binary

    return open_binary(raw, delivery.path)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _validate_and_load(
    conn,
    dsn,
    c: Contract,
    delivery: Delivery,
    settings,
    layout: Layout,
    rows_read,
    table,
    archive_uri,
    dag_id,
    run_id,
    started,
) -> LoadResult:
    qualified = f"ops.{ident(table)}"
    needs_zones = any(col.enum == IANA_TIMEZONES for col in c.columns)
    timezones = _timezones(conn, dsn) if needs_zones else ()
    compiler = Compiler(c, layout.present, alias="s", timezones=timezones, shared=True)
    checks = compiler.checks()
    conn.commit()

    gx_outcome = None
    validation_started = time.monotonic()
    if settings.validate_with_gx:
        from service_quality.ingest import validate

        gx_outcome = validate.validate_scratch(dsn, "ops", table, c, layout, timezones, delivery, settings)
    validation_seconds = time.monotonic() - validation_started

    try:
        with conn.transaction():
            delivery_id = _insert_delivery(conn, c, delivery, "loaded", archive_uri, dag_id, run_id, layout=layout)
            params = {"delivery_id": delivery_id, "arrived_at": delivery.arrived_at, "path": delivery.path}
            conn.execute(_quarantine_sql(c, layout, compiler, checks, qualified), params)
            quarantine = sql.SQL(c.quarantine_table)
            by_check: dict[tuple[str | None, str], int] = {
                (col, rule): n
                for col, rule, n in conn.execute(
                    sql.SQL("select column_name, rule, count(*) from {} where delivery_id = %s group by 1, 2").format(
                        quarantine
                    ),
                    [delivery_id],
                )
            }
            rows_quarantined = conn.execute(
                sql.SQL("select count(distinct row_number) from {} where delivery_id = %s").format(quarantine),
                [delivery_id],
            ).fetchone()[0]
            if gx_outcome is not None:
                gx_outcome.assert_agrees(by_check, delivery.path)
            share = rows_quarantined / rows_read
            threshold = c.bad_row_threshold if settings.bad_row_threshold is None else settings.bad_row_threshold
            if share > threshold:
                worst = sorted(by_check.items(), key=lambda kv: -kv[1])
                text = ", ".join(f"{col} {rule} ({n})" for (col, rule), n in worst[:3])
                raise _TooManyBadRows(
                    f"{delivery.path}: {rows_quarantined} of {rows_read} rows ({share:.0%}) break row rules, above "
                    f"the {threshold:.0%} threshold; most common: {text}. Fix the export and re-deliver",
                    worst[0][0][0] if worst else None,
                )
            rows_loaded = conn.execute(_raw_sql(c, compiler, layout, qualified), params).rowcount
            if rows_read != rows_loaded + rows_quarantined:
                raise RuntimeError(
                    f"{delivery.path}: reconciliation failed: read {rows_read}, loaded {rows_loaded}, "
                    f"quarantined {rows_quarantined}"
                )
            if gx_outcome is not None:
                gx_outcome.store(conn, delivery_id, c.source)
            conn.execute(
                "update ops.deliveries set rows_read = %s, rows_loaded = %s, rows_quarantined = %s,"
                " validation_seconds = %s, load_seconds = %s where delivery_id = %s",
                [rows_read, rows_loaded, rows_quarantined, validation_seconds, time.monotonic() - started, delivery_id],
            )
            conn.execute(f"drop table if exists {qualified} cascade")
    except _TooManyBadRows as bad:
        with conn.transaction():
            result = _reject(
                conn,
                c,
                delivery,
                DeliveryRejected("too_many_bad_rows", bad.message, bad.column),
                archive_uri,
                dag_id,
                run_id,
                rows_read=rows_read,
            )
            if gx_outcome is not None:
                gx_outcome.store(conn, result.delivery_id, c.source)
            conn.execute(f"drop table if exists {qualified} cascade")
        result.gx_success = None if gx_outcome is None else gx_outcome.success
        return result
    log.info(
        "%s: delivery %s loaded: %s rows read, %s loaded, %s quarantined",
        delivery.path,
        delivery_id,
        rows_read,
        rows_loaded,
        rows_quarantined,
    )
    return LoadResult(
        c.source,
        delivery.path,
        delivery.sha256,
        delivery_id,
        "loaded",
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        rows_quarantined=rows_quarantined,
        extra_columns=list(layout.extra_headers),
        gx_success=None if gx_outcome is None else gx_outcome.success,
        data_docs_uri=None if gx_outcome is None else gx_outcome.data_docs_uri,
    )


class _TooManyBadRows(Exception):
    def __init__(self, message: str, column: str | None) -> None:
        super().__init__(message)
        self.message, self.column = message, column


def _reject(conn, c, delivery, rejected: DeliveryRejected, archive_uri, dag_id, run_id, rows_read: int) -> LoadResult:
    delivery_id = _insert_delivery(
        conn,
        c,
        delivery,
        "rejected",
        archive_uri,
        dag_id,
        run_id,
        reason=rejected.reason,
        column=rejected.column,
        message=rejected.message,
        rows_read=rows_read,
    )
    log.warning("%s: delivery %s rejected (%s): %s", delivery.path, delivery_id, rejected.reason, rejected.message)
    return LoadResult(
        c.source,
        delivery.path,
        delivery.sha256,
        delivery_id,
        "rejected",
        rows_read=rows_read,
        rejection_reason=rejected.reason,
        rejection_column=rejected.column,
        message=rejected.message,
    )


def _insert_delivery(
    conn,
    c: Contract,
    delivery: Delivery,
    status: str,
    archive_uri: str,
    dag_id,
    run_id,
    duplicate_of: int | None = None,
    reason: str | None = None,
    column: str | None = None,
    message: str | None = None,
    rows_read: int = 0,
    layout: Layout | None = None,
) -> int:
    return conn.execute(
        """
        insert into ops.deliveries (source, path, content_sha256, size_bytes, arrived_at, status, duplicate_of,
            rows_read, rejection_reason, rejection_column, rejection_message, extra_columns, dag_id, run_id,
            archive_uri)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        returning delivery_id
        """,
        [
            c.source,
            delivery.path,
            delivery.sha256,
            delivery.size_bytes,
            delivery.arrived_at,
            status,
            duplicate_of,
            rows_read,
            reason,
            column,
            message,
            list(layout.extra_headers) if layout else [],
            dag_id,
            run_id,
            archive_uri,
        ],
    ).fetchone()[0]


def _existing(conn, c: Contract, delivery: Delivery, delivery_id: int) -> LoadResult:
    row = conn.execute(
        "select status, rows_read, rows_loaded, rows_quarantined, rejection_reason, rejection_column,"
        " rejection_message, extra_columns, duplicate_of from ops.deliveries where delivery_id = %s",
        [delivery_id],
    ).fetchone()
    conn.commit()
    return LoadResult(
        c.source,
        delivery.path,
        delivery.sha256,
        delivery_id,
        "skipped",
        rows_read=row[1],
        rows_loaded=row[2],
        rows_quarantined=row[3],
        rejection_reason=row[4],
        rejection_column=row[5],
        message=f"already processed: {row[0]}" + (f" ({row[6]})" if row[6] else ""),
        extra_columns=list(row[7] or []),
        duplicate_of=row[8],
    )


# ---- SQL -----------------------------------------------------------------------------------------


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


def _quarantine_sql(c: Contract, layout: Layout, compiler: Compiler, checks: list[Check], qualified: str) -> str:
    """Every broken rule of every row. The type tests run once per row (lateral ``k``); only rows that
    break something are expanded into one candidate per rule, which keeps the pass close to a scan."""
    outer = Compiler(c, layout.present, alias="s", timezones=compiler.timezones, shared=True, shared_alias="s")
    any_broken = " or ".join(f"({chk.broken})" for chk in checks) or "false"
    values = ",\n            ".join(
        f"({chk.broken}, {lit(chk.column) if chk.column else 'null'}, {lit(chk.rule)}, {chk.value}, {lit(chk.message)})"
        for chk in outer.checks()
    )
    return f"""
        insert into {c.quarantine_table} (delivery_id, row_number, column_name, rule, value, message, record)
        select %(delivery_id)s, s._row_number, c.column_name, c.rule, c.value,
            %(path)s || ' row ' || s._row_number || ': ' || c.message
                || coalesce(' (value ' || quote_literal(c.value) || ')', ' (empty)'),
            {_record_expr(layout)}
        from (
            select s.*{", k.*" if compiler.lateral() else ""}
            from {qualified} as s
            {compiler.lateral()}
            where {any_broken}
            offset 0
        ) as s
        cross join lateral (values
            {values}
        ) as c (broken, column_name, rule, value, message)
        where c.broken
    """


def _raw_sql(c: Contract, compiler: Compiler, layout: Layout, qualified: str) -> str:
    targets = [ident(c.raw_column(col.name)) for col in c.columns]
    exprs = [compiler.cast(col.name) for col in c.columns]
    return f"""
        insert into {c.raw_table} ({", ".join(targets)}, _delivery_id, _row_number, _arrived_at, _extra)
        select {", ".join(exprs)}, %(delivery_id)s, s._row_number, %(arrived_at)s, {_extra_expr(layout)}
        from {qualified} as s
        where not exists (
            select 1 from {c.quarantine_table} as q
            where q.delivery_id = %(delivery_id)s and q.row_number = s._row_number
        )
    """
