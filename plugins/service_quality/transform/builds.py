"""What each dbt build saw, so that an attestation run knows whether the models it reads are current.

The transform DAG's build (every model of the project) and each attestation run's build are recorded in
``ops.dbt_builds`` (migration 0060) once they succeed: the selection, the dbt project's checksum, the dbt
variables, and a fingerprint of the warehouse's inputs read just before dbt started. An attestation run
then compares: when the last build that covered everything upstream of the attestation marts saw the
same inputs, from the same project, with the same variables (``attestation_as_of`` aside, which only the
attestation models read), the models upstream are current and only the attestation models need building.
Anything else, including no record at all, means the whole selection: a run never publishes from stale
inputs, and a lost or failed record only makes a run build more.

The fingerprint covers every delivery row (its id, status and row counts: a delivery committed after the
read, or one whose load was corrected, changes it) and the survey comment tagging, which a changed lexicon
redoes without a new delivery.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from service_quality.paths import DBT_PROJECT_DIR
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

#: Build kinds (``ops.dbt_builds.kind``).
TRANSFORM, ATTESTATION_FULL, ATTESTATION_ONLY, ATTESTATION_REUSED = (
    "transform",
    "attestation_full",
    "attestation_only",
    "attestation_reused",
)
#: The dbt variable only the attestation models read; builds that differ only in it share their upstream.
AS_OF_VAR = "attestation_as_of"
#: What dbt reads from a project besides its folders' generated output.
_PROJECT_SKIP = {"target", "dbt_packages", "logs"}

_INPUTS_SQL = """
select
    (select count(*) from ops.deliveries) as deliveries,
    (select max(delivery_id) from ops.deliveries) as max_delivery_id,
    (select max(arrived_at) from ops.deliveries) as last_arrived_at,
    (select md5(coalesce(string_agg(
        concat_ws(':', delivery_id, status, rows_loaded, rows_quarantined, duplicate_of), ',' order by delivery_id
    ), '')) from ops.deliveries) as deliveries_md5,
    (select count(*) from raw.survey_comments_tagged) as comments_tagged,
    (select coalesce(string_agg(distinct lexicon_checksum, ',' order by lexicon_checksum), '')
        from raw.survey_comments_tagged) as lexicons
"""


def project_checksum(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """sha256 over the dbt project's files (paths and bytes): models, macros, seeds, tests, dbt_project.yml."""
    digest = hashlib.sha256()
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if not path.is_file() or _PROJECT_SKIP.intersection(relative.parts) or relative.name.startswith("."):
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class BuildStart:
    """What a build is about to read: taken just before dbt starts."""

    started_at: datetime
    inputs: dict[str, Any]
    project_checksum: str

    @property
    def comparable_inputs(self) -> str:
        return json.dumps(self.inputs, sort_keys=True, default=str)


def inputs_fingerprint(conn: Any) -> dict[str, Any]:
    """The warehouse's inputs as a JSON-able dict; equal dicts mean dbt reads the same rows."""
    row = conn.execute(_INPUTS_SQL).fetchone()
    names = ("deliveries", "max_delivery_id", "last_arrived_at", "deliveries_md5", "comments_tagged", "lexicons")
    out = dict(zip(names, row, strict=True))
    out["last_arrived_at"] = out["last_arrived_at"].isoformat() if out["last_arrived_at"] else None
    return out


def recording_enabled(conn: Any) -> bool:
    """False on a warehouse without migration 0060 (then nothing is recorded and every run builds all)."""
    return conn.execute("select to_regclass('ops.dbt_builds') is not null").fetchone()[0]


def begin(dsn: WarehouseDsn, project_dir: Path = DBT_PROJECT_DIR) -> BuildStart | None:
    """Read the inputs before a build; None when the warehouse cannot record builds."""
    with dsn.connect() as conn:
        if not recording_enabled(conn):
            log.warning("ops.dbt_builds is missing (run the warehouse bootstrap): this build is not recorded")
            return None
        started_at = conn.execute("select now()").fetchone()[0]
        inputs = inputs_fingerprint(conn)
    return BuildStart(started_at, inputs, project_checksum(project_dir))


