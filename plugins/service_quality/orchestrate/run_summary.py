"""The closing summary of ``sqw run``: what arrived, what was built, what was published, where to look."""

from __future__ import annotations

import os
from pathlib import Path

from service_quality.orchestrate.pipeline import RunOutcome
from service_quality.paths import LOCAL_DIR, REPORTS_DIR

DBT_DOCS_DIR = LOCAL_DIR / "dbt_docs"


def data_docs_root() -> Path:
    return Path(os.environ.get("AIRFLOW_VAR_DATA_DOCS_ROOT") or LOCAL_DIR / "data_docs")


def ingestion_table(outcome: RunOutcome) -> str:
    from service_quality.ingest.source_totals import format_source_totals, source_totals

    return format_source_totals(source_totals(outcome.dsn), with_total=True)


def change_line(outcome: RunOutcome) -> str:
    before, after = outcome.before, outcome.after
    if not outcome.changed:
        return (
            "Nothing changed: no new deliveries, every mart byte-identical (checksums), "
            "no new attestation revision. The run was a no-op, as a rerun should be."
        )
    parts = [f"{after.deliveries - before.deliveries} new deliveries processed"]
    changed_marts = [m for m in after.marts if before.marts.get(m) != after.marts[m]]
    parts.append(f"{len(changed_marts)} of {len(after.marts)} mart tables changed")
    parts.append(f"{len(after.revisions) - len(before.revisions)} new attestation revisions")
    return "Changes: " + "; ".join(parts) + "."


def text(outcome: RunOutcome, dbt_docs: Path | None) -> str:
    from service_quality.attestation.published_summary import summarize

    ratio = ""
    lines = [
        "",
        f"Pipeline finished in {outcome.seconds:.0f} s ({len(outcome.dag_runs)} DAG runs through Airflow)"
        + (": " + " · ".join(f"{name} {secs:.0f} s" for name, secs in outcome.stages.items()) if outcome.stages else "")
        + ".",
        "",
        "Ingestion (all deliveries in the warehouse, per source):",
        ingestion_table(outcome),
        "",
        f"Transform: {outcome.models_ok} models built, {outcome.tests_ok} models' tests passed, "
        f"{len(outcome.after.marts)} mart tables; DAG run {outcome.transform_seconds or 0:.0f} s as Airflow recorded it{ratio}.",
        "",
        summarize(outcome.dsn, REPORTS_DIR).text(),
        "",
        change_line(outcome),
        "",
        "Where to look:",
        f"  attestation reports (HTML): {REPORTS_DIR / 'index.html'}",
        f"  Great Expectations Data Docs: {data_docs_root() / 'index.html'}",
    ]
    if dbt_docs is not None:
        lines.append(f"  dbt docs: {dbt_docs / 'index.html'} (served in the Airflow UI under Browse / dbt Docs)")
    lines.append("  Airflow UI with these runs: make airflow, then http://localhost:8080")
    return "\n".join(lines)
