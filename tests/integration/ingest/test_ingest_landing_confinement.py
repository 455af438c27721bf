"""Only regular files inside the landing root are deliveries: a link (to a file or a folder), a named pipe,
or an object key that escapes the root's prefix is recorded as a rejected delivery with reason
``not_a_regular_file``, and is never opened, hashed or archived."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from ingest_helpers import query

from service_quality.contracts import contract
from service_quality.ingest import landing
from service_quality.ingest.deliveries import ingest_source
from service_quality.ingest.load import load_files
from service_quality.ingest.reader import DeliveryRejected

pytestmark = pytest.mark.integration

SURVEY_HEADER = (
    "response_id,visited_at,submitted_at,store_code,employee_code,transaction_id,channel,nps,csat,ces,comment,"
    "language,customer_email,customer_phone"
)


def _survey(response_id: str) -> str:
    return f"{response_id},2025-02-07T10:00:00+03:00,2025-02-07T12:00:00+03:00,S-001,,,web,9,5,,,,,"


def _csv(*ids: str) -> str:
    return "\n".join([SURVEY_HEADER, *(_survey(i) for i in ids)]) + "\n"


def _ingest_guarded(settings, warehouse, pipes: list[Path], timeout: float = 300) -> list[dict]:
    """Ingest in a thread: opening one of ``pipes`` for reading would block it, which is the proof."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["results"] = ingest_source("surveys", settings.landing_root, warehouse, settings)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        for pipe in pipes:  # let the blocked reader go, then fail
            fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        worker.join(30)
        pytest.fail("the ingestion opened a named pipe it should never have touched")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["results"]  # type: ignore[return-value]


def test_links_and_pipes_are_rejected_unread_and_never_archived(warehouse, landing_zone, settings, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    pipe = outside / "pipe"
    os.mkfifo(pipe)
    (outside / "folder").mkdir()
    (outside / "folder" / "export.csv").write_text(_csv("OUT-1"))

    landing_zone.write("surveys/2025-02-06/export.csv", _csv("R1", "R2"))
    base = landing_zone.root / "surveys"
    (base / "2025-02-07").mkdir()
    (base / "2025-02-07" / "export.csv").symlink_to("/etc/passwd")
    (base / "2025-02-08").mkdir()
    (base / "2025-02-08" / "export.csv").symlink_to(pipe)
    (base / "2025-02-09").mkdir()
    os.mkfifo(base / "2025-02-09" / "export.csv")  # a pipe inside the landing zone is not a file either
    (base / "2025-02-10").symlink_to(outside / "folder", target_is_directory=True)
    (base / "2025-02-11").mkdir()
    (base / "2025-02-11" / "inside.csv").symlink_to(base / "2025-02-06" / "export.csv")  # a link, even inside

    results = _ingest_guarded(settings, warehouse, [pipe, base / "2025-02-09" / "export.csv"])

    by_path = {r["path"]: r for r in results}
    assert by_path["surveys/2025-02-06/export.csv"]["status"] == "loaded"
    refused = {
        "surveys/2025-02-07/export.csv": "/etc/passwd",
        "surveys/2025-02-08/export.csv": str(pipe),
        "surveys/2025-02-09/export.csv": "named pipe",
        "surveys/2025-02-10": str(outside / "folder"),
        "surveys/2025-02-11/inside.csv": "symbolic link",
    }
    assert set(by_path) == {"surveys/2025-02-06/export.csv", *refused}
    for path, said in refused.items():
        result = by_path[path]
        assert (result["status"], result["rejection_reason"]) == ("rejected", "not_a_regular_file"), result
        assert path in result["message"] and said in result["message"], result["message"]
    rows = query(
        warehouse,
        "select path, status, rejection_reason, rows_read, size_bytes, archive_uri from ops.deliveries"
        " where status = 'rejected' order by path",
    )
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        (path, "rejected", "not_a_regular_file", 0, 0, None) for path in sorted(refused)
    ]
    # Only the regular file's rows were loaded, and only its bytes were archived.
    assert query(warehouse, "select response_id from raw.surveys order by 1") == [("R1",), ("R2",)]
    archived = sorted(p.relative_to(settings.archive_root).as_posix() for p in Path(settings.archive_root).rglob("*"))
    archived_files = [p for p in archived if (Path(settings.archive_root) / p).is_file()]
    assert len(archived_files) == 2, archived_files  # the file and its index entry
    assert not any("passwd" in (Path(settings.archive_root) / p).read_text(errors="replace") for p in archived_files)
    assert [d.path for d in landing.archived(settings.archive_root)] == ["surveys/2025-02-06/export.csv"]

    # Recorded once: the next run finds nothing new.
    assert _ingest_guarded(settings, warehouse, [pipe, base / "2025-02-09" / "export.csv"]) == []
    assert query(warehouse, "select count(*) from ops.deliveries") == [(6,)]


