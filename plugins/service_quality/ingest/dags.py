"""The one definition every ``dags/ingest_<source>.py`` is built from.

Shape: ``find_new_deliveries`` (the new files, split into load batches) -> ``load.expand(batch=...)`` (pool
``warehouse``, emits the Asset ``postgres://warehouse/warehouse/raw/<source>``) -> ``report``. A batch is
validated by one Great Expectations run and committed in one transaction (see ``ingest.load``); a daily
run usually has one batch, a backfill a few (Variables ``ingest_batch_files`` / ``ingest_batch_bytes``).
A batch in which nothing reached ``raw`` (every file rejected, a duplicate or already processed) ends
as *skipped* with the reasons in the log: no Asset event wakes the transform for it. A load that would fail
the same way on a retry (``errors.IngestFailed``) fails the task at once; a lost connection is retried.
Each DAG's ``doc_md`` is written from the source's contract (:func:`doc_md`). ``load`` reports its lineage
(files in, ``raw`` / ``quarantine`` out, row counts) to the OpenLineage provider (``service_quality.lineage``).
Only light imports here: DAG files are parsed often.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from service_quality.dag_defaults import default_args

START_DATE = datetime(2025, 1, 1)
DEFAULT_ARGS = default_args(retries=2)


def asset_uri(source: str) -> str:
    from service_quality.contracts import contract

    return contract(source).asset_uri


def doc_md(source: str, note: str | None = None) -> str:
    """The ``doc_md`` of ``ingest_<source>``: what the contract says of the source, the tasks, the configuration;
    ``note``, a paragraph of the DAG's own, comes before the configuration."""
    from service_quality.contracts import contract

    c = contract(source)
    kind = (
        "snapshot (each delivery is the full current list)"
        if c.snapshot
        else "incremental (late, out-of-order and corrected deliveries)"
    )
    paragraphs = [
        f"### Ingest {source}: new deliveries -> validated -> `{c.raw_table}`",
        f"Airflow DAG for {c.description}: {kind}.\n"
        f"Contract: `service_quality.contracts` (source `{source}`); formats {', '.join(c.formats)}; "
        f"key ({', '.join(c.primary_key)}).",
        f"1. `find_new_deliveries`: files under `<landing_root>/{source}/` not yet in `ops.deliveries` (path + SHA-256),\n"
        "   in arrival order, split into load batches (Variables `ingest_batch_files`, `ingest_batch_bytes`).\n"
        "2. `load` (one mapped task per batch, pool `warehouse`): archive, COPY into scratch, one Great Expectations "
        "run of\n"
        f"   `expectations/{source}.py` per batch and layout, bad rows to `{c.quarantine_table}`, valid rows to "
        f"`{c.raw_table}`, one\n"
        f"   transaction. Emits the Asset `{c.asset_uri}`; a batch in which nothing reached raw is skipped "
        "(reasons in its log).\n"
        "3. `report`: totals for the source from `ops.deliveries`.",
    ]
    if c.pii_columns:
        paragraphs.append(
            f"Contact fields ({', '.join(c.pii_columns)}) are replaced by a keyed hash (Variable `survey_pii_key`) "
            "before they reach\nthe warehouse; without a key the load is refused."
        )
    if note:
        paragraphs.append(note.strip())
    paragraphs.append(
        "Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.\n"
        "Docs: docs/ingestion.md."
    )
    return "\n\n".join(paragraphs) + "\n"


@contextmanager
def fail_without_retry() -> Iterator[None]:
    """Raise ingestion's terminal errors (``errors.IngestFailed``) as ``AirflowFailException``: the task fails
    at once instead of retrying what would fail the same way. Any other error (a lost connection, a lock
    timeout) passes unchanged, and Airflow retries the task."""
    from airflow.sdk.exceptions import AirflowFailException

    from service_quality.ingest.errors import IngestFailed

    try:
        yield
    except IngestFailed as error:
        raise AirflowFailException(
            f"{type(error).__name__}: {error} (not retried: a retry fails the same way)"
        ) from error


