"""Build and test the attestation models (and, when they are not current, everything they are built from).

``dbt build`` runs each model's tests right after it and skips what depends on a failure, so when
this returns the results in ``attestation.*`` passed their tests; when a test fails it raises and
nothing is published.

What is built depends on what the last builds saw (:mod:`service_quality.transform.builds`):

- **full**: the attestation marts and every model, seed and test upstream of them, when no recorded build
  of all of those saw the deliveries now in the warehouse from the same dbt project (or when asked to);
- **attestation**: only the attestation models (``models/intermediate/attestation``, ``models/marts/attestation``,
  their tests) and the models upstream that read the run's ``attestation_as_of`` variable, when the transform
  DAG (or an earlier full attestation build) built the rest from the same inputs;
- **reused**: nothing, when the last build was an attestation build of the same inputs with the same
  variables (the second period of one ``sqw run``, attested as of the same day).
"""

from __future__ import annotations

import json
import logging
import tempfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator

    from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

#: The attestation marts and every model, seed and test upstream of them.
ATTESTATION_SELECTION = ("+path:models/marts/attestation",)
#: The attestation models proper: the method's intermediate steps and the marts.
ATTESTATION_MODELS = ("path:models/intermediate/attestation", "path:models/marts/attestation")
FULL, ATTESTATION_ONLY, REUSED = "full", "attestation", "reused"
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


class AttestationBuild(NamedTuple):
    """What an attestation build did: when it read its inputs, which scope it built, and why."""

    inputs_as_of: datetime
    scope: str  # FULL, ATTESTATION_ONLY or REUSED
    reason: str
    seconds: float
    selection: tuple[str, ...]


def _uses_a_var(node: dict, macros: dict) -> bool:
    """True when the node's SQL, or a macro of the project it calls (transitively), reads a dbt variable."""
    if "var(" in node.get("raw_code", ""):
        return True
    seen: set[str] = set()
    stack = list(node.get("depends_on", {}).get("macros", []))
    while stack:
        name = stack.pop()
        macro = macros.get(name)
        if name in seen or macro is None or macro.get("package_name") != "service_quality":
            continue
        seen.add(name)
        if "var(" in macro.get("macro_sql", ""):
            return True
        stack += macro.get("depends_on", {}).get("macros", [])
    return False


def attestation_only_selection(manifest: dict) -> tuple[str, ...]:
    """The attestation models, plus each model upstream of the marts that reads a dbt variable and what is
    built from it on the way to the marts: the transform DAG builds those without ``attestation_as_of``."""
    nodes = manifest["nodes"]
    marts = [k for k, n in nodes.items() if n["resource_type"] == "model" and _in(n, ATTESTATION_MODELS[1])]
    upstream: set[str] = set()
    stack = list(marts)
    while stack:
        key = stack.pop()
        if key in upstream or key not in nodes:
            continue
        upstream.add(key)
        stack += nodes[key].get("depends_on", {}).get("nodes", [])
    extra = sorted(
        nodes[key]["name"]
        for key in upstream
        if nodes[key]["resource_type"] == "model"
        and not any(_in(nodes[key], path) for path in ATTESTATION_MODELS)
        and _uses_a_var(nodes[key], manifest.get("macros", {}))
    )
    return (*ATTESTATION_MODELS, *(f"{name}+,{ATTESTATION_SELECTION[0]}" for name in extra))


def _in(node: dict, selector: str) -> bool:
    folder = selector.removeprefix("path:").rstrip("/") + "/"
    return node.get("original_file_path", "").startswith(folder)


def _manifest() -> dict:
    """The project's manifest: the one the transform DAG renders from when it is current, else a fresh parse."""
    from service_quality.paths import DBT_PROJECT_DIR
    from service_quality.transform.cosmos import generate_manifest, manifest_is_fresh, manifest_path

    path = manifest_path()
    if manifest_is_fresh(path, DBT_PROJECT_DIR):
        return json.loads(path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="sqw-attestation-parse-") as target:
        return json.loads(generate_manifest(DBT_PROJECT_DIR, Path(target)).read_text(encoding="utf-8"))


@contextmanager
def _target_dir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="sqw-attestation-dbt-") as target:
        yield Path(target)


def build_attestation(
    dsn: WarehouseDsn,
    as_of: date,
    *,
    threads: int | None = None,
    full_build: bool = False,
    dag_id: str | None = None,
    run_id: str | None = None,
    target_path: Path | None = None,
) -> AttestationBuild:
    """Build and test the attestation models for periods closed before ``as_of``; says when inputs were read.

    ``as_of`` (the run's data-interval end) becomes the dbt var ``attestation_as_of``, so the models
    decide which periods are closed from the run, not from the clock. ``inputs_as_of`` (the warehouse
    clock just before dbt starts, or before the check that found nothing to build) is the revision's: any
    delivery processed later is late for it. ``full_build`` builds the whole selection whatever the last
    builds saw. dbt writes its artifacts to a temporary folder (``target_path`` keeps them), so concurrent dbt
    runs of other DAGs never share a target directory.
    """
    import time

    from service_quality.transform import builds
    from service_quality.transform.dbt import build

    started = time.perf_counter()
    with build_lock(dsn):
        variables = {"attestation_as_of": as_of.isoformat()}
        start = builds.begin(dsn)
        inputs_as_of = start.started_at if start is not None else None
        if start is None:
            scope, reason = FULL, "the warehouse does not record its dbt builds yet (ops.dbt_builds)"
        elif full_build:
            scope, reason = FULL, "a full build was asked for"
        else:
            with dsn.connect() as conn:
                current = builds.currency(conn, start, variables)
            scope = REUSED if current.attestation else ATTESTATION_ONLY if current.upstream else FULL
            reason = current.reason
        if inputs_as_of is None:
            with dsn.connect() as conn:
                inputs_as_of = conn.execute("select now()").fetchone()[0]
        selection = (
            ATTESTATION_SELECTION
            if scope == FULL
            else attestation_only_selection(_manifest())
            if scope == ATTESTATION_ONLY
            else ()
        )
        log.info("attestation build as of %s: %s (%s)", as_of, scope, reason)
        if scope == REUSED:
            builds.record(
                dsn,
                start,
                kind=builds.ATTESTATION_REUSED,
                selection=(),
                covers_inputs=False,
                variables=variables,
                dag_id=dag_id,
                run_id=run_id,
            )
        else:
            with _target_dir(target_path) as target, _lineage_of_build(dsn, target):
                build(
                    dsn,
                    select=selection,
                    # Unit tests check the models' logic on fixtures (CI runs them); a production build tests the data.
                    # Cautious: a test runs only when every model it reads is in the selection (a relationships
                    # test from a service-quality mart to dim_stores waits for the transform DAG).
                    extra=[
                        "--vars",
                        json.dumps(variables),
                        "--exclude-resource-type",
                        "unit_test",
                        "--indirect-selection",
                        "cautious",
                    ],
                    target_path=target,
                    threads=threads,
                )
                builds.record(
                    dsn,
                    start,
                    kind=builds.ATTESTATION_FULL if scope == FULL else builds.ATTESTATION_ONLY,
                    selection=selection,
                    covers_inputs=scope == FULL,
                    variables=variables,
                    invocation_id=builds.invocation_id(target),
                    dag_id=dag_id,
                    run_id=run_id,
                )
    seconds = time.perf_counter() - started
    log.info("attestation models (%s) built and tested as of %s in %.1f s", scope, as_of, seconds)
    return AttestationBuild(inputs_as_of, scope, reason, seconds, tuple(selection))
