"""Reports: staff statements rendered per second for one period, beside that period's attestation build.

The attestation DAG builds the period's results, publishes a revision, then renders the reports; the
reports must not become the slow part. On one warehouse (the simulated chain's deliveries that arrived
by the end of April 2025, so 2025-Q1 is closed, ingested without GX, then a first ``dbt build``): the
attestation build of the run as the DAG does it (``build_attestation``: the attestation models and their
data tests, as of 2025-04-30), the publication of 2025-Q1, then the rendering of that period's pages
(a statement per employee, a team page per store, the awards page and the index) in each locale.

Figures: statements per second (the period's staff statements ÷ the wall time of its whole render, the
team and awards pages included), and the render's time ÷ the attestation build's (target < 1: the
reports take less time than the build they follow).
"""

from __future__ import annotations

import logging
import time
from datetime import date

from service_quality.bench.pipeline import DBT_PROBLEMS, bulk_history, dbt_build, ingest, simulated
from service_quality.bench.results import Measurement, measure
from service_quality.bench.workspace import bench_database, work_dir

log = logging.getLogger(__name__)

BENCHMARK = "reports"
TARGET = "< 1"
PERIOD = ("quarter", "2025-Q1")
#: The last arrival loaded: a month after the quarter, so its late deliveries are in.
HISTORY_END = date(2025, 4, 30)
LOCALES = ("ru", "en")


def render_period(dsn, out_dir, period, locale: str) -> tuple[float, int, int]:
    """(seconds, statements, pages) of rendering one published period's reports in ``locale``."""
    from service_quality.attestation.reports import render_reports

    with dsn.connect() as conn:
        started = time.perf_counter()
        result = render_reports(conn, out_dir, [period], locale=locale)
        seconds = time.perf_counter() - started
    statements = sum(1 for p in result.pages if p.parent.name == "staff")
    return seconds, statements, len(result.pages)


def run(scale: str) -> list[Measurement]:
    from service_quality.attestation import periods
    from service_quality.attestation.build import build_attestation
    from service_quality.attestation.publish import publish

    period = periods.parse(*PERIOD)
    sim = simulated(scale)
    DBT_PROBLEMS.clear()
    base = work_dir("reports", scale, fresh=True)
    landing = base / "landing"
    bulk_history(sim, landing, HISTORY_END)
    with bench_database("sqw_bench_reports") as dsn:
        loaded = ingest(dsn, landing, base, gx=False)
        setup_s = dbt_build(dsn, base / "target", setup=True)
        started = time.perf_counter()
        # the whole selection, as the figure has always been: this bench's warehouse records no transform build
        inputs_as_of = build_attestation(dsn, HISTORY_END, full_build=True).inputs_as_of
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        with dsn.connect() as conn:
            publication = publish(conn, period, run_id="bench", dag_id="bench", inputs_as_of=inputs_as_of)
        publish_s = time.perf_counter() - started
        rendered = {locale: render_period(dsn, base / f"reports-{locale}", period, locale) for locale in LOCALES}
    render_s, statements, pages = rendered["ru"]
    if statements == 0:
        raise RuntimeError(f"{period} rendered no statement: {publication.message()}")
    detail = {
        "period": period.label,
        "rows_ingested": loaded.rows_loaded,
        "setup_dbt_build_s": round(setup_s, 2),
        "attestation_build_s": round(build_s, 2),
        "publish_s": round(publish_s, 2),
        "revision": publication.revision,
        "scorecards": publication.scorecard_rows,
        "render": {
            locale: {"seconds": round(s, 3), "statements": n, "pages": p} for locale, (s, n, p) in rendered.items()
        },
        "dbt_problems": list(DBT_PROBLEMS),
    }
    en_s, en_statements, _ = rendered["en"]
    return [
        measure(
            BENCHMARK,
            "statements_per_s",
            statements / render_s,
            "1/s",
            scale,
            None,
            f"{statements} statements of {period.label} (ru) with its {pages - statements} other pages in {render_s:.2f} s; "
            f"en {en_statements / en_s:.0f}/s",
            detail,
        ),
        measure(
            BENCHMARK,
            "render_vs_attestation_build",
            render_s / build_s,
            "x",
            scale,
            TARGET,
            f"render {render_s:.2f} s vs the attestation build {build_s:.1f} s (publish {publish_s:.2f} s)",
        ),
        measure(BENCHMARK, "render_s", render_s, "s", scale, None, f"every page of {period.label}, ru"),
        measure(BENCHMARK, "attestation_build_s", build_s, "s", scale, None, "build_attestation: models and tests"),
    ]
