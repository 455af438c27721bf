"""A load killed mid-way (a real SIGKILL of the loading process) leaves nothing; the retry converges."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_helpers import SALES_HEADER, query, sales_line

from service_quality.ingest.deliveries import ingest_source
from service_quality.paths import PLUGINS_DIR

pytestmark = pytest.mark.integration

ROWS = 200_000

LOADER = """
import sys
from service_quality.ingest.deliveries import ingest_source
from service_quality.ingest.settings import IngestSettings
from service_quality.warehouse.connection import parse
dsn = parse(sys.argv[1])
settings = IngestSettings(landing_root=sys.argv[2], archive_root=sys.argv[3], validate_with_gx=False,
                          chunk_bytes=64 * 1024)
ingest_source("sales", sys.argv[2], dsn, settings)
"""


def _big_file(landing_zone) -> Path:
    lines = [SALES_HEADER]
    lines += [sales_line(f"T{i}", line=1 + i % 5) for i in range(ROWS)]
    return landing_zone.write("sales/2025/02/01/big.csv", "\n".join(lines) + "\n")


def _wait_for(dsn, sql: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if query(dsn, sql)[0][0]:
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for: {sql}")


@pytest.mark.parametrize(
    "stage",
    [
        # the scratch COPY is streaming rows (pg_stat_progress_copy shows it)
        "copy",
        # the transaction that writes raw, quarantine and ops is running
        "insert",
    ],
)
def test_killed_load_leaves_nothing_and_the_retry_succeeds(warehouse, landing_zone, settings, stage):
    _big_file(landing_zone)
    env = {**os.environ, "PYTHONPATH": str(PLUGINS_DIR)}
    proc = subprocess.Popen(
        [sys.executable, "-c", LOADER, warehouse.uri, settings.landing_root, settings.archive_root], env=env
    )
    try:
        if stage == "copy":
            _wait_for(
                warehouse,
                "select count(*) from pg_stat_progress_copy p join pg_stat_activity a using (pid)"
                " where p.datname = current_database() and p.tuples_processed > 1000",
            )
        else:
            _wait_for(
                warehouse,
                "select count(*) from pg_stat_activity where datname = current_database()"
                " and state = 'active' and query like '%insert into raw.sales%'",
            )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # the server notices the dead client; its transaction is rolled back
    _wait_for(
        warehouse,
        "select count(*) = 0 from pg_stat_activity where datname = current_database()"
        " and pid <> pg_backend_pid() and backend_type = 'client backend'",
    )
    assert query(warehouse, "select count(*) from raw.sales") == [(0,)]
    assert query(warehouse, "select count(*) from quarantine.sales") == [(0,)]
    assert query(warehouse, "select count(*) from ops.deliveries") == [(0,)]

    [result] = ingest_source("sales", settings.landing_root, warehouse, settings)
    assert (result["status"], result["rows_loaded"]) == ("loaded", ROWS)
    assert query(warehouse, "select count(*), count(distinct _row_number) from raw.sales") == [(ROWS, ROWS)]
    leftovers = query(warehouse, "select count(*) from pg_tables where tablename like '_scratch_%'")
    assert leftovers == [(0,)]
