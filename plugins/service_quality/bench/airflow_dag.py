"""Run one DAG through a real local Airflow (scheduler, DAG processor, triggerer, API server) and
report the run's duration as Airflow recorded it (``dag_run.end_date - start_date``), with when each
of its task instances was queued, started and ended (where the time went) and the CPU seconds each
component used meanwhile (the scheduler's include its task processes and the dbt they start).

Airflow reads its configuration when it is first imported, so this runs in a subprocess whose
environment is the benchmark's own Airflow (home, metadata DB, warehouse connection): nothing of the
benchmark process's environment leaks into it, and it cannot touch the developer's Airflow.
"""

from __future__ import annotations

import json
from pathlib import Path

from service_quality.bench.workspace import python
from service_quality.bench.workspace import run as run_command
from service_quality.paths import ROOT

_PROBE = """
import json, os, sys
from datetime import UTC, datetime
from pathlib import Path

from service_quality.orchestrate.airflow_runtime import LocalAirflow



def task_times(dag_id, run_id):
    # When each task instance was queued, started and ended, in seconds after the run started.
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    def after(moment, origin):
        return None if moment is None or origin is None else round((moment - origin).total_seconds(), 2)

    with create_session() as session:
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
        ).all()
        return [{"task_id": ti.task_id, "operator": ti.operator, "state": str(ti.state),
                 "try_number": ti.try_number, "queued": after(ti.queued_dttm, run.start_date),
                 "start": after(ti.start_date, run.start_date), "end": after(ti.end_date, run.start_date)}
                for ti in tis]


def component_cpu(airflow):
    # CPU seconds each component has used so far: its processes alive now (task processes, dbt, the API
    # server's workers) plus what the finished ones left in their parents' children times.
    import psutil

    seconds = {}
    for name, process in airflow.processes.items():
        own = others = 0.0
        try:
            root = psutil.Process(process.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for proc in tree:
            try:
                t = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            if proc is root:
                own += t.user + t.system
                others += t.children_user + t.children_system
            else:
                others += t.user + t.system + t.children_user + t.children_system
        seconds[name] = own
        seconds[f"{name} children"] = others
    return seconds


dag_ids = sys.argv[1].split(",")
out = []
with LocalAirflow(dict(os.environ)) as airflow:
    os.environ.update(airflow.env)  # the ORM calls below must see the same configuration
    from service_quality.orchestrate.dagruns import DagRunFailed, DagRuns

    runs = DagRuns(Path(airflow.env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"]), check_alive=airflow.check_alive,
                   progress=lambda line: print(line, file=sys.stderr, flush=True))
    runs.wait_for_dags(dag_ids, timeout=900)
    for dag_id in dag_ids:
        cpu_before = component_cpu(airflow)
        run_id = runs.trigger(dag_id, logical_date=datetime.now(UTC))
        try:
            (result,) = runs.wait([(dag_id, run_id)], label=dag_id, timeout=7200)
        except DagRunFailed as failed:  # a failing dbt test fails the run; its duration is still real
            print(str(failed)[-3000:], file=sys.stderr)
            result = failed.result
        cpu_after = component_cpu(airflow)
        out.append({"dag_id": dag_id, "run_id": run_id, "state": result.state,
                    "seconds": result.duration_seconds, "tasks": result.task_states,
                    "started": result.start_date.isoformat() if result.start_date else None,
                    "task_times": task_times(dag_id, run_id),
                    "cpu_s": {name: round(cpu_after[name] - cpu_before.get(name, 0.0), 2) for name in cpu_after}})
print("SQW_DAG_RESULT " + json.dumps(out))
"""


def run_dags(dag_ids: list[str], env: dict[str, str], timeout: float = 7800) -> list[dict]:
    """Trigger each DAG in turn (each after the previous ended); their durations per Airflow's metadata."""
    log_dir = Path(env["AIRFLOW_HOME"]) / "logs" / "components"
    try:
        result = run_command([python(), "-c", _PROBE, ",".join(dag_ids)], env=env, cwd=ROOT, timeout=timeout)
    except RuntimeError as error:
        raise RuntimeError(f"running {dag_ids} through Airflow failed; component logs in {log_dir}:\n{error}") from None
    for line in result.stdout.splitlines():
        if line.startswith("SQW_DAG_RESULT "):
            return json.loads(line.split(" ", 1)[1])
    raise RuntimeError(f"running {dag_ids} through Airflow gave no result; component logs in {log_dir}")
