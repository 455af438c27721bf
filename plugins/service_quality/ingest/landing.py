"""The landing zone and the archive: finding deliveries, identifying them by content, keeping them.

A landing root is a local folder or any URL that Airflow's ``ObjectStoragePath`` understands
(``s3://bucket/landing``, ``gs://...``, ``file:///...``). A delivery is one file under
``<root>/<source>/`` (nested folders allowed); it is identified by the SHA-256 of its bytes, and its
arrival time is the file's last-modified time (DATA_CONTRACTS.md: later = arrival order, then path).

The archive keeps every delivery's bytes under ``<archive>/<source>/<sha256>/<file name>`` with an index
entry ``<archive>/_index/<source>/<sha256>-<path hash>.json`` recording its landing path and arrival
time, so a replay into an empty warehouse processes the same deliveries in the same order.

Only regular files inside the landing root are deliveries (DATA_CONTRACTS.md). Whoever can write the
landing zone must not be able to make the pipeline read, hash or archive a file elsewhere: a symbolic link
(to a file or a folder), a FIFO or device, or an object key that escapes the root's prefix (``..`` segments)
is found by the walk without being followed or opened, and becomes a delivery that is *refused*:
``refusal`` says what was found, opening it raises ``DeliveryRejected("not_a_regular_file")`` (so the
loader records it as a rejected delivery, like a file it cannot read) and :func:`archive` keeps nothing
of it. A refused delivery's ``sha256`` is not a content hash (the content is never read): it is derived
from its path, so each path is recorded once.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from service_quality.contracts import Contract
from service_quality.ingest.errors import DeliveryRejected


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
    #: set when the walk found something that is not a regular file inside the root: what it was. Such a
    #: delivery is never opened or archived; opening it raises ``DeliveryRejected("not_a_regular_file")``.
    refusal: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Delivery:
        # Fields with a default may be absent (archive index entries written before they existed).
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @property
    def arrived(self) -> datetime:
        return datetime.fromisoformat(self.arrived_at)

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def open(self) -> IO[bytes]:
        """The delivery's bytes. A refused delivery, or a local file that is no longer a regular file
        (replaced by a link since the walk), raises ``DeliveryRejected("not_a_regular_file")`` unread."""
        if self.refusal is not None:
            raise _not_a_regular_file(self.path, self.refusal)
        target = as_path(self.uri)
        if isinstance(target, Path):
            return open_regular(target, self.path)
        return target.open("rb")


NOT_A_REGULAR_FILE = "not_a_regular_file"


def refused(delivery: Delivery) -> DeliveryRejected:
    """The rejection of a delivery the walk refused (``delivery.refusal`` is set): its reason and message."""
    return _not_a_regular_file(delivery.path, delivery.refusal or "not a regular file")


def _not_a_regular_file(path: str, what: str) -> DeliveryRejected:
    return DeliveryRejected(
        NOT_A_REGULAR_FILE,
        f"{path}: {what}; only regular files inside the landing root are deliveries, and this one was neither"
        " opened nor archived. Put the file itself (not a link to it) into the landing zone to deliver it.",
    )


def open_regular(path: Path, label: str | None = None) -> IO[bytes]:
    """Open a local file for reading only if it is a regular file and not a symbolic link.

    ``O_NOFOLLOW`` refuses a link in the last component, ``O_NONBLOCK`` keeps a FIFO from blocking the open,
    and the check is made on the opened descriptor, so nothing can be swapped in between."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if os.path.islink(path):
            raise _not_a_regular_file(label or str(path), "a symbolic link") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_a_regular_file(label or str(path), _kind(mode))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def sha256_of(path: Any, chunk: int = 1 << 20) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open_regular(path) if isinstance(path, Path) else path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def scan(landing_root: str | Path, contract: Contract) -> list[Delivery]:
    """Every delivery of the source under the landing root, in arrival order (mtime, then path).

    Regular files inside the root are read and hashed; anything else the walk meets under the source's
    folder (see the module docstring) is returned as a refused delivery, unread."""
    root = as_path(landing_root)
    base = root / contract.source
    walk = _scan_local(root, base, contract) if isinstance(root, Path) else _scan_objects(base, contract)
    return sorted(walk, key=lambda d: (d.arrived_at, d.path))


