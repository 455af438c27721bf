"""Ingest new deliveries from a landing zone into the warehouse, outside Airflow (``sqw ingest``).

The same code path as the ``ingest_<source>`` DAGs, one delivery after another in arrival order; then, as
``ingest_surveys`` does, the survey comments not tagged yet are tagged with themes. Prints the per-source summary from ``ops`` at the end.
"""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from service_quality.contracts import SOURCES

    parser.add_argument("--source", action="append", choices=SOURCES, help="only this source (repeatable)")
    parser.add_argument("--landing-root", help="folder or object-store URL (default: Variable landing_root / demo)")
    parser.add_argument("--archive-root", help="where delivered files are archived (default: .local/archive)")
    parser.add_argument("--data-docs-root", help="where GX Data Docs are written (default: .local/data_docs)")
    parser.add_argument("--no-gx", action="store_true", help="skip the Great Expectations run (SQL rules still apply)")
    parser.add_argument("--summary-only", action="store_true", help="print the summary from ops and exit")
    parser.add_argument("--json", action="store_true", help="print each delivery's result as JSON")


def settings_from(args: argparse.Namespace):
    from service_quality.ingest.settings import IngestSettings

    settings = IngestSettings()
    if getattr(args, "landing_root", None):
        settings.landing_root = args.landing_root
    if args.archive_root:
        settings.archive_root = args.archive_root
    if args.data_docs_root:
        settings.data_docs_root = args.data_docs_root
    if args.no_gx:
        settings.validate_with_gx = False
    return settings


def run(args: argparse.Namespace) -> int:
    from service_quality.contracts import SOURCES
    from service_quality.ingest.deliveries import ingest_source
    from service_quality.ingest.source_totals import format_source_totals, source_totals
    from service_quality.warehouse.connection import resolve

    dsn = resolve()
    if not args.summary_only:
        settings = settings_from(args)
        for source in args.source or SOURCES:
            for result in ingest_source(source, settings.landing_root, dsn, settings):
                if args.json:
                    print(json.dumps(result))
                elif result["status"] == "rejected":
                    print(f"REJECTED {result['path']}: {result['rejection_reason']}: {result['message']}")
        if "surveys" in (args.source or SOURCES):  # as ingest_surveys does after its loads
            from service_quality.themes.warehouse import tag_new_comments

            print(f"comment themes: {tag_new_comments(dsn).as_dict()}")
    print(format_source_totals(source_totals(dsn)))
    return 0
