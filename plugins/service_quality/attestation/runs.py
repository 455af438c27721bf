"""What one attestation run does, step by step; the DAGs ``attestation_quarterly`` / ``_annual`` call these.

1. :func:`plan`: mark published periods that received late data ``revision_pending`` and choose what
   to attest: the period that closed before the run's data interval (after the grace period), plus
   every period already ``revision_pending`` ("until the next run").
2. :func:`build`: build and test the attestation models as of the run's interval end (with everything
   upstream of them only when that is not current for the warehouse's deliveries).
3. :func:`publish_planned`: publish each planned period (a new revision only when its inputs changed).
4. :func:`render`: render the HTML reports of what was attested, from the published revisions.

Every step takes and returns plain JSON-able dicts (Airflow passes them between tasks) and is keyed on
the run's data interval, never on the clock: rerunning a run gives the same result.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from service_quality.attestation import periods as P
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)


def _as_datetime(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def plan(
    dsn: WarehouseDsn,
    period_type: str,
    data_interval_end: datetime | str,
    *,
    requested_label: str | None = None,
    grace_days: int = P.GRACE_DAYS,
) -> dict[str, Any]:
    """Mark late data, then list the periods this run attests (its own first, then pending ones).

    ``requested_label`` (the DAG's ``period`` param) attests that period instead of the scheduled
    one, e.g. to re-attest a quarter by hand; several comma-separated labels attest them all after a
    single build. Each must be closed before the run's interval end.
    """
    from service_quality.attestation.late import mark_revision_pending

    end = _as_datetime(data_interval_end)
    if requested_label:
        targets = [P.parse(period_type, label.strip()) for label in requested_label.split(",") if label.strip()]
        for target in targets:
            if target.end > end.date():
                raise ValueError(
                    f"{target} is not closed at the run's data interval end {end:%Y-%m-%d}: "
                    "attest only periods that have ended (trigger the run with a later logical date)"
                )
    else:
        targets = [P.closed_period(period_type, end, grace_days)]
    with dsn.connect() as conn:
        pending = mark_revision_pending(conn)
    labels = list(dict.fromkeys((t.period_type, t.label) for t in targets))
    labels += sorted({(p.period_type, p.period_label) for p in pending} - set(labels))
    log.info("attesting %s", ", ".join(f"{t} {label}" for t, label in labels))
    return {
        "as_of": end.date().isoformat(),
        "periods": [{"period_type": t, "period_label": label} for t, label in labels],
        "late": [p.message() for p in pending],
    }


def build(
    dsn: WarehouseDsn,
    planned: dict[str, Any],
    *,
    full_build: bool = False,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Build and test the attestation models; the plan comes back with ``inputs_as_of`` and the build's scope.

    Only the attestation models are built when the models upstream are current for the warehouse's
    deliveries (:mod:`service_quality.attestation.build`); ``full_build`` builds the whole selection anyway.
    """
    from service_quality.attestation.build import build_attestation

    done = build_attestation(
        dsn, date.fromisoformat(planned["as_of"]), full_build=full_build, dag_id=dag_id, run_id=run_id
    )
    return {
        **planned,
        "inputs_as_of": done.inputs_as_of.isoformat(),
        "build": {"scope": done.scope, "reason": done.reason, "seconds": round(done.seconds, 1)},
    }


def publish_planned(dsn: WarehouseDsn, built: dict[str, Any], *, run_id: str, dag_id: str) -> list[dict[str, Any]]:
    """Publish every planned period; returns one dict per period (revision, created or not).

    A period whose sources delivered nothing for it is still published (its scorecards say why they are
    not attested) with a warning naming those sources; a period without any scorecard (nobody was
    assigned in it) is skipped with a warning. Neither stops the other periods (ATTESTATION_METHOD.md §3).
    """
    from service_quality.attestation.coverage import sources_without_rows
    from service_quality.attestation.publish import NothingToAttest, publish

    inputs_as_of = _as_datetime(built["inputs_as_of"])
    done = []
    with dsn.connect() as conn:
        for item in built["periods"]:
            period = P.parse(item["period_type"], item["period_label"])
            missing = sources_without_rows(conn, period)
            if missing:
                log.warning(
                    "%s: no rows from %s in the period; attested with what there is", period, ", ".join(missing)
                )
            try:
                publication = publish(conn, period, run_id=run_id, dag_id=dag_id, inputs_as_of=inputs_as_of)
            except NothingToAttest as nothing:
                log.warning("%s: not published: %s", period, nothing)
                done.append(
                    {
                        "period_type": period.period_type,
                        "period_label": period.label,
                        "revision": None,
                        "created": False,
                        "sources_without_rows": missing,
                        "message": f"{period}: nothing to attest (no customer-facing employee was assigned in it)",
                    }
                )
                continue
            message = publication.message()
            if missing:
                message += f"; no rows from {', '.join(missing)}"
            log.info(message)
            done.append({**publication.as_dict(), "sources_without_rows": missing, "message": message})
    return done


def render(dsn: WarehouseDsn, published: list[dict[str, Any]], out_dir: Path | None = None) -> dict[str, Any]:
    """Render the reports of the attested periods (and the index) from their published revisions."""
    from service_quality.attestation.reports import render_reports
    from service_quality.paths import REPORTS_DIR

    wanted = [P.parse(p["period_type"], p["period_label"]) for p in published if p.get("revision") is not None]
    with dsn.connect() as conn:
        result = render_reports(conn, out_dir or REPORTS_DIR, wanted)
    log.info(result.message())
    return {"index": str(result.index), "pages": len(result.pages)}
