"""The landing zone and the archive: finding deliveries, identifying them by content, keeping them.

A landing root is a local folder or any URL that Airflow's ``ObjectStoragePath`` understands
(``s3://bucket/landing``, ``gs://...``, ``file:///...``). A delivery is one file under
``<root>/<source>/`` (nested folders allowed); it is identified by the SHA-256 of its bytes, and its
arrival time is the file's last-modified time (DATA_CONTRACTS.md: later = arrival order, then path).

The archive keeps every delivery's bytes under ``<archive>/<source>/<sha256>/<file name>`` with an index
entry ``<archive>/_index/<source>/<sha256>-<path hash>.json`` recording its landing path and arrival
time, so a replay into an empty warehouse processes the same deliveries in the same order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from service_quality.contracts import Contract


def as_path(root: str | Path) -> Any:
    """A pathlib-like object for a folder or an object-store URL."""
    text = str(root)
    if "://" in text and not text.startswith("file://"):
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(text)
    if text.startswith("file://"):
        text = text[len("file://") :]
    return Path(text)


def _mtime(path: Any) -> float:
    st = path.stat()
    if hasattr(st, "st_mtime"):
        return float(st.st_mtime)
    info = dict(st)
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, str):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        return float(value)
    raise RuntimeError(f"{path}: the object store reports no modification time")


@dataclass(frozen=True)
class Delivery:
    """One file to process. ``path`` is relative to the landing root (``sales/2025/01/02/x.csv``)."""

    source: str
    path: str
    uri: str
    sha256: str
    size_bytes: int
    arrived_at: str  # ISO 8601, UTC

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Delivery:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    @property
    def arrived(self) -> datetime:
        return datetime.fromisoformat(self.arrived_at)

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def open(self) -> IO[bytes]:
        return as_path(self.uri).open("rb")


def sha256_of(path: Any, chunk: int = 1 << 20) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def scan(landing_root: str | Path, contract: Contract) -> list[Delivery]:
    """Every file of the source under the landing root, in arrival order (mtime, then path)."""
    root = as_path(landing_root)
    base = root / contract.source
    if not base.exists():
        return []
    found = []
    for item in base.rglob("*"):
        if not item.is_file() or not contract.accepts(item.name) or item.name.startswith("."):
            continue
        rel = f"{contract.source}/{_relative(item, base)}"
        sha, size = sha256_of(item)
        arrived = datetime.fromtimestamp(_mtime(item), tz=UTC).isoformat()
        uri = str(item) if isinstance(item, Path) else _uri(item)
        found.append(Delivery(contract.source, rel, uri, sha, size, arrived))
    found.sort(key=lambda d: (d.arrived_at, d.path))
    return found


def _relative(item: Any, base: Any) -> str:
    try:
        return item.relative_to(base).as_posix()
    except (ValueError, AttributeError):
        return str(item)[len(str(base)) :].lstrip("/")


def _uri(item: Any) -> str:
    text = str(item)
    protocol = getattr(item, "protocol", None)
    if protocol and "://" not in text:
        return f"{protocol}://{text}"
    return text


# ---- archive -------------------------------------------------------------------------------------


def archive(delivery: Delivery, archive_root: str | Path) -> str:
    """Copy the delivery's bytes into the archive (idempotent) and write its index entry."""
    root = as_path(archive_root)
    target_dir = root / delivery.source / delivery.sha256
    target = target_dir / delivery.filename
    if not target.exists():
        target_dir.mkdir(parents=True, exist_ok=True)
        tmp = target_dir / f".{delivery.filename}.partial"
        with delivery.open() as src, tmp.open("wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
        tmp.rename(target)
    index_dir = root / "_index" / delivery.source
    index_dir.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(delivery.path.encode("utf-8")).hexdigest()[:16]
    entry = index_dir / f"{delivery.sha256}-{key}.json"
    if not entry.exists():
        record = {**delivery.to_dict(), "uri": str(target) if isinstance(target, Path) else _uri(target)}
        entry.write_text(json.dumps(record, sort_keys=True))
    return str(target) if isinstance(target, Path) else _uri(target)


def archived(archive_root: str | Path, sources: tuple[str, ...] | None = None) -> list[Delivery]:
    """Every archived delivery, in arrival order (what a replay processes)."""
    root = as_path(archive_root) / "_index"
    if not root.exists():
        return []
    found = []
    for entry in root.rglob("*.json"):
        record = json.loads(entry.read_text())
        if sources is None or record["source"] in sources:
            found.append(Delivery.from_dict(record))
    found.sort(key=lambda d: (d.arrived_at, d.path, d.source))
    return found