def _refused(source: str, rel: str, uri: str, what: str, arrived: float | None) -> Delivery:
    """A delivery that is recorded, never read: its hash is derived from its path, not from any content.

    ``arrived`` is the link's own modification time; an escaping object key is not even stat'ed, so its
    arrival is the moment the walk found it."""
    path = f"{source}/{rel}" if rel else source
    marker = hashlib.sha256(f"{NOT_A_REGULAR_FILE}\0{path}".encode()).hexdigest()
    when = datetime.fromtimestamp(arrived, tz=UTC) if arrived is not None else datetime.now(UTC)
    return Delivery(source, path, uri, marker, 0, when.isoformat(), refusal=what)


def _scan_local(root: Path, base: Path, contract: Contract) -> Iterator[Delivery]:
    """Walk ``base`` without following links; only regular files whose real path is inside ``root`` count."""
    source = contract.source
    real_root = os.path.realpath(root)

    def inside(path: str) -> bool:
        real = os.path.realpath(path)
        return os.path.commonpath([real, real_root]) == real_root

    if os.path.islink(base):
        yield _refused(source, "", str(base), f"a symbolic link to {os.readlink(base)}", os.lstat(base).st_mtime)
        return
    if not base.is_dir():
        return
    for folder, subfolders, files in os.walk(base, followlinks=False):
        here = Path(folder)
        for name in list(subfolders):
            if os.path.islink(here / name):  # never walked into; recorded unless hidden
                subfolders.remove(name)
                if not name.startswith("."):
                    item = here / name
                    what = f"a symbolic link to the folder {os.readlink(item)}"
                    yield _refused(source, _relative(item, base), str(item), what, os.lstat(item).st_mtime)
        for name in files:
            if name.startswith(".") or not contract.accepts(name):
                continue
            item = here / name
            rel = _relative(item, base)
            info = os.lstat(item)
            if stat.S_ISLNK(info.st_mode):
                yield _refused(source, rel, str(item), f"a symbolic link to {os.readlink(item)}", info.st_mtime)
            elif not stat.S_ISREG(info.st_mode):
                yield _refused(source, rel, str(item), _kind(info.st_mode), info.st_mtime)
            elif not inside(str(item)):
                yield _refused(source, rel, str(item), "a path that leads outside the landing root", info.st_mtime)
            else:
                sha, size = sha256_of(item)
                arrived = datetime.fromtimestamp(info.st_mtime, tz=UTC).isoformat()
                yield Delivery(source, f"{source}/{rel}", str(item), sha, size, arrived)


def _scan_objects(base: Any, contract: Contract) -> Iterator[Delivery]:
    """Object-store keys under the source's prefix; a key that would leave the prefix once normalised
    (``..`` or ``.`` segments, empty segments) is refused without being read or even stat'ed."""
    if not base.exists():
        return
    prefix = str(base).rstrip("/") + "/"
    for item in base.rglob("*"):
        if item.name.startswith(".") or not contract.accepts(item.name):
            continue
        text = str(item)
        rel = text[len(prefix) :] if text.startswith(prefix) else text
        segments = rel.split("/")
        if not text.startswith(prefix) or any(part in ("", ".", "..") for part in segments):
            yield _refused(contract.source, rel, _uri(item), "an object key that leaves the landing prefix", None)
            continue
        if not item.is_file():
            continue
        sha, size = sha256_of(item)
        arrived = datetime.fromtimestamp(_mtime(item), tz=UTC).isoformat()
        yield Delivery(contract.source, f"{contract.source}/{rel}", _uri(item), sha, size, arrived)


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


def archive(delivery: Delivery, archive_root: str | Path) -> str | None:
    """Copy the delivery's bytes into the archive (idempotent) and write its index entry.

    A refused delivery is not archived (``None``): its content was never read and never will be. A local file
    that is no longer a regular file (swapped for a link or a pipe since the walk) raises
    ``DeliveryRejected("not_a_regular_file")`` before anything is written."""
    if delivery.refusal is not None:
        return None
    root = as_path(archive_root)
    target_dir = root / delivery.source / delivery.sha256
    target = target_dir / delivery.filename
    if not target.exists():
        with delivery.open() as src:  # opened first: a file that is no longer a regular file leaves nothing here
            target_dir.mkdir(parents=True, exist_ok=True)
            tmp = target_dir / f".{delivery.filename}.partial"
            with tmp.open("wb") as dst:
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
