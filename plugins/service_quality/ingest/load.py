"""Load deliveries in batches: scratch COPY -> set-based validation -> raw + quarantine + bookkeeping.

A batch is a list of deliveries of one source (an ingest task's share of the new files). This module is
the order of the steps; each step's work lives in the module named for it (``scratch``: staging,
``sql``: the SQL it runs, ``bookkeeping``: ``ops.deliveries``, ``validate``: Great Expectations).
The order of work, and why:

1. Session advisory locks on (source, content hash) serialise two tasks that got the same bytes, so
   "the same delivery twice loads once" holds even when both run at the same moment.
2. Already processed? The same path and bytes: nothing to do (a retry after success). The same bytes
   under another path: recorded as ``duplicate`` of the first, nothing loaded.
3. The bytes are archived first, so a rejected file stays available for a fix and a replay.
4. Each file is streamed into its own unlogged scratch table of text columns (``scratch``) and
   committed, so Great Expectations can read it from its own connection. A file that cannot be read
   or lacks a required column is rejected here, alone. Scratch tables are not warehouse state: a
   crash leaves at most scratch tables, dropped by the retry.
5. The staged files that share a layout are validated together (:func:`route`): one Great Expectations
   run over all of them (in a second thread, on its own connection, while this one routes the rows: two
   cores, two PostgreSQL backends) and one set-based pass that inserts the rows that break no rule with
   their casts and lineage; only the files that lost rows on the way are read again, to write their
   quarantine rows (every broken rule). A file whose share of bad rows is above the threshold is rejected
   and what the pass loaded of it removed (rare, so the common path does not pay for it). All of it, with
   the ``ops.deliveries`` rows, their reconciliation and the GX result, commits in one transaction: kill
   the process anywhere and every delivery is whole or absent.

A broken invariant (the counts do not reconcile, GX and SQL disagree) raises
:class:`~service_quality.ingest.errors.InvariantBroken` and nothing of the batch's layout commits.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from service_quality.contracts import IANA_TIMEZONES, contract
from service_quality.ingest import bookkeeping, landing
from service_quality.ingest.bookkeeping import LoadResult
from service_quality.ingest.errors import DeliveryRejected, InvariantBroken
from service_quality.ingest.landing import Delivery
from service_quality.ingest.load_run import LoadRun
from service_quality.ingest.reader import Layout
from service_quality.ingest.scratch import Scratch, Staged
from service_quality.ingest.settings import IngestSettings
from service_quality.ingest.sql.routing import files_sql, mark_long_fields_sql, quarantine_sql, raw_sql
from service_quality.ingest.sql.rules import Check, Compiler
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

_LOCK_NAMESPACE = "sqw-ingest"

#: Quarantine rows of a delivery per (column, rule).
RuleCounts = dict[tuple[str | None, str], int]


def load_file(
    source: str,
    file: Delivery | dict[str, Any],
    dsn: WarehouseDsn,
    settings: IngestSettings | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> LoadResult:
    """Process one file end to end (a batch of one). Safe to call again: it converges."""
    return load_files(source, [file], dsn, settings, dag_id, run_id)[0]


def load_files(
    source: str,
    files: list[Delivery | dict[str, Any]],
    dsn: WarehouseDsn,
    settings: IngestSettings | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> list[LoadResult]:
    """Process files of ``source`` together; one result per file, in the given order.

    A file whose bytes already came earlier in the batch is recorded as a duplicate of that one, after
    it: the first arrival is the delivery, whatever order the files were listed in.
    """
    run = LoadRun(contract(source), dsn, settings or IngestSettings(), dag_id, run_id)
    items = [Delivery.from_dict(d) if isinstance(d, dict) else d for d in files]
    with dsn.connect() as conn:
        _lock(conn, run, items)
        scratch = Scratch(conn, run.source)
        try:
            results, staged, copies = _stage(conn, run, items, scratch)
            for table, group in scratch.groups(staged):
                for staged_one, result in route(conn, run, table, group):
                    results[staged_one.index] = result
            results |= _record_copies(conn, run, items, copies, scratch)
        finally:
            if not conn.closed:
                conn.rollback()
                scratch.drop_all()
                conn.execute("select pg_advisory_unlock_all()")
                conn.commit()
    return [results[i] for i in range(len(items))]


# ---- 1. lock ---------------------------------------------------------------------------------------


def _lock(conn, run: LoadRun, items: list[Delivery]) -> None:
    # Sorted, so two batches that share files take their locks in the same order (no deadlock).
    keys = sorted({f"{_LOCK_NAMESPACE}:{run.source}:{d.sha256}" for d in items})
    conn.execute("select pg_advisory_lock(hashtextextended(k, 0)) from unnest(%s::text[]) as k order by k", [keys])
    conn.commit()


# ---- 2.-4. skip, record duplicates, archive, stage ----------------------------------------------------


def _stage(
    conn, run: LoadRun, items: list[Delivery], scratch: Scratch
) -> tuple[dict[int, LoadResult], list[Staged], list[int]]:
    """Each file's final result (skipped, duplicate, rejected while reading) or its place in a scratch table;
    the files whose bytes came earlier in the batch wait (their indexes are returned) for their delivery's
    outcome. Staging commits once for the whole batch (a savepoint per file), so GX can read it."""
    results: dict[int, LoadResult] = {}
    staged: list[Staged] = []
    first: set[str] = set()
    copies: list[int] = []
    with conn.transaction():
        conn.execute("set local synchronous_commit = off")  # scratch tables are disposable
        for index, delivery in enumerate(items):
            if delivery.sha256 in first:
                copies.append(index)
                continue
            first.add(delivery.sha256)
            outcome = _prepare(conn, run, delivery, index, scratch)
            if isinstance(outcome, LoadResult):
                results[index] = outcome
            else:
                staged.append(outcome)
    return results, staged, copies


def _prepare(conn, run: LoadRun, delivery: Delivery, index: int, scratch: Scratch) -> LoadResult | Staged:
    """A final result (skipped, duplicate, rejected while reading), or the delivery staged in its scratch table."""
    recorded = bookkeeping.recorded(conn, run, delivery)
    for delivery_id, path, status in recorded:
        if path == delivery.path:
            log.info("%s: already processed as delivery %s (%s)", delivery.path, delivery_id, status)
            return bookkeeping.existing(conn, run, delivery, delivery_id)
    if delivery.refusal is not None:
        # Not a regular file inside the landing root (DATA_CONTRACTS.md): recorded, never opened or archived.
        return bookkeeping.record_rejected(conn, run, delivery, landing.refused(delivery), None)
    try:
        # A file swapped for a link or a pipe since the walk is refused here, unread, like one the walk refused.
        archive_uri = landing.archive(delivery, run.settings.archive_root)
    except DeliveryRejected as rejected:
        return bookkeeping.record_rejected(conn, run, delivery, rejected, None)
    if recorded:
        original = next((r[0] for r in recorded if r[2] != "duplicate"), recorded[0][0])
        return bookkeeping.record_duplicate(conn, run, delivery, archive_uri, original)
    try:
        return scratch.stage(run, delivery, index, archive_uri)
    except DeliveryRejected as rejected:
        return bookkeeping.record_rejected(conn, run, delivery, rejected, archive_uri)


def _record_copies(
    conn, run: LoadRun, items: list[Delivery], copies: list[int], scratch: Scratch
) -> dict[int, LoadResult]:
    """The later copies of the batch's files, recorded as duplicates once their delivery is."""
    results: dict[int, LoadResult] = {}
    with conn.transaction():
        for index in copies:
            outcome = _prepare(conn, run, items[index], index, scratch)
            if not isinstance(outcome, LoadResult):  # its twin failed before it was recorded
                raise InvariantBroken(f"{items[index].path}: expected a duplicate of an earlier delivery")
            results[index] = outcome
    return results


