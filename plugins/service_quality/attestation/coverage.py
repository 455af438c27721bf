"""Which sources have rows in a period: an attestation run names those that have none.

ATTESTATION_METHOD.md §3: a closed period in which staff were assigned is attested even when some or
all sources delivered nothing for it (its scorecards are then typically ``not_attested``,
``insufficient_data``); the run warns, naming each source with no rows in the period, and never fails
for that reason. The rows are counted in the models the attestation reads, by local date at the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

    from service_quality.attestation.periods import Period

#: fact source -> (model holding its rows by local date, date column, extra condition)
FACT_MODELS: dict[str, tuple[str, str, str]] = {
    "sales": ("intermediate.int_store_sales_days", "sale_date", "true"),
    "traffic": ("intermediate.int_store_traffic_days", "traffic_date", "true"),
    "shifts": ("intermediate.int_shifts", "work_date", "true"),
    "surveys": ("intermediate.int_survey_responses", "response_date", "true"),
    "audit_visits": ("intermediate.int_audit_visits_scored", "visit_date", "true"),
    "audit_answers": ("intermediate.int_audit_visits_scored", "visit_date", "answered_questions > 0"),
}


def sources_without_rows(conn: psycopg.Connection, period: Period) -> list[str]:
    """The fact sources with no row dated in ``period`` (local dates), in the order of FACT_MODELS.

    A model not built yet (a warehouse holding only published revisions) tells nothing: its sources are
    not listed.
    """
    missing = []
    for source, (model, date_column, condition) in FACT_MODELS.items():
        if conn.execute("select to_regclass(%s) is null", [model]).fetchone()[0]:
            continue
        found = conn.execute(
            f"select exists (select 1 from {model} where {date_column} >= %s and {date_column} < %s and {condition})",
            [period.start, period.end],
        ).fetchone()[0]
        if not found:
            missing.append(source)
    return missing
