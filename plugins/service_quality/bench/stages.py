"""Where the time of a pipeline run went: ingest, transform, attestation, or Airflow itself.

Read from Airflow's metadata (``task_instance`` start and end), not from our own logs, so the split
is what Airflow recorded. Tasks of different stages can run at the same time, so the wall time is cut
into slices at every task start and end; a slice is shared equally among the stages running in it,
and a slice in which no task runs is Airflow overhead (scheduling, DAG parsing, process start-up,
waiting for a trigger). The shares therefore add up to exactly the wall time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

STAGES = ("ingest", "transform", "attestation", "other")
OVERHEAD = "airflow_overhead"


def stage_of(dag_id: str) -> str:
    """The pipeline stage a DAG belongs to, by the naming convention of ``dags/``."""
    if dag_id.startswith("ingest"):
        return "ingest"
    if dag_id.startswith("transform"):
        return "transform"
    if dag_id.startswith("attestation"):
        return "attestation"
    return "other"


@dataclass(frozen=True)
class Interval:
    stage: str
    start: float
    end: float


def split(intervals: Iterable[Interval], wall_start: float, wall_end: float) -> dict[str, float]:
    """Seconds of ``[wall_start, wall_end]`` attributed to each stage and to Airflow overhead."""
    spans = [i for i in intervals if i.end > i.start]
    cuts = sorted({wall_start, wall_end, *(max(wall_start, min(wall_end, t)) for i in spans for t in (i.start, i.end))})
    seconds = dict.fromkeys((*STAGES, OVERHEAD), 0.0)
    for left, right in zip(cuts, cuts[1:], strict=False):
        width = right - left
        if width <= 0:
            continue
        active = {i.stage for i in spans if i.start <= left and i.end >= right}
        if not active:
            seconds[OVERHEAD] += width
        else:
            for stage in active:
                seconds[stage] += width / len(active)
    return seconds


def task_intervals(sql_alchemy_conn: str, since: datetime | None = None) -> list[Interval]:
    """Every finished task instance in an Airflow metadata database, as stage intervals (epoch seconds)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sql_alchemy_conn)
    query = (
        "select dag_id, start_date, end_date from task_instance where start_date is not null and end_date is not null"
    )
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(query)).fetchall()
    finally:
        engine.dispose()
    out = []
    for dag_id, start, end in rows:
        start, end = _as_datetime(start), _as_datetime(end)
        if since is not None and end < since:
            continue
        out.append(Interval(stage_of(dag_id), start.timestamp(), end.timestamp()))
    return out


def dag_run_seconds(sql_alchemy_conn: str, dag_id: str) -> list[tuple[str, float]]:
    """(run_id, end_date - start_date) of every finished run of a DAG, as Airflow recorded them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sql_alchemy_conn)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "select run_id, start_date, end_date from dag_run where dag_id = :dag_id "
                    "and start_date is not null and end_date is not null order by start_date"
                ),
                {"dag_id": dag_id},
            ).fetchall()
    finally:
        engine.dispose()
    return [(run_id, (_as_datetime(end) - _as_datetime(start)).total_seconds()) for run_id, start, end in rows]


def _as_datetime(value) -> datetime:
    """SQLite hands timestamps back as text; PostgreSQL as datetimes. Naive values are UTC in Airflow."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