# ---- 5. route: validate and load one scratch table's deliveries -------------------------------------


@dataclass(frozen=True)
class LayoutGroup:
    """The deliveries of a batch staged in one scratch table (they share a layout) and their compiled rules."""

    source: str
    table: str
    staged: list[Staged]
    compiler: Compiler
    checks: list[Check]

    @property
    def layout(self) -> Layout:
        return self.staged[0].layout

    @property
    def label(self) -> str:
        return self.staged[0].delivery.path if len(self.staged) == 1 else f"{len(self.staged)} {self.source} deliveries"

    @property
    def total_rows(self) -> int:
        return sum(s.rows_read for s in self.staged)


@dataclass
class Routed:
    """One delivery of a layout group through the routing: its row, its counts and, if so, its rejection."""

    staged: Staged
    delivery_id: int
    loaded: int = 0
    bad_rows: int = 0
    by_check: RuleCounts = field(default_factory=dict)
    rejected: DeliveryRejected | None = None


def route(conn, run: LoadRun, table: str, staged: list[Staged]) -> list[tuple[Staged, LoadResult]]:
    """Validate and load the deliveries staged in ``table``: one GX run, one set-based pass, one transaction."""
    started = time.monotonic()
    group = _compile(conn, run, table, staged)
    if not all(s.fields_checked for s in staged):
        conn.execute(mark_long_fields_sql(group.layout, table))  # quoted fields a pass-through COPY took as they were
    conn.commit()  # end the implicit transaction of the queries above: the routing must be a transaction of its own
    # GX reads the committed scratch tables on its own connection while this one routes the rows.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"gx-{run.source}") as pool:
        gx = pool.submit(_validate_with_gx, run, group) if run.settings.validate_with_gx else None
        try:
            with conn.transaction():
                routed = _route_rows(conn, run, group)
                _reject_above_threshold(conn, run, routed)
                _reconcile(routed)
                # Nothing commits before Great Expectations has checked the same rows and agrees.
                gx_outcome, gx_seconds = _wait_for_gx(conn, run, gx, group, routed)
                _record_counts(conn, group, routed, gx_seconds, time.monotonic() - started)
                conn.execute(f"drop table if exists {table} cascade")
        except BaseException:
            if gx is not None:
                gx.cancel()
            raise
    out = [(r.staged, _result(run, r, gx_outcome)) for r in routed]
    kept = [r for r in routed if r.rejected is None]
    log.info(
        "%s: %s loaded, %s rejected; %s rows read, %s loaded, %s quarantined (%.2f s)",
        group.label,
        len(kept),
        len(routed) - len(kept),
        group.total_rows,
        sum(r.loaded for r in kept),
        sum(r.bad_rows for r in kept),
        time.monotonic() - started,
    )
    return out


