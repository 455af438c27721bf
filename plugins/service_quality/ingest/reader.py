"""Read a delivery file into the scratch table: decoding, header mapping and streaming, in bounded memory.

Two ways in, both streaming chunk by chunk (never the whole file in memory):

* **Pass-through** (CSV without PII): the header line is parsed in Python; the rest of the bytes
  (gunzipped on the fly, BOM removed) go unchanged into ``COPY ... (FORMAT csv)``. PostgreSQL parses
  the CSV; this is what keeps a validated load close to the speed of a bare COPY.
* **Parsed** (JSON Lines, and any file with PII or free-text columns): rows are parsed in Python so that
  contact fields are replaced by their keyed hash and free text is scrubbed (``scrub``) *before* anything
  reaches the warehouse. A CSV file whose pass-through COPY meets a malformed line is parsed too, so that
  the line becomes a row error (``malformed_line``) instead of rejecting the file.

Errors that reject a whole delivery are raised as ``errors.DeliveryRejected`` with the canonical reason; the
scratch table and the COPY statement are written by ``sql.scratch_tables``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import hmac
import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from service_quality.contracts import Contract
from service_quality.ingest.errors import DeliveryRejected, PiiKeyMissing
from service_quality.ingest.scrub import scrub

BOM = b"\xef\xbb\xbf"

#: The longest field a delivery may have, in UTF-8 bytes (DATA_CONTRACTS.md): a longer one makes its line
#: malformed. Also how much of a malformed line's text quarantine keeps.
MAX_FIELD_BYTES = 64 * 1024
# The csv module's own limit (128 KiB by default) raised well above ours, so that a long field is parsed and
# judged here (a malformed line) rather than stopping the reader; a field beyond even this one is a csv.Error,
# a malformed line as well.
csv.field_size_limit(max(csv.field_size_limit(), 64 * MAX_FIELD_BYTES))


def cut(text: str, limit: int = MAX_FIELD_BYTES) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, on a character boundary."""
    if len(text) * 4 <= limit:
        return text
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _too_long(row: list[str]) -> bool:
    """Has the row a field longer than ``MAX_FIELD_BYTES`` (UTF-8)? Checked in characters first: cheap."""
    longest = max(map(len, row), default=0)
    if longest * 4 <= MAX_FIELD_BYTES:
        return False
    return any(len(v) > MAX_FIELD_BYTES // 4 and len(v.encode("utf-8")) > MAX_FIELD_BYTES for v in row)


@dataclass
class ScratchColumn:
    """A column of the scratch table: its SQL name, the header as delivered, the contract column (or None)."""

    name: str
    header: str
    contract_column: str | None


@dataclass
class Layout:
    """How a delivery's columns map onto the contract."""

    columns: list[ScratchColumn]
    #: JSON Lines: unknown keys are collected into one JSON text column instead of one column each
    extra_json_column: str | None = None
    extra_headers: list[str] = field(default_factory=list)

    @property
    def present(self) -> dict[str, str]:
        return {c.contract_column: c.name for c in self.columns if c.contract_column}

    @property
    def extras(self) -> list[ScratchColumn]:
        return [c for c in self.columns if c.contract_column is None]


def normalise_header(name: str) -> str:
    return name.strip().lower()


def open_binary(raw: IO[bytes], name: str) -> IO[bytes]:
    """The file's decoded byte stream (gunzipped when the name says ``.gz``)."""
    if name.lower().endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    return raw


def _layout_for_header(contract: Contract, header: list[str], path: str) -> Layout:
    known = {n: n for n in contract.names}
    columns: list[ScratchColumn] = []
    seen: set[str] = set()
    for i, raw_name in enumerate(header):
        name = normalise_header(raw_name)
        if not name:
            raise DeliveryRejected("unreadable", f"{path}: column {i + 1} of the header has no name; fix the header")
        if name in seen:
            raise DeliveryRejected("unreadable", f"{path}: column {name!r} appears twice in the header", column=name)
        seen.add(name)
        if name in known:
            columns.append(ScratchColumn(name, raw_name.strip(), name))
        else:
            columns.append(ScratchColumn(f"_x{i}", raw_name.strip(), None))
    hint = ""
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        hint = " (the header is one field: the separator must be a comma, RFC 4180)"
    _require_columns(contract, {c.contract_column for c in columns if c.contract_column}, path, hint)
    return Layout(columns, extra_headers=[c.header for c in columns if c.contract_column is None])


def _require_columns(contract: Contract, present: set[str], path: str, hint: str = "") -> None:
    for required in contract.required_columns:
        if required not in present:
            raise DeliveryRejected(
                "missing_column",
                f"{path}: required column {required!r} is missing from the header{hint}; "
                f"re-deliver the file with every required column ({', '.join(contract.required_columns)})",
                column=required,
            )


def pii_hasher(key: bytes):
    """HMAC-SHA256 of the normalised value, hex: stable across deliveries, useless without the key."""

    def normalise(column: str, value: str) -> str:
        value = value.strip()
        if "phone" in column:
            return re.sub(r"[^0-9+]", "", value)
        return value.lower()

    def digest(column: str, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        return hmac.new(key, normalise(column, value).encode("utf-8"), hashlib.sha256).hexdigest()

    return digest


class Reader:
    """Streams one delivery into a scratch table via an open psycopg COPY."""

    def __init__(self, contract: Contract, path: str, chunk_bytes: int, pii_key: bytes | None) -> None:
        self.contract = contract
        self.path = path
        self.chunk_bytes = chunk_bytes
        self.pii_key = pii_key
        self.rows_streamed = 0

    @property
    def is_jsonl(self) -> bool:
        return self.path.lower().endswith((".jsonl", ".jsonl.gz"))

    # ---- CSV -------------------------------------------------------------------------------------
    def read_csv_header(self, stream: IO[bytes]) -> tuple[Layout, bytes]:
        """Parse the header line; returns the layout and the bytes already read after it."""
        buf = b""
        while b"\n" not in buf:
            chunk = _read(stream, self.chunk_bytes, self.path)
            if not chunk:
                break
            buf += chunk
            if len(buf) > 16 * self.chunk_bytes + (1 << 20):
                raise DeliveryRejected("unreadable", f"{self.path}: no line break found; not a CSV file")
        if buf.startswith(BOM):
            buf = buf[len(BOM) :]
        if not buf.strip():
            raise DeliveryRejected("empty_file", f"{self.path}: the file is empty; nothing was delivered")
        line, sep, rest = buf.partition(b"\n")
        try:
            text = line.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise DeliveryRejected(
                "encoding", f"{self.path}: the header is not UTF-8 ({exc.reason}); re-deliver the file as UTF-8"
            ) from None
        try:
            header = next(csv.reader([text]))
        except (csv.Error, StopIteration) as exc:
            raise DeliveryRejected("unreadable", f"{self.path}: cannot parse the CSV header: {exc}") from None
        return _layout_for_header(self.contract, header, self.path), rest

    def csv_passthrough(self, stream: IO[bytes], rest: bytes) -> Iterator[bytes]:
        """The CSV body as delivered, in chunks (COPY parses it)."""
        if rest:
            yield rest
        while True:
            chunk = _read(stream, self.chunk_bytes, self.path)
            if not chunk:
                return
            yield chunk

    def csv_rows(self, stream: IO[bytes], rest: bytes, layout: Layout) -> Iterator[tuple]:
        """Parsed CSV rows with PII hashed and free text scrubbed, for files that must not reach the warehouse
        as delivered (and for files whose pass-through COPY met a malformed line).

        Each row ends with its ``_malformed`` value: None, or for a malformed line (a field count that differs
        from the header, a field longer than ``MAX_FIELD_BYTES``, quotes the CSV grammar does not allow) the
        line's text, scrubbed and cut to ``MAX_FIELD_BYTES``, with every column null. Such a line is a row
        error (rule ``malformed_line``); a file that cannot be decoded is still rejected whole."""
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        pii = self._pii_positions(layout)
        free = self._free_text_positions(layout)
        digest = pii_hasher(self.pii_key) if pii else None
        width = len(layout.columns)
        blank = (None,) * width

        def text_chunks() -> Iterator[str]:
            try:
                for chunk in self.csv_passthrough(stream, rest):
                    yield decoder.decode(chunk)
                yield decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise DeliveryRejected(
                    "encoding", f"{self.path}: not UTF-8 ({exc.reason}); re-deliver the file as UTF-8"
                ) from None

        source = _LineSource(text_chunks())
        taken = source.taken
        reader = csv.reader(source, strict=True)
        self.malformed_lines = 0
        while True:
            taken.clear()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:
                if not taken:
                    raise DeliveryRejected("unreadable", f"{self.path}: not a valid CSV") from None
                self.malformed_lines += 1
                yield (*blank, _malformed_text(taken))
                continue
            if len(row) != width:
                if not row or row == [""] and width > 1:
                    continue
                self.malformed_lines += 1
                yield (*blank, _malformed_text(taken))
                continue
            if _too_long(row):
                self.malformed_lines += 1
                yield (*blank, _malformed_text(taken))
                continue
            values = [v if v != "" else None for v in row]
            for pos, column in pii:
                values[pos] = digest(column, values[pos])
            for pos in free:
                values[pos] = scrub(values[pos])
            values.append(None)
            yield tuple(values)

    def _pii_positions(self, layout: Layout) -> list[tuple[int, str]]:
        pii = [
            (i, c.contract_column)
            for i, c in enumerate(layout.columns)
            if c.contract_column in self.contract.pii_columns
        ]
        return pii

    def _free_text_positions(self, layout: Layout) -> list[int]:
        return [i for i, c in enumerate(layout.columns) if c.contract_column in self.contract.free_text_columns]

    def has_pii(self, layout: Layout) -> bool:
        return bool(self._pii_positions(layout))

    def needs_parsing(self, layout: Layout) -> bool:
        """Must the rows pass through Python (contact fields to hash, free text to scrub)?"""
        return bool(self._pii_positions(layout) or self._free_text_positions(layout))

    # ---- JSON Lines ------------------------------------------------------------------------------
    def jsonl_layout(self) -> Layout:
        columns = [ScratchColumn(n, n, n) for n in self.contract.names]
        return Layout(columns, extra_json_column="_extra_json")

    def jsonl_rows(self, stream: IO[bytes], layout: Layout) -> Iterator[tuple]:
        """One tuple per JSON object; keys matched like CSV headers; unknown keys kept as JSON."""
        names = self.contract.names
        pii = set(self.contract.pii_columns)
        free = self.contract.free_text_columns
        digest = pii_hasher(self.pii_key) if self.pii_key else None
        self.keys_seen: set[str] = set()
        text = io.TextIOWrapper(_Chunked(stream, self.chunk_bytes, self.path), encoding="utf-8-sig", newline="")
        saw_bytes = False
        try:
            for line_no, line in enumerate(text, start=1):
                if line.strip():
                    saw_bytes = True
                else:
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DeliveryRejected(
                        "unreadable", f"{self.path}: line {line_no} is not a JSON object: {exc.msg}"
                    ) from None
                if not isinstance(obj, dict):
                    raise DeliveryRejected("unreadable", f"{self.path}: line {line_no} is not a JSON object")
                values: dict[str, str | None] = {}
                extra: dict[str, object] = {}
                for key, value in obj.items():
                    name = normalise_header(str(key))
                    if name in names:
                        self.keys_seen.add(name)
                        values[name] = _json_text(value)
                    else:
                        extra[str(key)] = value
                        if str(key) not in layout.extra_headers:
                            layout.extra_headers.append(str(key))
                for column in pii:
                    if values.get(column) is not None:
                        if digest is None:
                            raise PiiKeyMissing(self.path)
                        values[column] = digest(column, values[column])
                for column in free:
                    if values.get(column) is not None:
                        values[column] = scrub(values[column])
                row = [values.get(n) for n in names]
                row.append(json.dumps(extra, ensure_ascii=False) if extra else None)
                yield tuple(row)
        except UnicodeDecodeError as exc:
            raise DeliveryRejected(
                "encoding", f"{self.path}: not UTF-8 ({exc.reason}); re-deliver the file as UTF-8"
            ) from None
        if not saw_bytes:
            raise DeliveryRejected("empty_file", f"{self.path}: the file is empty; nothing was delivered")

    def check_jsonl_columns(self) -> None:
        _require_columns(self.contract, self.keys_seen, self.path)


class LineWatch:
    """What a pass-through COPY does not check, seen in the bytes as they stream past (cheap: a few ``find``
    calls per 64 KiB): a line longer than ``MAX_FIELD_BYTES`` (a field may be too long: parse the file
    instead), and whether the file has a quote at all (a quoted field may hold line breaks, and so be too
    long in short lines; only then must the staged rows be measured)."""

    def __init__(self) -> None:
        self.run = 0  # bytes since the last line break
        self.quoted = False

    def long_line(self, chunk: bytes) -> bool:
        """Feed the next chunk; True as soon as a line longer than ``MAX_FIELD_BYTES`` is seen."""
        if not self.quoted and b'"' in chunk:
            self.quoted = True
        last = chunk.rfind(b"\n")
        if last < 0:
            self.run += len(chunk)
            return self.run > MAX_FIELD_BYTES
        first = chunk.find(b"\n")
        if self.run + first > MAX_FIELD_BYTES:
            return True
        start = first + 1
        while last - start > MAX_FIELD_BYTES:  # a line break within reach of every line start
            found = chunk.rfind(b"\n", start, start + MAX_FIELD_BYTES + 1)
            if found < 0:
                return True
            start = found + 1
        self.run = len(chunk) - last - 1
        return False


def _malformed_text(lines: list[str]) -> str:
    """A malformed line's text as quarantine keeps it: without its line break, scrubbed (it may hold free text
    the columns would have scrubbed), cut to ``MAX_FIELD_BYTES``."""
    text = cut("".join(lines), 4 * MAX_FIELD_BYTES).rstrip("\r\n")
    return cut(scrub(text) or "")


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text != "" else None


def _read(stream: IO[bytes], size: int, path: str) -> bytes:
    try:
        return stream.read(size)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise DeliveryRejected(
            "unreadable", f"{path}: cannot read the file ({type(exc).__name__}: {exc}); is it truncated?"
        ) from None


class _Chunked(io.RawIOBase):
    """A raw stream over ``_read`` so gzip errors become rejections inside TextIOWrapper too."""

    def __init__(self, stream: IO[bytes], size: int, path: str) -> None:
        self.stream, self.size, self.path = stream, size, path

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = _read(self.stream, min(len(b), self.size), self.path)
        b[: len(data)] = data
        return len(data)


class _LineSource:
    """Feeds ``csv.reader`` line by line from text chunks (keeps newlines, so quoted line breaks survive)."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self.chunks = chunks
        self.pending = ""
        #: the lines handed out since the reader of this source last cleared it: the current record's text
        self.taken: list[str] = []

    def __iter__(self) -> _LineSource:
        return self

    def __next__(self) -> str:
        while True:
            idx = self.pending.find("\n")
            if idx >= 0:
                line, self.pending = self.pending[: idx + 1], self.pending[idx + 1 :]
                self.taken.append(line)
                return line
            chunk = next(self.chunks, None)
            if chunk is None:
                if self.pending:
                    line, self.pending = self.pending, ""
                    self.taken.append(line)
                    return line
                raise StopIteration
            self.pending += chunk
