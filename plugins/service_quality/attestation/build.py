"""Build and test the attestation models (and everything they are built from) before a publication.

``dbt build`` runs each model's tests right after it and skips what depends on a failure, so when
this returns the results in ``attestation.*`` passed their tests; when a test fails it raises and
nothing is published.
"""

from __future__ import annotations

import json
import logging
import tempfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator

    from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

#: The attestation marts and every model, seed and test upstream of them.
ATTESTATION_SELECTION = ("+path:models/marts/attestation",)
# Session advisory lock: the quarterly and the annual run fire on the same January day, and two
# concurrent dbt builds of the same models would trip over each other's swaps.
_BUILD_LOCK = 7_411_205_002


@contextmanager
def build_lock(dsn: WarehouseDsn) -> Iterator[None]:
    """Hold the warehouse-wide attestation build lock (waits for a build already running)."""
    with dsn.connect(autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", [_BUILD_LOCK])
        try:
            yield
        finally:
            conn.execute("select pg_advisory_unlock(%s)", [_BUILD_LOCK])


@contextmanager
def _lineage_of_build(dsn: WarehouseDsn, target: Path) -> Iterator[None]:
    """After the build (also a failed one), its models as OpenLineage jobs under the Airflow task running it;
    nothing outside a task or with lineage off (:mod:`service_quality.lineage.dbt_runs`)."""
    try:
        yield
    finally:
        if (target / "run_results.json").exists():
            from service_quality.lineage.dbt_runs import emit_dbt_run
            from service_quality.paths import DBT_PROJECT_DIR
            from service_quality.transform.dbt import dbt_env

            env = {k: v for k, v in dbt_env(dsn, base={}).items() if k.startswith("SQW_DBT_")}
            emit_dbt_run(
                DBT_PROJECT_DIR, profile_name="service_quality", target_name="warehouse", target_path=target, env=env
            )


def build_attestation(dsn: WarehouseDsn, as_of: date, *, threads: int | None = None) -> datetime:
    """Build and test the attestation models for periods closed before ``as_of``; returns when inputs were read.

    ``as_of`` (the run's data-interval end) becomes the dbt var ``attestation_as_of``, so the models
    decide which periods are closed from the run, not from the clock. The returned instant (the
    warehouse clock just before dbt starts) is the revision's ``inputs_as_of``: any delivery processed
    later is late for it. dbt writes its artifacts to a temporary folder, so concurrent dbt runs of
    other DAGs never share a target directory.
    """
    from service_quality.transform.dbt import build

    with build_lock(dsn):
        with dsn.connect() as conn:
            inputs_as_of = conn.execute("select now()").fetchone()[0]
        variables = json.dumps({"attestation_as_of": as_of.isoformat()})
        with tempfile.TemporaryDirectory(prefix="sqw-attestation-dbt-") as target, _lineage_of_build(dsn, Path(target)):
            result = build(
                dsn,
                select=ATTESTATION_SELECTION,
                # Unit tests check the models' logic on fixtures (CI runs them); a production build tests the data.
                # Cautious: a test runs only when every model it reads is in the selection (a relationships
                # test from a service-quality mart to dim_stores waits for the transform DAG).
                extra=[
                    "--vars",
                    variables,
                    "--exclude-resource-type",
                    "unit_test",
                    "--indirect-selection",
                    "cautious",
                ],
                target_path=Path(target),
                threads=threads,
            )
    log.info("attestation models built and tested as of %s in %.1f s", as_of, result.seconds)
    return inputs_as_of