_TIMEZONES: dict[str, tuple[str, ...]] = {}


def _timezones(conn, dsn: WarehouseDsn) -> tuple[str, ...]:
    """PostgreSQL's time-zone names (what dbt converts with); read once per process and server."""
    key = f"{dsn.host}:{dsn.port}"
    if key not in _TIMEZONES:
        _TIMEZONES[key] = tuple(r[0] for r in conn.execute("select name from pg_timezone_names order by name"))
    return _TIMEZONES[key]


def _compile(conn, run: LoadRun, table: str, staged: list[Staged]) -> LayoutGroup:
    """The contract's rules compiled for the group's layout (and the server's time zones, if a rule needs them)."""
    needs_zones = any(col.enum == IANA_TIMEZONES for col in run.contract.columns)
    timezones = _timezones(conn, run.dsn) if needs_zones else ()
    compiler = Compiler(run.contract, staged[0].layout.present, alias="s", timezones=timezones, shared=True)
    return LayoutGroup(run.source, table, staged, compiler, compiler.checks())


def _validate_with_gx(run: LoadRun, group: LayoutGroup):
    """The GX outcome of the group's scratch table and the seconds it took (runs in the second thread)."""
    from service_quality.ingest import validate

    began = time.monotonic()
    table_name = group.table.split(".", 1)[1].strip('"')  # GX's datasource names schema and table apart
    deliveries = [s.delivery for s in group.staged]
    outcome = validate.validate_scratch(
        run.dsn,
        "ops",
        table_name,
        run.contract,
        group.layout,
        group.compiler.timezones,
        deliveries,
        run.settings,
        run_name=run.run_id,
    )
    return outcome, time.monotonic() - began


def _route_rows(conn, run: LoadRun, group: LayoutGroup) -> list[Routed]:
    """Record the group's deliveries and route their rows; per delivery: rows loaded, rows quarantined,
    quarantine rows per (column, rule).

    One pass evaluates the rules on every row and inserts those that break none into raw. Only the deliveries
    that did not load all their rows are read again, to write one quarantine row per broken rule of each
    row that breaks something: a clean batch reads its rows once."""
    c = run.contract
    routed = [
        Routed(s, bookkeeping.insert(conn, run, s.delivery, "loaded", s.archive_uri, layout=s.layout))
        for s in group.staged
    ]
    by_id = {r.delivery_id: r for r in routed}
    ids = list(by_id)
    conn.execute(raw_sql(c, group.compiler, group.layout, group.table, _files(routed)))
    for delivery_id, n in conn.execute(
        sql.SQL("select _delivery_id, count(*) from {} where _delivery_id = any(%s) group by 1").format(
            sql.SQL(c.raw_table)
        ),
        [ids],
    ).fetchall():
        by_id[delivery_id].loaded = n
    dirty = [r for r in routed if r.loaded < r.staged.rows_read]
    if not dirty:
        return routed
    dirty_ids = [r.delivery_id for r in dirty]
    conn.execute(quarantine_sql(c, group.layout, group.compiler, group.checks, group.table, _files(dirty)))
    quarantine = sql.SQL(c.quarantine_table)
    for delivery_id, col, rule, n in conn.execute(
        sql.SQL(
            "select delivery_id, column_name, rule, count(*) from {} where delivery_id = any(%s) group by 1, 2, 3"
        ).format(quarantine),
        [dirty_ids],
    ):
        by_id[delivery_id].by_check[(col, rule)] = n
    for delivery_id, n in conn.execute(
        sql.SQL("select delivery_id, count(distinct row_number) from {} where delivery_id = any(%s) group by 1").format(
            quarantine
        ),
        [dirty_ids],
    ).fetchall():
        by_id[delivery_id].bad_rows = n
    return routed


