"""Trigger DAG runs on a running Airflow and follow them to the end, as Airflow records them.

The calling process talks to the same metadata database as the scheduler (the ORM, like the
``airflow dags trigger`` command does); the scheduler and its executor do the running. Import this
module only after the Airflow environment is in ``os.environ``: Airflow reads its configuration on import.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

TERMINAL_RUN_STATES = {"success", "failed"}
FAILED_TASK_STATES = {"failed", "upstream_failed"}


@dataclass
class FailedTask:
    task_id: str
    map_index: int
    try_number: int
    state: str
    log_path: Path | None
    log_excerpt: str


@dataclass
class RunResult:
    dag_id: str
    run_id: str
    state: str
    start_date: datetime | None
    end_date: datetime | None
    task_states: dict[str, int] = field(default_factory=dict)
    failed_tasks: list[FailedTask] = field(default_factory=list)

    @property
    def duration_seconds(self) -> float | None:
        """The run's duration as Airflow records it (start to end of the DAG run)."""
        if self.start_date is None or self.end_date is None:
            return None
        return (self.end_date - self.start_date).total_seconds()

    @property
    def ok(self) -> bool:
        return self.state == "success"


class DagRunFailed(RuntimeError):
    """A DAG run ended failed: the message names the DAG, the task and shows the end of its log."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        lines = [f"DAG {result.dag_id} failed (run {result.run_id})."]
        for failed in result.failed_tasks:
            where = failed.task_id + (f"[{failed.map_index}]" if failed.map_index >= 0 else "")
            lines.append(f"  task {where}: {failed.state} (try {failed.try_number})")
            if failed.log_path is not None:
                lines.append(f"  log: {failed.log_path}")
            if failed.log_excerpt:
                lines.extend("    | " + line for line in failed.log_excerpt.splitlines())
        super().__init__("\n".join(lines))


def _render_log_line(raw: str) -> str:
    """Airflow 3 task logs are JSON lines; show them the way the UI does."""
    try:
        record = json.loads(raw)
    except ValueError:
        return raw.rstrip()
    if not isinstance(record, dict):
        return raw.rstrip()
    text = f"{record.get('level', '')[:5]:5} {record.get('event', '')}".rstrip()
    for detail in record.get("error_detail") or []:
        text += f"\n{detail.get('exc_type', '')}: {detail.get('exc_value', '')}"
        frames = detail.get("frames") or []
        for frame in frames[-3:]:
            text += f"\n  at {frame.get('filename')}:{frame.get('lineno')} in {frame.get('name')}"
    return text


def log_excerpt(path: Path, max_lines: int = 25) -> str:
    """The lines that explain a failure: errors and tracebacks first, else the end of the log."""
    if not path.exists():
        return ""
    rendered = [_render_log_line(line) for line in path.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in rendered if line.startswith(("error", "criti")) or "Traceback" in line]
    chosen = errors[-max_lines:] if errors else rendered[-max_lines:]
    return "\n".join(chosen)


def error_lines(path: Path, max_lines: int = 15) -> str:
    """Only the error-level lines of a task log (empty when it has none)."""
    if not path.exists():
        return ""
    rendered = [_render_log_line(line) for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return "\n".join([line for line in rendered if line.startswith(("error", "criti"))][-max_lines:])


class DagRuns:
    """Triggers and follows DAG runs. ``log_root`` is Airflow's base log folder."""

    def __init__(
        self,
        log_root: Path,
        *,
        progress: Callable[[str], None] = print,
        check_alive: Callable[[], None] = lambda: None,
        poll_seconds: float = 2.0,
    ) -> None:
        self.log_root = log_root
        self.progress = progress
        self.check_alive = check_alive
        self.poll_seconds = poll_seconds

    # -- DAGs ---------------------------------------------------------------------------------------------
    def wait_for_dags(self, dag_ids: Iterable[str], timeout: float = 300.0) -> None:
        """Wait until the DAG processor has serialized every DAG; fail on an import error in its file."""
        from airflow.models.dag import DagModel
        from airflow.models.errors import ParseImportError
        from airflow.models.serialized_dag import SerializedDagModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        wanted = set(dag_ids)
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            with create_session() as session:
                errors = session.execute(select(ParseImportError.filename, ParseImportError.stacktrace)).all()
                found = set(
                    session.scalars(
                        select(DagModel.dag_id).where(DagModel.dag_id.in_(wanted), DagModel.is_stale.is_(False))
                    )
                )
                serialized = {d for d in found if SerializedDagModel.has_dag(d, session=session)}
            relevant = [(f, s) for f, s in errors if Path(f).stem in wanted or not serialized >= wanted]
            if relevant and not serialized >= wanted:
                filename, stacktrace = relevant[0]
                tail = "\n".join(stacktrace.strip().splitlines()[-12:])
                raise RuntimeError(f"Airflow could not import {filename}:\n{tail}")
            if serialized >= wanted:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"DAGs not parsed by Airflow within {timeout:.0f} s: {sorted(wanted - serialized)}")
            time.sleep(self.poll_seconds)

    # -- runs ---------------------------------------------------------------------------------------------
    def trigger(self, dag_id: str, *, logical_date: datetime | None = None, conf: dict | None = None) -> str:
        from airflow.api.common.trigger_dag import trigger_dag
        from airflow.utils.types import DagRunTriggeredByType

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        label = logical_date.strftime("%Y-%m-%d") if logical_date else "now"
        run = trigger_dag(
            dag_id,
            triggered_by=DagRunTriggeredByType.CLI,
            triggering_user_name="sqw run",
            run_id=f"sqw__{label}__{stamp}",
            logical_date=logical_date,
            conf=conf or {},
            replace_microseconds=False,
        )
        return run.run_id

    def result(self, dag_id: str, run_id: str) -> RunResult:
        from airflow.models.dagrun import DagRun
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
            if run is None:
                raise RuntimeError(f"DAG run {dag_id}/{run_id} not found")
            tis = session.scalars(
                select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
            ).all()
            states = Counter(str(ti.state.value if hasattr(ti.state, "value") else ti.state) for ti in tis)
            state = str(run.state.value if hasattr(run.state, "value") else run.state)
            failed = []
            if state == "failed":
                for ti in tis:
                    ti_state = str(ti.state.value if hasattr(ti.state, "value") else ti.state)
                    if ti_state in FAILED_TASK_STATES:
                        path = self._log_path(dag_id, run_id, ti.task_id, ti.map_index, ti.try_number)
                        failed.append(
                            FailedTask(
                                ti.task_id,
                                ti.map_index,
                                ti.try_number,
                                ti_state,
                                path,
                                log_excerpt(path) if path else "",
                            )
                        )
                    elif ti.try_number > 1:
                        # A task that failed and then retried (a Cosmos producer skips its retry): its first
                        # attempt's errors are often the root cause (the dbt test that failed, with its name).
                        for attempt in range(1, ti.try_number):
                            path = self._log_path(dag_id, run_id, ti.task_id, ti.map_index, attempt)
                            errors = error_lines(path) if path else ""
                            if errors:
                                label = f"{ti_state}; attempt {attempt} failed"
                                failed.append(FailedTask(ti.task_id, ti.map_index, attempt, label, path, errors))
                # Tasks that failed themselves first, then the ones that never ran because of them.
                failed.sort(key=lambda f: (f.state == "upstream_failed", f.task_id))
            return RunResult(dag_id, run_id, state, run.start_date, run.end_date, dict(states), failed)

    def _log_path(self, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int) -> Path | None:
        folder = self.log_root / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        if map_index >= 0:
            folder = folder / f"map_index={map_index}"
        for attempt in range(max(try_number, 1), 0, -1):
            path = folder / f"attempt={attempt}.log"
            if path.exists():
                return path
        return None

    def wait(self, runs: list[tuple[str, str]], *, label: str, timeout: float = 3600.0) -> list[RunResult]:
        """Follow runs until all end; print progress when it changes. Raise :class:`DagRunFailed` on failure."""
        deadline = time.monotonic() + timeout
        last_line = ""
        last_print = 0.0
        while True:
            self.check_alive()
            results = [self.result(dag_id, run_id) for dag_id, run_id in runs]
            done = [r for r in results if r.state in TERMINAL_RUN_STATES]
            tasks = Counter()
            for r in results:
                tasks.update(r.task_states)
            finished_tasks = sum(
                n for s, n in tasks.items() if s in {"success", "skipped", "failed", "upstream_failed"}
            )
            line = f"  {label}: {len(done)}/{len(results)} DAG runs done, tasks {finished_tasks}/{sum(tasks.values())}"
            if line != last_line or time.monotonic() - last_print > 30:
                self.progress(line)
                last_line, last_print = line, time.monotonic()
            if len(done) == len(results):
                for r in results:
                    if not r.ok:
                        raise DagRunFailed(r)
                return results
            if time.monotonic() > deadline:
                raise RuntimeError(f"{label}: DAG runs still running after {timeout:.0f} s")
            time.sleep(self.poll_seconds)