def test_a_file_swapped_for_a_link_after_the_walk_is_not_read(landing_zone, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    pipe = outside / "pipe"
    os.mkfifo(pipe)
    target = landing_zone.write("surveys/2025-02-07/export.csv", _csv("R1"))
    [delivery] = landing.scan(landing_zone.root, contract("surveys"))
    assert delivery.refusal is None
    target.unlink()
    target.symlink_to(pipe)
    with pytest.raises(DeliveryRejected) as rejected:
        delivery.open()  # would block on the pipe if it followed the link
    assert rejected.value.reason == "not_a_regular_file"
    target.unlink()
    os.mkfifo(target)
    with pytest.raises(DeliveryRejected, match="named pipe"):
        delivery.open()


def test_an_object_key_that_escapes_the_prefix_is_rejected_unread(warehouse, settings, tmp_path):
    import fsspec
    from airflow.sdk.io import attach

    memory = fsspec.filesystem("memory")
    attach("memory", fs=memory)  # an object store in this process, as an S3 or GCS bucket would be attached
    bucket = f"/sqw-confinement-{os.getpid()}"
    memory.pipe(f"{bucket}/landing/surveys/2025-02-06/export.csv", _csv("R1").encode())
    memory.pipe(f"{bucket}/landing/surveys/2025-02-07/../../../secret/export.csv", _csv("SECRET").encode())
    memory.pipe(f"{bucket}/landing/surveys/./2025-02-08/export.csv", _csv("DOT").encode())
    memory.pipe(f"{bucket}/secret/export.csv", _csv("SECRET").encode())
    settings.landing_root = f"memory:/{bucket}/landing"
    try:
        found = {d.path: d for d in landing.scan(settings.landing_root, contract("surveys"))}
        escaping = "surveys/2025-02-07/../../../secret/export.csv"
        assert found[escaping].refusal is not None and found[escaping].size_bytes == 0
        assert found["surveys/2025-02-06/export.csv"].refusal is None

        results = ingest_source("surveys", settings.landing_root, warehouse, settings)
    finally:
        memory.rm(bucket, recursive=True)
    by_path = {r["path"]: r for r in results}
    assert by_path["surveys/2025-02-06/export.csv"]["status"] == "loaded"
    assert (by_path[escaping]["status"], by_path[escaping]["rejection_reason"]) == ("rejected", "not_a_regular_file")
    assert by_path["surveys/./2025-02-08/export.csv"]["rejection_reason"] == "not_a_regular_file"
    assert query(warehouse, "select response_id from raw.surveys") == [("R1",)]
    assert [d.path for d in landing.archived(settings.archive_root)] == ["surveys/2025-02-06/export.csv"]


def test_a_file_swapped_after_the_walk_is_recorded_rejected_and_the_batch_goes_on(
    warehouse, landing_zone, settings, tmp_path
):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.csv"
    secret.write_text(_csv("OUTSIDE-1"))
    swapped = landing_zone.write("surveys/2025-02-07/export.csv", _csv("R1"))
    landing_zone.write("surveys/2025-02-08/export.csv", _csv("R2"))
    deliveries = landing.scan(landing_zone.root, contract("surveys"))
    assert [d.refusal for d in deliveries] == [None, None]
    swapped.unlink()
    swapped.symlink_to(secret)  # between the walk and the load: the loader must not follow it

    results = [r.to_dict() for r in load_files("surveys", deliveries, warehouse, settings)]

    by_path = {r["path"]: r for r in results}
    refused = by_path["surveys/2025-02-07/export.csv"]
    assert (refused["status"], refused["rejection_reason"]) == ("rejected", "not_a_regular_file"), refused
    assert "symbolic link" in refused["message"]
    assert by_path["surveys/2025-02-08/export.csv"]["status"] == "loaded"
    assert query(warehouse, "select response_id from raw.surveys order by 1") == [("R2",)]
    assert query(
        warehouse, "select status, archive_uri from ops.deliveries where path = 'surveys/2025-02-07/export.csv'"
    ) == [("rejected", None)]
    archived = [p for p in Path(settings.archive_root).rglob("*") if p.is_file()]
    assert len(archived) == 2, archived  # the other file and its index entry
    assert not any("OUTSIDE" in p.read_text(errors="replace") for p in archived)
    assert [d.path for d in landing.archived(settings.archive_root)] == ["surveys/2025-02-08/export.csv"]