def _files(routed: list[Routed]) -> str:
    return files_sql(
        [(r.staged.index, r.delivery_id, r.staged.delivery.path, r.staged.delivery.arrived_at) for r in routed]
    )


def _reject_above_threshold(conn, run: LoadRun, routed: list[Routed]) -> None:
    """Reject each delivery whose share of bad rows is above the threshold, and take its rows back out.

    Rare: the routing loaded the valid rows of every delivery optimistically."""
    threshold = run.bad_row_threshold
    for r in routed:
        share = r.bad_rows / r.staged.rows_read
        if share > threshold:
            r.rejected = _too_many_bad_rows(r, share, threshold)
    for r in routed:
        if r.rejected is None:
            continue
        conn.execute(
            sql.SQL("delete from {} where delivery_id = %s").format(sql.SQL(run.contract.quarantine_table)),
            [r.delivery_id],
        )
        conn.execute(
            sql.SQL("delete from {} where _delivery_id = %s").format(sql.SQL(run.contract.raw_table)), [r.delivery_id]
        )
        bookkeeping.mark_rejected(conn, r.delivery_id, r.rejected)


def _too_many_bad_rows(r: Routed, share: float, threshold: float) -> DeliveryRejected:
    worst = sorted(r.by_check.items(), key=lambda kv: -kv[1])
    text = ", ".join(f"{col} {rule} ({n})" for (col, rule), n in worst[:3])
    return DeliveryRejected(
        "too_many_bad_rows",
        f"{r.staged.delivery.path}: {r.bad_rows} of {r.staged.rows_read} rows ({share:.0%}) break row rules, above "
        f"the {threshold:.0%} threshold; most common: {text}. Fix the export and re-deliver",
        worst[0][0][0] if worst else None,
    )


def _reconcile(routed: list[Routed]) -> None:
    """Every row read of a kept delivery is either loaded or quarantined: anything else is a bug."""
    for r in routed:
        if r.rejected is None and r.staged.rows_read != r.loaded + r.bad_rows:
            raise InvariantBroken(
                f"{r.staged.delivery.path}: reconciliation failed: read {r.staged.rows_read}, loaded {r.loaded}, "
                f"quarantined {r.bad_rows}"
            )


def _wait_for_gx(conn, run: LoadRun, gx: Future | None, group: LayoutGroup, routed: list[Routed]):
    """GX's outcome (None when it does not run) and its seconds, once it agrees with the routing and is stored."""
    gx_outcome, gx_seconds = gx.result() if gx is not None else (None, 0.0)
    if gx_outcome is not None:
        totals: RuleCounts = {}
        for r in routed:
            for key, n in r.by_check.items():
                totals[key] = totals.get(key, 0) + n
        gx_outcome.assert_agrees(totals, group.label)
        gx_outcome.store(conn, run.source, [(r.delivery_id, r.staged.rows_read, r.bad_rows) for r in routed])
    return gx_outcome, gx_seconds


def _record_counts(conn, group: LayoutGroup, routed: list[Routed], gx_seconds: float, elapsed: float) -> None:
    """Each delivery's counts, and its share (by rows read) of the group's validation and load times."""
    total = group.total_rows
    bookkeeping.record_counts(
        conn,
        [
            (
                r.staged.rows_read,
                0 if r.rejected is not None else r.loaded,
                0 if r.rejected is not None else r.bad_rows,
                gx_seconds * r.staged.rows_read / total,
                elapsed * r.staged.rows_read / total,
                r.delivery_id,
            )
            for r in routed
        ],
    )


def _result(run: LoadRun, r: Routed, gx_outcome) -> LoadResult:
    gx_success = None if gx_outcome is None else gx_outcome.success
    delivery = r.staged.delivery
    if r.rejected is not None:
        why = r.rejected
        log.warning("%s: delivery %s rejected (%s): %s", delivery.path, r.delivery_id, why.reason, why.message)
        return LoadResult.rejected(run, delivery, r.delivery_id, why, r.staged.rows_read, gx_success)
    return LoadResult(
        run.source,
        delivery.path,
        delivery.sha256,
        r.delivery_id,
        "loaded",
        rows_read=r.staged.rows_read,
        rows_loaded=r.loaded,
        rows_quarantined=r.bad_rows,
        extra_columns=list(r.staged.layout.extra_headers),
        gx_success=gx_success,
        data_docs_uri=None if gx_outcome is None else gx_outcome.data_docs_uri,
    )