def record(
    dsn: WarehouseDsn,
    start: BuildStart | None,
    *,
    kind: str,
    selection: Sequence[str],
    covers_inputs: bool,
    variables: Mapping[str, Any] | None = None,
    invocation_id: str | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> None:
    """Record a successful build (call it only once dbt succeeded)."""
    if start is None:
        return
    with dsn.connect() as conn:
        conn.execute(
            """
            insert into ops.dbt_builds (
                kind, selection, covers_inputs, project_checksum, vars, inputs, max_delivery_id,
                last_arrived_at, dbt_invocation_id, dag_id, run_id, started_at
            ) values (%s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s, %s, %s, %s)
            """,
            [
                kind,
                list(selection),
                covers_inputs,
                start.project_checksum,
                json.dumps(dict(variables or {}), sort_keys=True),
                start.comparable_inputs,
                start.inputs.get("max_delivery_id"),
                start.inputs.get("last_arrived_at"),
                invocation_id,
                dag_id,
                run_id,
                start.started_at,
            ],
        )
    log.info("recorded the %s dbt build (inputs: %s)", kind, start.inputs)


@dataclass(frozen=True)
class Currency:
    """What the attestation build can rely on: ``upstream`` (models upstream of the attestation models are
    current), ``attestation`` (the attestation models too, for these variables), and why."""

    upstream: bool
    attestation: bool
    reason: str


def _without_as_of(variables: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in variables.items() if k != AS_OF_VAR}


def currency(conn: Any, start: BuildStart, variables: Mapping[str, Any]) -> Currency:
    """Compare the last builds with what the warehouse holds now (``start``: read just now)."""
    columns = "build_id, kind, covers_inputs, project_checksum, vars, inputs, finished_at"
    order = "order by finished_at desc, build_id desc limit 1"
    covering = conn.execute(f"select {columns} from ops.dbt_builds where covers_inputs {order}").fetchone()
    if covering is None:
        return Currency(False, False, "no build of every model upstream of the attestation marts is recorded")
    latest = conn.execute(f"select {columns} from ops.dbt_builds {order}").fetchone()
    build_id, kind, _, checksum, built_vars, inputs, finished_at = covering
    when = f"the {kind} build #{build_id} of {finished_at:%Y-%m-%d %H:%M:%S}"
    if checksum != start.project_checksum:
        return Currency(False, False, f"the dbt project changed since {when}")
    if _without_as_of(built_vars) != _without_as_of(variables):
        return Currency(False, False, f"{when} ran with other dbt variables ({built_vars})")
    if json.dumps(inputs, sort_keys=True, default=str) != start.comparable_inputs:
        seen, now = inputs.get("max_delivery_id"), start.inputs.get("max_delivery_id")
        return Currency(
            False,
            False,
            f"the warehouse's inputs changed since {when} (deliveries up to #{seen} then, #{now} now, "
            f"{inputs.get('deliveries')} then, {start.inputs.get('deliveries')} now)",
        )
    same_attestation = (
        latest[1] in (ATTESTATION_FULL, ATTESTATION_ONLY, ATTESTATION_REUSED)
        and latest[3] == start.project_checksum
        and dict(latest[4]) == dict(variables)
        and json.dumps(latest[5], sort_keys=True, default=str) == start.comparable_inputs
    )
    if same_attestation:
        return Currency(True, True, f"the {latest[1]} build #{latest[0]} built the attestation models for {variables}")
    return Currency(True, False, f"{when} saw every delivery now in the warehouse")


def invocation_id(target_path: Path) -> str | None:
    """dbt's invocation id, from the run results it wrote (None when there are none)."""
    try:
        results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return results.get("metadata", {}).get("invocation_id")
