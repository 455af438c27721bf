"""One OpenLineage job per dbt model a task ran, from dbt's own artifacts, under the task's run.

Cosmos's watcher producer and the attestation build each run one ``dbt build``; the OpenLineage dbt
integration (``DbtLocalArtifactProcessor``) reads that build's ``manifest.json`` and ``run_results.json`` and
makes, per model, a START and a COMPLETE (FAIL) event with its inputs and output (named from the dbt profile:
``postgres://host:port``, ``database.schema.table``), the column lineage where its SQL parser resolves the
compiled SQL, and per model with tests a test job whose input carries the results as a
``dataQualityAssertions`` facet. Each event's ``parent`` facet is the Airflow task's run (and the DAG run its
root), so a lineage service nests the models under the task. The events go out through the provider's
listener, with its transport.

Lineage never fails a task: an error here is logged and the task goes on.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)


def lineage_enabled() -> bool:
    """False when ``[openlineage] disabled`` is set (or the provider is missing): then nothing here runs."""
    try:
        from airflow.providers.openlineage import conf
    except ImportError:
        return False
    return not conf.is_disabled()


def _inside_a_task() -> bool:
    """True in an Airflow task's process (the events need its run); the command line and tests run dbt too."""
    from airflow.sdk import get_current_context

    try:
        get_current_context()
    except Exception:  # noqa: BLE001 - AirflowException outside a task
        return False
    return True


@contextlib.contextmanager
def _environment(env: Mapping[str, str] | None) -> Iterator[None]:
    """The profile's ``env_var()`` values (connection, password) for the processor, only for the call."""
    saved = {key: os.environ.get(key) for key in env or {}}
    os.environ.update({key: str(value) for key, value in (env or {}).items()})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def emit_dbt_run(
    project_dir: Path | str,
    *,
    profile_name: str,
    target_name: str,
    target_path: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    dbt_command_line: Sequence[str] | None = None,
) -> int:
    """Emit the per-model events of the dbt invocation whose artifacts are in ``target_path`` (default: the
    project's ``target``); returns how many were emitted (0 when lineage is off or not inside an Airflow task)."""
    if not lineage_enabled() or not _inside_a_task():
        return 0
    try:
        return _emit(project_dir, profile_name, target_name, target_path, env, dbt_command_line)
    except Exception as error:  # noqa: BLE001 - lineage must never fail the pipeline
        log.warning("OpenLineage: no per-model events for this dbt run: %s", error, exc_info=True)
        return 0


def _emit(project_dir, profile_name, target_name, target_path, env, dbt_command_line) -> int:
    from airflow.providers.openlineage.api import emit, is_openlineage_active
    from airflow.providers.openlineage.plugins.macros import (
        lineage_job_name,
        lineage_job_namespace,
        lineage_root_job_name,
        lineage_root_job_namespace,
        lineage_root_run_id,
        lineage_run_id,
    )
    from airflow.providers.openlineage.utils.utils import get_task_instance_from_context
    from openlineage.common.provider.dbt import DbtLocalArtifactProcessor, ParentRunMetadata
    from openlineage.common.provider.dbt.utils import PRODUCER

    if not is_openlineage_active():
        return 0
    ti = get_task_instance_from_context()
    processor = DbtLocalArtifactProcessor(
        producer=PRODUCER,
        job_namespace=lineage_job_namespace(),
        project_dir=str(project_dir),
        profile_name=profile_name,
        target=target_name,
        target_path=str(target_path) if target_path is not None else None,
        dbt_command_line=list(dbt_command_line or []),
        skip_errors=True,
        logger=log,
    )
    processor.should_raise_on_unsupported_command = False
    processor.dbt_run_metadata = ParentRunMetadata(
        run_id=lineage_run_id(ti),
        job_name=lineage_job_name(ti),
        job_namespace=lineage_job_namespace(),
        root_parent_run_id=lineage_root_run_id(ti),
        root_parent_job_name=lineage_root_job_name(ti),
        root_parent_job_namespace=lineage_root_job_namespace(ti),
    )
    with _environment(env):
        events = processor.parse()
    emitted = events.events()
    for event in emitted:
        emit(event)
    log.info(
        "OpenLineage: %s events for %s dbt jobs (%s failed) under %s",
        len(emitted),
        len(events.starts),
        len(events.fails),
        lineage_job_name(ti),
    )
    return len(emitted)
