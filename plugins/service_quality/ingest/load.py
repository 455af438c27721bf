"""Load deliveries in batches: scratch COPY -> set-based validation -> raw + quarantine + bookkeeping.

A batch is a list of deliveries of one source (an ingest task's share of the new files). The order of
work, and why:

1. Session advisory locks on (source, content hash) serialise two tasks that got the same bytes, so
   "the same delivery twice loads once" holds even when both run at the same moment.
2. Already processed? The same path and bytes: nothing to do (a retry after success). The same bytes
   under another path: recorded as ``duplicate`` of the first, nothing loaded.
3. The bytes are archived first, so a rejected file stays available for a fix and a replay.
4. Each file is streamed into its own unlogged scratch table of text columns (``reader``) and
   committed, so Great Expectations can read it from its own connection. A file that cannot be read
   or lacks a required column is rejected here, alone. Scratch tables are not warehouse state: a
   crash leaves at most scratch tables, dropped by the retry.
5. The staged files that share a layout are validated together: one Great Expectations run over all
   of them (in a second thread, on its own connection, while this one routes the rows: two cores,
   two PostgreSQL backends) and one set-based pass that inserts the rows that break no rule with their
   casts and lineage; only the files that lost rows on the way are read again, to write their quarantine
   rows (every broken rule). A file whose share of bad rows is above the threshold is rejected and what
   the pass loaded of it removed (rare, so the common path does not pay for it). All of it, with the
   ``ops.deliveries`` rows, their reconciliation and the GX result, commits in one transaction: kill the
   process anywhere and every delivery is whole or absent.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
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
    """Process one delivery end to end (a batch of one). Safe to call again: it converges."""
    return load_batch(source, [delivery], dsn, settings, dag_id, run_id)[0]


def load_batch(
    source: str,
    deliveries: list[Delivery | dict[str, Any]],
    dsn: WarehouseDsn,
    settings: IngestSettings | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> list[LoadResult]:
    """Process deliveries of ``source`` together; one result per delivery, in the given order.

    A file whose bytes already came earlier in the batch is recorded as a duplicate of that one, after
    it: the first arrival is the delivery, whatever order the files were listed in.
    """
    settings = settings or IngestSettings()
    c = contract(source)
    items = [Delivery.from_dict(d) if isinstance(d, dict) else d for d in deliveries]
    results: dict[int, LoadResult] = {}
    with dsn.connect() as conn:
        # Sorted, so two batches that share files take their locks in the same order (no deadlock).
        keys = sorted({f"{_LOCK_NAMESPACE}:{source}:{d.sha256}" for d in items})
        conn.execute("select pg_advisory_lock(hashtextextended(k, 0)) from unnest(%s::text[]) as k order by k", [keys])
        conn.commit()
        scratch = _Scratch(conn, c.source)
        try:
            first: set[str] = set()
            later: list[int] = []
            staged: list[_Staged] = []
            # Staging commits once for the whole batch (a savepoint per file), so GX can read it.
            with conn.transaction():
                conn.execute("set local synchronous_commit = off")  # scratch tables are disposable
                for index, delivery in enumerate(items):
                    if delivery.sha256 in first:
                        later.append(index)
                        continue
                    first.add(delivery.sha256)
                    outcome = _prepare(conn, c, delivery, index, scratch, settings, dag_id, run_id)
                    if isinstance(outcome, LoadResult):
                        results[index] = outcome
                    else:
                        staged.append(outcome)
            for table, group in scratch.groups(staged):
                for staged_one, result in _route(conn, dsn, c, table, group, settings, dag_id, run_id):
                    results[staged_one.index] = result
            with conn.transaction():
                for index in later:
                    outcome = _prepare(conn, c, items[index], index, scratch, settings, dag_id, run_id)
                    if not isinstance(outcome, LoadResult):  # its twin failed before it was recorded
                        raise RuntimeError(f"{items[index].path}: expected a duplicate of an earlier delivery")
                    results[index] = outcome
        finally:
            if not conn.closed:
                conn.rollback()
                scratch.drop_all()
                conn.execute("select pg_advisory_unlock_all()")
                conn.commit()
    return [results[i] for i in range(len(items))]


@dataclass
class _Staged:
    """A delivery whose rows are in its batch's committed scratch table, waiting for validation. ``index``, its
    place in the batch, is also its ``_file`` number in the scratch table."""

    index: int
    delivery: Delivery
    layout: Layout
    rows_read: int
    table: str
    archive_uri: str


def layout_key(layout: Layout) -> tuple:
    """Files with the same key can share a scratch table, a GX run and the routing SQL."""
    return tuple((col.name, col.header, col.contract_column) for col in layout.columns), layout.extra_json_column


class _Scratch:
    """The batch's scratch tables: one unlogged table of text columns per file layout, not one per file
    (creating an unlogged table syncs its init fork to disk: ~15 ms each). Each file's rows carry its
    number in ``_file`` (the column's default reads it from a setting made before its COPY) and restart
    ``_row_number`` at 1.
    Tables are named after the first file that used them, so a retry of that file drops a leftover."""

    def __init__(self, conn, source: str) -> None:
        self.conn, self.source = conn, source
        self.tables: dict[tuple, str] = {}
        self.created: list[str] = []

    def name(self, delivery: Delivery) -> str:
        return f"ops.{ident(scratch_name(self.source, delivery.sha256))}"

    def drop_leftover(self, delivery: Delivery) -> None:
        self.conn.execute(f"drop table if exists {self.name(delivery)} cascade")

    def table_for(self, layout: Layout, delivery: Delivery, file: int) -> str:
        key = layout_key(layout)
        table = self.tables.get(key)
        if table is None:
            table = self.tables[key] = self.name(delivery)
            self.created.append(table)
            self.conn.execute(scratch_ddl(table, layout))
        # No ALTER per file (it takes an exclusive lock and invalidates the catalog): the _file default reads a
        # transaction-local setting, and the row-number sequence is set back to 1.
        self.conn.execute(
            "select set_config('sqw.scratch_file', %s, true), setval(pg_get_serial_sequence(%s, '_row_number'), 1, false)",
            [str(int(file)), table],
        )
        return table

    def forget_since(self, mark: int) -> None:
        """A file's savepoint was rolled back: so were the tables it created."""
        for table in self.created[mark:]:
            self.tables = {k: v for k, v in self.tables.items() if v != table}
        del self.created[mark:]

    def groups(self, staged: list[_Staged]) -> list[tuple[str, list[_Staged]]]:
        by_table: dict[str, list[_Staged]] = {}
        for s in staged:
            by_table.setdefault(s.table, []).append(s)
        return list(by_table.items())

    def drop_all(self) -> None:
        for table in self.created:
            self.conn.execute(f"drop table if exists {table} cascade")


def _prepare(
    conn, c: Contract, delivery: Delivery, index: int, scratch: _Scratch, settings, dag_id, run_id
) -> LoadResult | _Staged:
    """A final result (skipped, duplicate, rejected while reading), or the delivery staged in its scratch table.

    Runs inside the caller's transaction; the file's staging has its own savepoint."""
    rows = conn.execute(
        "select delivery_id, path, status from ops.deliveries where source = %s and content_sha256 = %s"
        " order by delivery_id",
        [c.source, delivery.sha256],
    ).fetchall()
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
        log.info("%s: same bytes as delivery %s; recorded as duplicate, nothing loaded", delivery.path, original)
        return LoadResult(c.source, delivery.path, delivery.sha256, delivery_id, "duplicate", duplicate_of=original)

    scratch.drop_leftover(delivery)
    mark = len(scratch.created)
    try:
        with conn.transaction():
            layout, table, rows_read = _stage(conn, c, delivery, index, scratch, settings)
    except DeliveryRejected as rejected:
        scratch.forget_since(mark)
        return _reject(conn, c, delivery, rejected, archive_uri, dag_id, run_id, rows_read=0)
    except BaseException:
        scratch.forget_since(mark)
        raise
    return _Staged(index, delivery, layout, rows_read, table, archive_uri)


def _stage(
    conn, c: Contract, delivery: Delivery, file: int, scratch: _Scratch, settings: IngestSettings
) -> tuple[Layout, str, int]:
    """Stream the file into its layout's scratch table; returns the layout, the table and the rows read."""
    reader = Reader(c, delivery.path, settings.chunk_bytes, settings.pii_key)
    cur = conn.cursor()
    with delivery.open() as raw:
        stream = landing_stream(raw, delivery)
        try:
            if reader.is_jsonl:
                layout = reader.jsonl_layout()
                table = scratch.table_for(layout, delivery, file)
                with cur.copy(copy_statement(table, layout, passthrough=False)) as copy:
                    for row in reader.jsonl_rows(stream, layout):
                        copy.write_row(row)
                reader.check_jsonl_columns()
            else:
                layout, rest = reader.read_csv_header(stream)
                if c.pii_columns and reader.needs_parsing(layout) and settings.pii_key is None:
                    from service_quality.ingest.reader import _pii_message

                    raise PiiKeyMissing(_pii_message(delivery.path))
                table = scratch.table_for(layout, delivery, file)
                if reader.needs_parsing(layout):
                    with cur.copy(copy_statement(table, layout, passthrough=False)) as copy:
                        for row in reader.csv_rows(stream, rest, layout):
                            copy.write_row(row)
                else:
                    with cur.copy(copy_statement(table, layout, passthrough=True)) as copy:
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
    rows_read = cur.rowcount
    if rows_read == 0:
        raise DeliveryRejected("no_rows", f"{delivery.path}: the file has a header but no data rows")
    return layout, table, rows_read


def landing_stream(raw, delivery: Delivery):
    from service_quality.ingest.reader import open_binary

    return open_binary(raw, delivery.path)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _route(
    conn, dsn, c: Contract, table: str, group: list[_Staged], settings, dag_id, run_id
) -> list[tuple[_Staged, LoadResult]]:
    """Validate and load the deliveries staged in ``table``: one GX run, one set-based pass, one transaction."""
    started = time.monotonic()
    layout = group[0].layout
    needs_zones = any(col.enum == IANA_TIMEZONES for col in c.columns)
    timezones = _timezones(conn, dsn) if needs_zones else ()
    compiler = Compiler(c, layout.present, alias="s", timezones=timezones, shared=True)
    checks = compiler.checks()
    table_name = table.split(".", 1)[1].strip('"')  # GX's datasource names schema and table apart
    conn.commit()  # end the implicit transaction of the queries above: the routing must be a transaction of its own
    label = group[0].delivery.path if len(group) == 1 else f"{len(group)} {c.source} deliveries"
    total_rows = sum(g.rows_read for g in group)

    def validate_with_gx():
        from service_quality.ingest import validate

        began = time.monotonic()
        outcome = validate.validate_scratch(
            dsn, "ops", table_name, c, layout, timezones, [g.delivery for g in group], settings
        )
        return outcome, time.monotonic() - began

    # GX reads the committed scratch tables on its own connection while this one routes the rows.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"gx-{c.source}") as pool:
        gx_future = pool.submit(validate_with_gx) if settings.validate_with_gx else None
        try:
            with conn.transaction():
                ids = [
                    _insert_delivery(conn, c, g.delivery, "loaded", g.archive_uri, dag_id, run_id, layout=g.layout)
                    for g in group
                ]
                loaded, bad_rows, by_check = _route_rows(conn, c, layout, compiler, checks, table, group, ids)
                threshold = c.bad_row_threshold if settings.bad_row_threshold is None else settings.bad_row_threshold
                rejected: dict[int, DeliveryRejected] = {}
                for g, delivery_id in zip(group, ids, strict=True):
                    share = bad_rows.get(delivery_id, 0) / g.rows_read
                    if share > threshold:
                        rejected[delivery_id] = _too_many_bad_rows(
                            g, bad_rows[delivery_id], share, threshold, by_check[delivery_id]
                        )
                for delivery_id, why in rejected.items():
                    # Rare: the routing loaded this delivery's valid rows optimistically; take them back out.
                    conn.execute(
                        sql.SQL("delete from {} where delivery_id = %s").format(sql.SQL(c.quarantine_table)),
                        [delivery_id],
                    )
                    conn.execute(
                        sql.SQL("delete from {} where _delivery_id = %s").format(sql.SQL(c.raw_table)), [delivery_id]
                    )
                    loaded.pop(delivery_id, None)
                    conn.execute(
                        "update ops.deliveries set status = 'rejected', rejection_reason = %s, rejection_column = %s,"
                        " rejection_message = %s where delivery_id = %s",
                        [why.reason, why.column, why.message, delivery_id],
                    )
                for g, delivery_id in zip(group, ids, strict=True):
                    if delivery_id in rejected:
                        continue
                    n_loaded, n_bad = loaded.get(delivery_id, 0), bad_rows.get(delivery_id, 0)
                    if g.rows_read != n_loaded + n_bad:
                        raise RuntimeError(
                            f"{g.delivery.path}: reconciliation failed: read {g.rows_read}, loaded {n_loaded}, "
                            f"quarantined {n_bad}"
                        )
                # Nothing commits before Great Expectations has checked the same rows and agrees.
                gx_outcome, gx_seconds = gx_future.result() if gx_future is not None else (None, 0.0)
                if gx_outcome is not None:
                    totals: dict[tuple[str | None, str], int] = {}
                    for counts in by_check.values():
                        for key, n in counts.items():
                            totals[key] = totals.get(key, 0) + n
                    gx_outcome.assert_agrees(totals, label)
                    gx_outcome.store(
                        conn,
                        c.source,
                        [
                            (delivery_id, g.rows_read, bad_rows.get(delivery_id, 0))
                            for g, delivery_id in zip(group, ids, strict=True)
                        ],
                    )
                elapsed = time.monotonic() - started
                conn.cursor().executemany(
                    "update ops.deliveries set rows_read = %s, rows_loaded = %s, rows_quarantined = %s,"
                    " validation_seconds = %s, load_seconds = %s where delivery_id = %s",
                    [
                        (
                            g.rows_read,
                            0 if delivery_id in rejected else loaded.get(delivery_id, 0),
                            0 if delivery_id in rejected else bad_rows.get(delivery_id, 0),
                            gx_seconds * g.rows_read / total_rows,
                            elapsed * g.rows_read / total_rows,
                            delivery_id,
                        )
                        for g, delivery_id in zip(group, ids, strict=True)
                    ],
                )
                conn.execute(f"drop table if exists {table} cascade")
        except BaseException:
            if gx_future is not None:
                gx_future.cancel()
            raise
    out = []
    for g, delivery_id in zip(group, ids, strict=True):
        gx_success = None if gx_outcome is None else gx_outcome.success
        if delivery_id in rejected:
            why = rejected[delivery_id]
            log.warning("%s: delivery %s rejected (%s): %s", g.delivery.path, delivery_id, why.reason, why.message)
            result = LoadResult(
                c.source,
                g.delivery.path,
                g.delivery.sha256,
                delivery_id,
                "rejected",
                rows_read=g.rows_read,
                rejection_reason=why.reason,
                rejection_column=why.column,
                message=why.message,
                gx_success=gx_success,
            )
        else:
            result = LoadResult(
                c.source,
                g.delivery.path,
                g.delivery.sha256,
                delivery_id,
                "loaded",
                rows_read=g.rows_read,
                rows_loaded=loaded.get(delivery_id, 0),
                rows_quarantined=bad_rows.get(delivery_id, 0),
                extra_columns=list(g.layout.extra_headers),
                gx_success=gx_success,
                data_docs_uri=None if gx_outcome is None else gx_outcome.data_docs_uri,
            )
        out.append((g, result))
    log.info(
        "%s: %s loaded, %s rejected; %s rows read, %s loaded, %s quarantined (%.2f s)",
        label,
        len(group) - len(rejected),
        len(rejected),
        total_rows,
        sum(loaded.values()),
        sum(v for k, v in bad_rows.items() if k not in rejected),
        time.monotonic() - started,
    )
    return out


def _route_rows(
    conn,
    c: Contract,
    layout: Layout,
    compiler: Compiler,
    checks: list[Check],
    table: str,
    group: list[_Staged],
    ids: list[int],
) -> tuple[dict[int, int], dict[int, int], dict[int, dict[tuple[str | None, str], int]]]:
    """Route the batch's rows; per delivery: rows loaded, rows quarantined, quarantine rows per (column, rule).

    One pass evaluates the rules on every row and inserts those that break none into raw. Only the deliveries
    that did not load all their rows are read again, to write one quarantine row per broken rule of each
    row that breaks something: a clean batch reads its rows once."""
    conn.execute(_raw_sql(c, compiler, layout, table, _files_sql(group, ids)))
    loaded: dict[int, int] = dict(
        conn.execute(
            sql.SQL("select _delivery_id, count(*) from {} where _delivery_id = any(%s) group by 1").format(
                sql.SQL(c.raw_table)
            ),
            [ids],
        ).fetchall()
    )
    dirty = [
        (g, delivery_id) for g, delivery_id in zip(group, ids, strict=True) if loaded.get(delivery_id, 0) < g.rows_read
    ]
    by_check: dict[int, dict[tuple[str | None, str], int]] = {i: {} for i in ids}
    if not dirty:
        return loaded, {}, by_check
    dirty_ids = [delivery_id for _, delivery_id in dirty]
    files = _files_sql([g for g, _ in dirty], dirty_ids)
    conn.execute(_quarantine_sql(c, layout, compiler, checks, table, files))
    quarantine = sql.SQL(c.quarantine_table)
    for delivery_id, col, rule, n in conn.execute(
        sql.SQL(
            "select delivery_id, column_name, rule, count(*) from {} where delivery_id = any(%s) group by 1, 2, 3"
        ).format(quarantine),
        [dirty_ids],
    ):
        by_check[delivery_id][(col, rule)] = n
    bad_rows: dict[int, int] = dict(
        conn.execute(
            sql.SQL(
                "select delivery_id, count(distinct row_number) from {} where delivery_id = any(%s) group by 1"
            ).format(quarantine),
            [dirty_ids],
        ).fetchall()
    )
    return loaded, bad_rows, by_check


def _too_many_bad_rows(
    g: _Staged, bad: int, share: float, threshold: float, by_check: dict[tuple[str | None, str], int]
) -> DeliveryRejected:
    worst = sorted(by_check.items(), key=lambda kv: -kv[1])
    text = ", ".join(f"{col} {rule} ({n})" for (col, rule), n in worst[:3])
    return DeliveryRejected(
        "too_many_bad_rows",
        f"{g.delivery.path}: {bad} of {g.rows_read} rows ({share:.0%}) break row rules, above "
        f"the {threshold:.0%} threshold; most common: {text}. Fix the export and re-deliver",
        worst[0][0][0] if worst else None,
    )


def _files_sql(group: list[_Staged], ids: list[int]) -> str:
    """The batch's files as a relation: scratch ``_file`` -> delivery id, landing path, arrival time."""
    rows = ", ".join(
        f"({g.index}, {delivery_id}, {lit(g.delivery.path)}, {lit(g.delivery.arrived_at)}::timestamptz)"
        for g, delivery_id in zip(group, ids, strict=True)
    )
    return f"(values {rows}) as f (_file, delivery_id, path, arrived_at)"


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


def _quarantine_sql(
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


def _raw_sql(c: Contract, compiler: Compiler, layout: Layout, relation: str, files: str) -> str:
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
