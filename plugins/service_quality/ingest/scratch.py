"""Scratch staging: each delivery's bytes streamed by COPY into an unlogged table of text columns.

Scratch tables are not warehouse state: the staging transaction commits them so that Great Expectations can
read them from its own connection, and a crash leaves at most scratch tables, dropped by the retry. A file
that cannot be read, or lacks a required column, is rejected here, alone (its savepoint rolls back).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg import errors

from service_quality.ingest.errors import DeliveryRejected, PiiKeyMissing
from service_quality.ingest.landing import Delivery
from service_quality.ingest.load_run import LoadRun
from service_quality.ingest.reader import MAX_FIELD_BYTES, Layout, LineWatch, Reader, open_binary
from service_quality.ingest.sql.rules import ident
from service_quality.ingest.sql.scratch_tables import copy_statement, scratch_ddl

log = logging.getLogger(__name__)


@dataclass
class Staged:
    """A delivery whose rows are in its batch's committed scratch table, waiting for validation. ``index``, its
    place in the batch, is also its ``_file`` number in the scratch table."""

    index: int
    delivery: Delivery
    layout: Layout
    rows_read: int
    table: str
    archive_uri: str | None
    #: no field can be longer than the limit unmarked: parsed in Python (every malformed line already staged as
    #: such), or passed through with no quote and no long line. Otherwise the routing measures the fields.
    fields_checked: bool = True


def scratch_name(source: str, sha256: str) -> str:
    return f"_scratch_{source}_{sha256[:20]}"


def layout_key(layout: Layout) -> tuple:
    """Files with the same key can share a scratch table, a GX run and the routing SQL."""
    return tuple((col.name, col.header, col.contract_column) for col in layout.columns), layout.extra_json_column


class Scratch:
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

    def stage(self, run: LoadRun, delivery: Delivery, index: int, archive_uri: str | None) -> Staged:
        """Stream the file into its layout's scratch table, under a savepoint of the caller's transaction.

        A CSV file without contact or free-text columns goes through as delivered (COPY parses it); if COPY
        meets a malformed line, the savepoint rolls back and the file is parsed in Python instead, which
        stages each malformed line as a row error. Raises :class:`DeliveryRejected` (the savepoint rolled
        back) when the file cannot be staged."""
        self.conn.execute(f"drop table if exists {self.name(delivery)} cascade")  # a leftover of a killed attempt
        mark = len(self.created)
        parse = False
        while True:
            try:
                with self.conn.transaction():
                    layout, table, rows_read, fields_checked = self._copy(run, delivery, index, parse)
            except _MalformedInCopy as found:
                self._forget_since(mark)
                log.info("%s: COPY met a malformed line (%s); parsing the file to quarantine it", delivery.path, found)
                parse = True
                continue
            except BaseException:
                self._forget_since(mark)
                raise
            return Staged(index, delivery, layout, rows_read, table, archive_uri, fields_checked=fields_checked)

    def groups(self, staged: list[Staged]) -> list[tuple[str, list[Staged]]]:
        """The staged deliveries by scratch table (by layout), in batch order."""
        by_table: dict[str, list[Staged]] = {}
        for s in staged:
            by_table.setdefault(s.table, []).append(s)
        return list(by_table.items())

    def drop_all(self) -> None:
        for table in self.created:
            self.conn.execute(f"drop table if exists {table} cascade")

    def _table_for(self, layout: Layout, delivery: Delivery, file: int) -> str:
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

    def _forget_since(self, mark: int) -> None:
        """A file's savepoint was rolled back: so were the tables it created."""
        for table in self.created[mark:]:
            self.tables = {k: v for k, v in self.tables.items() if v != table}
        del self.created[mark:]

    def _copy(self, run: LoadRun, delivery: Delivery, file: int, parse: bool) -> tuple[Layout, str, int, bool]:
        """COPY the file into its layout's scratch table; returns the layout, the table, the rows read and
        whether every field's length is known to be within the limit (parsed in Python, or passed through
        with no quote in the file and no line over the limit).

        ``parse``: parse the CSV in Python even when it could go through as delivered."""
        c, settings = run.contract, run.settings
        reader = Reader(c, delivery.path, settings.chunk_bytes, settings.pii_key)
        cur = self.conn.cursor()
        fields_checked = True
        with delivery.open() as raw:
            stream = open_binary(raw, delivery.path)
            try:
                if reader.is_jsonl:
                    layout = reader.jsonl_layout()
                    table = self._table_for(layout, delivery, file)
                    with cur.copy(copy_statement(table, layout, passthrough=False)) as copy:
                        for row in reader.jsonl_rows(stream, layout):
                            copy.write_row(row)
                    reader.check_jsonl_columns()
                else:
                    layout, rest = reader.read_csv_header(stream)
                    if reader.has_pii(layout) and settings.pii_key is None:
                        raise PiiKeyMissing(delivery.path)
                    table = self._table_for(layout, delivery, file)
                    if parse or reader.needs_parsing(layout):
                        with cur.copy(copy_statement(table, layout, passthrough=False)) as copy:
                            for row in reader.csv_rows(stream, rest, layout):
                                copy.write_row(row)
                    else:
                        watch = LineWatch()
                        try:
                            with cur.copy(copy_statement(table, layout, passthrough=True)) as copy:
                                for chunk in reader.csv_passthrough(stream, rest):
                                    if watch.long_line(chunk):  # COPY would take it: the parser judges it
                                        raise _MalformedInCopy(f"a line longer than {MAX_FIELD_BYTES} bytes")
                                    copy.write(chunk)
                            fields_checked = not watch.quoted
                        except errors.BadCopyFileFormat as exc:
                            # A field count that differs from the header, a stray quote: the parser makes it a
                            # row error. (The parser still rejects a file it cannot read.)
                            raise _MalformedInCopy(_first_line(exc)) from None
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
        return layout, table, rows_read, fields_checked


class _MalformedInCopy(Exception):
    """The pass-through COPY of a file met a malformed line: stage the file again, parsed."""


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