def load_task_body(
    source: str,
    batch: list[dict[str, Any]],
    dag_id: str | None,
    run_id: str | None,
    report: Callable[[list[dict[str, Any]]], None] | None = None,
) -> dict[str, Any]:
    """Load one batch through the ``warehouse`` connection; skip when nothing reached ``raw``.

    ``report`` receives each file's result before the task returns or skips (the load task's lineage)."""
    from airflow.sdk.exceptions import AirflowSkipException

    from service_quality.ingest.deliveries import load_batch
    from service_quality.warehouse.connection import resolve

    with fail_without_retry():
        results = load_batch(source, batch, resolve(in_airflow_task=True), dag_id=dag_id, run_id=run_id)
    if report is not None:
        report(results)
    outcome = batch_outcome(results)
    for r in results:
        if r["status"] in ("rejected", "duplicate") or (r["status"] == "skipped" and not r["rows_loaded"]):
            print(f"{r['path']}: {r['status']}: {r.get('message') or 'nothing new to load'}")
    # "skipped" with rows: an earlier attempt committed the load, then died before reporting it; the Asset
    # event is still owed to the transform DAG, so this attempt succeeds instead of skipping.
    if not outcome["rows_loaded"]:
        raise AirflowSkipException(f"{len(results)} files, nothing new reached raw.{source}: {outcome['statuses']}")
    return outcome


def batch_outcome(results: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch's totals for XCom and the log: counts per status, rows, and what was rejected and why."""
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {
        "files": len(results),
        "statuses": statuses,
        "rows_read": sum(r["rows_read"] for r in results if r["status"] != "skipped"),
        "rows_loaded": sum(r["rows_loaded"] for r in results),
        "rows_quarantined": sum(r["rows_quarantined"] for r in results if r["status"] != "skipped"),
        "rejected": [
            {"path": r["path"], "reason": r["rejection_reason"], "message": r["message"]}
            for r in results
            if r["status"] == "rejected"
        ],
        "data_docs": sorted({r["data_docs_uri"] for r in results if r.get("data_docs_uri")}),
    }


#: What the tagging task of ``ingest_surveys`` writes (service_quality.themes.warehouse).
COMMENT_THEMES_ASSET = "postgres://warehouse/warehouse/raw/survey_comment_themes"


def ingest_dag(source: str, note: str | None = None, schedule: str = "@hourly", tag_comments: bool = False) -> Any:
    """Build the ingestion DAG ``ingest_<source>``; ``note`` is a paragraph of its own for its ``doc_md``;
    ``tag_comments`` adds the task that tags the new survey comments with themes after the loads."""
    from airflow.sdk import Asset, dag, task

    from service_quality.lineage.operators import load_task, warehouse_tables_task

    @dag(
        dag_id=f"ingest_{source}",
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md(source, note),
        default_args=DEFAULT_ARGS,
        tags=["ingest", source],
    )
    def ingest() -> None:
        @task
        def find_new_deliveries() -> list[list[dict[str, Any]]]:
            """Files under ``<landing_root>/<source>/`` whose (path, content hash) is not in ``ops.deliveries``,
            in arrival order, split into load batches."""
            from service_quality.ingest.deliveries import batches
            from service_quality.ingest.deliveries import find_new_deliveries as find
            from service_quality.warehouse.connection import resolve

            return batches(find(source, None, resolve(in_airflow_task=True)))

        @load_task(
            pool="warehouse",
            outlets=[Asset(asset_uri(source))],
            map_index_template="{{ task.op_kwargs['batch'] | length }} files from {{ task.op_kwargs['batch'][0]['path'] }}",
        )
        def load(source: str, batch: list[dict[str, Any]], dag=None, run_id=None, task=None) -> dict[str, Any]:
            """Validate a batch of deliveries and load it atomically into raw / quarantine / ops."""
            return load_task_body(source, batch, dag.dag_id, run_id, report=task.record_load_results)

        @task(trigger_rule="all_done")
        def report() -> dict[str, Any]:
            """Log this source's totals from ``ops`` (deliveries, rows loaded / quarantined, rejected)."""
            from service_quality.ingest.source_totals import source_totals
            from service_quality.warehouse.connection import resolve

            row = next(r for r in source_totals(resolve(in_airflow_task=True)) if r["source"] == source)
            print(row)
            return row

        loaded = load.partial(source=source).expand(batch=find_new_deliveries())
        loaded >> report()
        if tag_comments:

            @warehouse_tables_task(
                reads=("raw.surveys",),
                writes=("raw.survey_comments_tagged", "raw.survey_comment_themes", "raw.survey_comment_lemmas"),
                pool="warehouse",
                trigger_rule="none_failed",
                outlets=[Asset(COMMENT_THEMES_ASSET)],
            )
            def tag_comment_themes() -> dict[str, Any]:
                """Tag the response versions not tagged yet with the theme lexicon (dbt seeds)."""
                from service_quality.themes.warehouse import tag_new_comments
                from service_quality.warehouse.connection import resolve

                result = tag_new_comments(resolve(in_airflow_task=True)).as_dict()
                print(result)
                return result

            loaded >> tag_comment_themes()

    return ingest()
