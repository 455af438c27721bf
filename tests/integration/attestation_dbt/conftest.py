"""A simulated chain, ingested and built up to the attestation marts, shared by this folder's tests.

One quarter of the XS chain (five stores, about a hundred staff) goes through the real pipeline:
the simulator writes the landing zone, the ingestion loads it (Great Expectations off: its suites are
tested elsewhere, and the SQL row rules still apply), and dbt builds everything the attestation
models need, running their data tests and unit tests on the way. Building once per session keeps the
folder within its time budget.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from service_quality.warehouse.connection import WarehouseDsn

#: The simulated range: one whole quarter, so 2025-Q1 has the full 90 days and enough visits.
START, END = date(2025, 1, 1), date(2025, 3, 31)
SEED = 11
QUARTER = "2025-Q1"
#: The attestation models: the method's intermediate steps and the marts built from them.
ATTESTATION_MODELS = ("path:models/intermediate/attestation", "path:models/marts/attestation")
ATTESTATION_SEEDS = (
    "path:seeds/attestation_weights.csv",
    "path:seeds/attestation_thresholds.csv",
    "path:seeds/grade_bands.csv",
)

log = logging.getLogger(__name__)


@dataclass
class AttestedChain:
    """The built warehouse, the simulator's truth, and what each stage cost."""

    dsn: WarehouseDsn
    truth: Path
    seconds: dict[str, float] = field(default_factory=dict)

    def rows(self, statement: str, params: list | None = None) -> list[dict]:
        from psycopg.rows import dict_row

        with self.dsn.connect(row_factory=dict_row) as conn:
            return conn.execute(statement, params or []).fetchall()

    def truth_employees(self) -> dict[str, dict]:
        with (self.truth / "employees.csv").open(encoding="utf-8", newline="") as f:
            return {row["employee_code"]: row for row in csv.DictReader(f)}


def screenshot(chromium: Path, page: Path, png: Path, profile: Path, height: int = 1400) -> None:
    """A PNG of ``page`` as headless Chromium renders it (kept for a person to look at)."""
    import subprocess

    subprocess.run(
        [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size=1000,{height}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    assert png.stat().st_size > 10_000, png


@pytest.fixture(scope="session")
def attested_chain(databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AttestedChain]:
    from service_quality.contracts import SOURCES
    from service_quality.ingest.deliveries import ingest_source
    from service_quality.ingest.settings import IngestSettings
    from service_quality.simulator import simulate
    from service_quality.transform import dbt
    from service_quality.warehouse.bootstrap import bootstrap

    work = tmp_path_factory.mktemp("attestation_dbt")
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    summary = simulate("XS", START, END, seed=SEED, out=work / "simulated", workers=1)
    seconds["simulate"] = time.perf_counter() - started

    dsn = databases.create("sqw_attest")
    bootstrap(dsn)
    settings = IngestSettings(
        landing_root=str(summary.landing),
        archive_root=str(work / "archive"),
        data_docs_root=str(work / "data_docs"),
        validate_with_gx=False,
        build_data_docs=False,
        pii_key=b"attestation-test-key",
    )
    started = time.perf_counter()
    for source in SOURCES:
        results = ingest_source(source, settings.landing_root, dsn, settings)
        rejected = [r for r in results if r["status"] == "rejected"]
        assert not rejected, f"the clean simulated {source} deliveries must load; rejected: {rejected[:3]}"
    seconds["ingest"] = time.perf_counter() - started

    # Upstream seeds and models first, without their tests (those belong to the service-quality suite),
    # then the attestation seeds and models with all their data tests and unit tests.
    target = work / "dbt_target"
    started = time.perf_counter()
    # attestation_thresholds is upstream too: its appeal parameters (methodology 1.1, §8) feed the audit models.
    dbt.build(
        dsn,
        ["+path:models/marts/attestation", "+fct_appeals"],
        [*ATTESTATION_MODELS, *(seed for seed in ATTESTATION_SEEDS if not seed.endswith("attestation_thresholds.csv"))],
        extra=["--resource-type", "seed", "--resource-type", "model"],
        target_path=target,
    )
    seconds["dbt_upstream"] = time.perf_counter() - started
    started = time.perf_counter()
    dbt.build(dsn, [*ATTESTATION_MODELS, *ATTESTATION_SEEDS], target_path=target)
    seconds["dbt_attestation"] = time.perf_counter() - started
    log.info("attestation chain built: %s", ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))

    yield AttestedChain(dsn=dsn, truth=summary.truth, seconds=seconds)
