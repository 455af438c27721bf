"""Re-ingest every archived delivery, in its original arrival order, into an empty warehouse (``sqw replay``).

The archive keeps each delivery's bytes, landing path and arrival time, so the replay reaches the same
``raw`` state (same rows, versions and arrival order) as the original runs. It refuses to run on a
warehouse that already has deliveries unless ``--into-non-empty`` is given (then it only adds what is missing,
like an ingestion run would).
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from service_quality.contracts import SOURCES

    parser.add_argument(
        "--archive-root", help="the archive to replay (default: Variable archive_root / .local/archive)"
    )
    parser.add_argument("--data-docs-root", help="where GX Data Docs are written (default: .local/data_docs)")
    parser.add_argument("--source", action="append", choices=SOURCES, help="only this source (repeatable)")
    parser.add_argument("--no-gx", action="store_true", help="skip the Great Expectations run (SQL rules still apply)")
    parser.add_argument("--into-non-empty", action="store_true", help="allow a warehouse that has deliveries")
    parser.add_argument("--json", action="store_true", help="print each delivery's result as JSON")


def replay(
    dsn: Any, settings: Any, sources: tuple[str, ...] | None = None, allow_non_empty: bool = False
) -> list[dict]:
    """Load every archived delivery in arrival order (per source, in load batches); per-delivery results."""
    from service_quality.ingest import landing
    from service_quality.ingest.deliveries import batches, load_batch

    with dsn.connect() as conn:
        existing = conn.execute("select count(*) from ops.deliveries").fetchone()[0]
    if existing and not allow_non_empty:
        raise RuntimeError(
            f"the warehouse already has {existing} deliveries; replay into an empty (freshly bootstrapped) warehouse, "
            "or pass --into-non-empty to add only what is missing"
        )
    deliveries = landing.archived(settings.archive_root, sources)
    log.info("replaying %s archived deliveries from %s", len(deliveries), settings.archive_root)
    by_source: dict[str, list[dict]] = {}
    for d in deliveries:
        by_source.setdefault(d.source, []).append(d.to_dict())
    results = []
    for source, found in by_source.items():
        # Byte-identical files of a batch: the first arrival loads, the later ones are recorded as its duplicates.
        for batch in batches(found, settings.batch_files, settings.batch_bytes):
            results += load_batch(source, batch, dsn, settings)
    return results


def run(args: argparse.Namespace) -> int:
    from service_quality.ingest.commands import settings_from
    from service_quality.ingest.source_totals import format_source_totals, source_totals
    from service_quality.warehouse.connection import resolve

    dsn = resolve()
    settings = settings_from(args)
    results = replay(dsn, settings, tuple(args.source) if args.source else None, args.into_non_empty)
    for result in results:
        if args.json:
            print(json.dumps(result))
    if not args.source or "surveys" in args.source:  # as ingest_surveys does after its loads
        from service_quality.themes.warehouse import tag_new_comments

        print(f"comment themes: {tag_new_comments(dsn).as_dict()}")
    print(format_source_totals(source_totals(dsn)))
    return 0
