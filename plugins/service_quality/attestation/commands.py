"""Attestation reports and publication status.

  sqw report                      render the reports of every published period into the reports folder
  sqw report --period 2025-Q1     only that period (quarter labels 2025-Q1, year labels 2025)
  sqw report --summary            print what is published: grade distribution, award winners
  sqw report --status             mark periods with late data revision_pending and list every period

Reports render from published revisions only; publishing happens in the attestation DAGs (to re-attest
one period by hand, trigger its DAG with the param `period`).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _period(label: str):
    from service_quality.attestation import periods

    return periods.parse("year" if label.isdigit() else "quarter", label)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--out", type=Path, help="reports folder (default: the project's reports folder)")
    parser.add_argument("--period", action="append", default=[], help="render only this period (repeatable)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--summary", action="store_true", help="print the summary of the published attestation")
    action.add_argument("--status", action="store_true", help="mark late data and list the periods' status")


def run(args: argparse.Namespace) -> int:
    from service_quality.paths import REPORTS_DIR
    from service_quality.warehouse.connection import resolve

    dsn = resolve()
    out = args.out or REPORTS_DIR
    if args.summary:
        from service_quality.attestation.published_summary import summarize

        print(summarize(dsn, out).text())
        return 0
    if args.status:
        from service_quality.attestation.late import mark_revision_pending

        with dsn.connect() as conn:
            for pending in mark_revision_pending(conn):
                print(pending.message())
            rows = conn.execute(
                "select period_type, period_label, status, current_revision, last_checked_at "
                "from attestation.period_status order by period_type, period_label"
            ).fetchall()
        for period_type, label, status, revision, checked in rows:
            print(
                f"{period_type:<7} {label:<8} {status:<16} revision {revision}, last attested {checked:%Y-%m-%d %H:%M}"
            )
        if not rows:
            print("no period is published yet")
        return 0
    from service_quality.attestation.reports import render_reports

    with dsn.connect() as conn:
        result = render_reports(conn, out, [_period(p) for p in args.period] or None)
    print(result.message())
    return 0
