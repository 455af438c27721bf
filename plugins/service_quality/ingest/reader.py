"""Read a delivery file into the scratch table: decoding, header mapping and streaming, in bounded memory.

Two ways in, both streaming chunk by chunk (never the whole file in memory):

* **Pass-through** (CSV without PII): the header line is parsed in Python; the rest of the bytes
  (gunzipped on the fly, BOM removed) go unchanged into ``COPY ... (FORMAT csv)``. PostgreSQL parses
  the CSV; this is what keeps a validated load close to the speed of a bare COPY.
* **Parsed** (JSON Lines, and any file with PII columns): rows are parsed in Python so that contact
  fields are replaced by their keyed hash *before* anything reaches the warehouse.

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

BOM = b"\xef\xbb\xbf"


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
        """Parsed CSV rows with PII hashed, for files that must not reach the warehouse as delivered."""
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        pii = self._pii_positions(layout)
        digest = pii_hasher(self.pii_key) if pii else None
        width = len(layout.columns)

        def text_chunks() -> Iterator[str]:
            try:
                for chunk in self.csv_passthrough(stream, rest):
                    yield decoder.decode(chunk)
                yield decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise DeliveryRejected(
                    "encoding", f"{self.path}: not UTF-8 ({exc.reason}); re-deliver the file as UTF-8"
                ) from None

        reader = csv.reader(_LineSource(text_chunks()), strict=True)
        try:
            for line_no, row in enumerate(reader, start=2):
                if len(row) != width:
                    if not row or row == [""] and width > 1:
                        continue
                    raise DeliveryRejected(
                        "unreadable",
                        f"{self.path}: line {line_no} has {len(row)} fields, the header has {width}; not a valid CSV",
                    )
                values = [v if v != "" else None for v in row]
                for pos, column in pii:
                    values[pos] = digest(column, values[pos])
                yield tuple(values)
        except csv.Error as exc:
            raise DeliveryRejected("unreadable", f"{self.path}: not a valid CSV: {exc}") from None

    def _pii_positions(self, layout: Layout) -> list[tuple[int, str]]:
        pii = [
            (i, c.contract_column)
            for i, c in enumerate(layout.columns)
            if c.contract_column in self.contract.pii_columns
        ]
        return pii

    def needs_parsing(self, layout: Layout) -> bool:
        return bool(self._pii_positions(layout))

    # ---- JSON Lines ------------------------------------------------------------------------------
    def jsonl_layout(self) -> Layout:
        columns = [ScratchColumn(n, n, n) for n in self.contract.names]
        return Layout(columns, extra_json_column="_extra_json")

    def jsonl_rows(self, stream: IO[bytes], layout: Layout) -> Iterator[tuple]:
        """One tuple per JSON object; keys matched like CSV headers; unknown keys kept as JSON."""
        names = self.contract.names
        pii = set(self.contract.pii_columns)
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

    def __iter__(self) -> _LineSource:
        return self

    def __next__(self) -> str:
        while True:
            idx = self.pending.find("\n")
            if idx >= 0:
                line, self.pending = self.pending[: idx + 1], self.pending[idx + 1 :]
                return line
            chunk = next(self.chunks, None)
            if chunk is None:
                if self.pending:
                    line, self.pending = self.pending, ""
                    return line
                raise StopIteration
            self.pending += chunk
