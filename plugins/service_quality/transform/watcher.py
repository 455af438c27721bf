"""The watcher's producer publishes dbt's progress without holding dbt back.

In Cosmos's watcher mode one producer task runs ``dbt build`` and reads dbt's JSON log from its stdout,
line by line; for each node that finishes it pushes the node's status (and a model's compiled SQL) to
XCom through the API server, and the consumer tasks turn green or red from those. Cosmos does the
pushes on the thread that reads stdout: while a push waits for the API server (tens of milliseconds on a
busy machine, a few hundred pushes a build), dbt's output is not read, the pipe fills and dbt's threads
stop on their next log line. On the benchmark the producer's build took twice the bare ``dbt build``.

:class:`DbtProducerWatcherOperator` reads stdout on one thread and publishes on another, in order; the
task ends only when everything read has been published, so a consumer never misses its node's status.

It also records its build in ``ops.dbt_builds`` once dbt succeeded (:mod:`service_quality.transform.builds`):
with what the warehouse held when it started, an attestation run can tell that the models upstream of
the attestation marts are current and build only its own.

The same class reports each model the build ran to OpenLineage as a job of its own (Cosmos's watcher
reports the whole build as one), see :meth:`DbtProducerWatcherOperator.calculate_openlineage_events_completes`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cosmos.operators import watcher as cosmos_watcher

log = logging.getLogger(__name__)


class _Publisher:
    """Parses and publishes dbt's log lines, in order, on a thread of its own; the first error is kept."""

    def __init__(self, parse: Callable[[str, Any], None]) -> None:
        self._parse = parse
        self._lines: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._publish, name="watcher-publisher", daemon=True)
        self._thread.start()

    def put(self, line: str, extra_kwargs: Any) -> None:
        self._lines.put((line, extra_kwargs))

    def _publish(self) -> None:
        while (item := self._lines.get()) is not None:
            if self._error is not None:  # after a failure, drain without publishing
                continue
            try:
                self._parse(*item)
            except BaseException as error:  # noqa: BLE001 - raised on the task's thread by raise_error()
                self._error = error

    def close(self) -> None:
        """Wait until every line put so far is published (dbt has exited, nothing more comes)."""
        self._lines.put(None)
        self._thread.join()

    def raise_error(self) -> None:
        if self._error is not None:
            raise self._error


class DbtProducerWatcherOperator(cosmos_watcher.DbtProducerWatcherOperator):
    """Cosmos's producer, with dbt's log parsed and published to XCom off the thread that reads it."""

    _publisher: _Publisher | None = None

    def _make_parse_callable(self) -> Callable[[str, Any], None]:
        # Cosmos's run_subprocess asks for the callable just before it starts dbt.
        self._publisher = _Publisher(super()._make_parse_callable())
        return self._publisher.put

    def execute(self, context: Any, **kwargs: Any) -> Any:
        """Cosmos's producer, with the build recorded when it succeeded (a retry is skipped by Cosmos, and
        a failed build is not recorded: the next attestation run then builds everything it reads)."""
        from service_quality.transform import builds
        from service_quality.warehouse.connection import resolve

        ti = context.get("ti")
        start = None
        if getattr(ti, "try_number", 1) <= 1:
            try:
                dsn = resolve(in_airflow_task=True)
                start = builds.begin(dsn)
            except Exception:  # noqa: BLE001 - the record only saves later work; never hold the build back
                log.warning("could not read the warehouse's inputs: this build is not recorded", exc_info=True)
        result = super().execute(context, **kwargs)
        if start is not None:
            try:
                builds.record(
                    dsn,
                    start,
                    kind=builds.TRANSFORM,
                    selection=("*",),
                    covers_inputs=True,
                    dag_id=getattr(ti, "dag_id", None),
                    run_id=getattr(ti, "run_id", None),
                )
            except Exception:  # noqa: BLE001 - unrecorded, the next attestation run builds everything it reads
                log.warning("could not record this build in ops.dbt_builds", exc_info=True)
        return result

    def run_subprocess(self, command: list[str], env: dict[str, str], cwd: str, **kwargs: Any) -> Any:
        try:
            result = super().run_subprocess(command, env, cwd, **kwargs)
        finally:
            publisher, self._publisher = self._publisher, None
            if publisher is not None:
                publisher.close()
        if publisher is not None:
            publisher.raise_error()
        return result

    def calculate_openlineage_events_completes(
        self, env: dict[str, Any], project_dir: Path, dbt_command_line: list[str] | None = None
    ) -> bool:
        """One OpenLineage job per model of the build, under this task's run (:mod:`service_quality.lineage.dbt_runs`).

        Cosmos would fold every model's lineage into the producer's own COMPLETE event (one job reading every
        source and writing every model); the producer's events name no datasets instead, and each model is a
        job of its own. With lineage off the artifacts are not read at all.
        """
        from service_quality.lineage.dbt_runs import emit_dbt_run

        emit_dbt_run(
            project_dir,
            profile_name=self.profile_config.profile_name,
            target_name=self.profile_config.target_name,
            env={key: str(value) for key, value in env.items()},
            dbt_command_line=dbt_command_line,
        )
        self.openlineage_events_completes = []
        return False


def publish_off_the_reading_thread(dag: Any) -> None:
    """Give ``dag``'s watcher producer the publisher above.

    Cosmos instantiates its own producer class and has no setting for it; the subclass adds no state the
    task needs at construction, so the task keeps everything Cosmos configured and only changes class.
    """
    for task in dag.tasks:
        if type(task) is cosmos_watcher.DbtProducerWatcherOperator:
            task.__class__ = DbtProducerWatcherOperator
