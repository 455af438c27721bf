"""Run every DAG through Airflow over a landing zone: ingest all new deliveries, transform, then attest
every quarter and year that closed within --from … --to.

The warehouse is the one in AIRFLOW_CONN_WAREHOUSE, else the embedded one. Airflow runs locally for the
length of the command (scheduler, DAG processor, triggerer, API server), with its metadata in
$AIRFLOW_HOME (default .local/airflow). Safe to repeat: a second run over the same landing zone changes
nothing and says so. On failure it stops and names the DAG, the task and the end of its log.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--landing", required=True, type=Path, help="landing zone: one folder per source")
    parser.add_argument(
        "--from", dest="start", required=True, type=date.fromisoformat, help="first day of the range (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--to", dest="end", required=True, type=date.fromisoformat, help="last day of the range (YYYY-MM-DD)"
    )
    parser.add_argument("--skip-docs", action="store_true", help="do not regenerate the dbt docs at the end")


def generate_dbt_docs(dsn) -> object:
    """``dbt docs generate`` into .local/dbt_docs (served in the Airflow UI); returns the folder."""
    from service_quality.orchestrate.summary import DBT_DOCS_DIR
    from service_quality.transform.dbt import run_dbt

    run_dbt(dsn, ["docs", "generate", "--exclude-resource-type", "unit_test"], target_path=DBT_DOCS_DIR)
    return DBT_DOCS_DIR


def execute(landing: Path, start: date, end: date, *, skip_docs: bool = False) -> int:
    """Run the pipeline and print its summary; 0 on success, 1 when a DAG run failed."""
    from service_quality.orchestrate import summary
    from service_quality.orchestrate.dagruns import DagRunFailed
    from service_quality.orchestrate.pipeline import print_error, run_pipeline

    if end < start:
        print_error(f"--to {end} is before --from {start}")
        return 2

    def progress(line: str) -> None:
        print(line, flush=True)

    try:
        outcome = run_pipeline(landing, start, end, progress=progress)
    except DagRunFailed as failure:
        print_error(f"\nFAILED: {failure}")
        print_error(
            "Every step before this one is committed in the warehouse. Fix the cause, then run the same command "
            "again: it continues with what is not done yet."
        )
        return 1
    except (FileNotFoundError, RuntimeError) as error:
        print_error(f"\nFAILED: {error}")
        return 1
    docs = None
    if not skip_docs:
        progress("dbt docs generate")
        try:
            docs = generate_dbt_docs(outcome.dsn)
        except Exception as error:  # noqa: BLE001 - the docs are a convenience; the pipeline succeeded
            print_error(f"dbt docs could not be generated: {error}")
    print(summary.text(outcome, docs), flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    return execute(args.landing, args.start, args.end, skip_docs=args.skip_docs)
