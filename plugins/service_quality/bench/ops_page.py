"""The operators' home: its data queries (every section of the page, as the API server runs them per
load) on a year of a simulated chain, p95 over 20 loads. Target: < 1 s.

Set-up: the simulated year's deliveries, each as delivered (not bulked: ``ops.deliveries`` holds the real
number of deliveries), ingested without the GX run, and the marts the page counts built by dbt (without
their tests). The benchmark chain is simulated without defects, so ``quarantine.*`` is empty: the
quarantine query's cost at scale is in its join with ``ops.deliveries``, not measured on thousands of
quarantined rows. Two attested periods are recorded as the publication records them.
"""

from __future__ import annotations

import logging
import statistics
import time
from datetime import timedelta

from service_quality.bench.pipeline import SIM_END, SIM_START, ingest, link_arrivals, simulated
from service_quality.bench.results import Measurement, measure
from service_quality.bench.workspace import bench_database, work_dir

log = logging.getLogger(__name__)

BENCHMARK = "ops_page"
TARGET = "< 1"
LOADS = 20
MARTS = (
    "+dq_orphan_codes",
    "+dq_overlapping_assignments",
    "+dq_ingestion_summary",
    "+dim_stores",
    "+fct_store_appeal_months",
)


def _record_periods(dsn) -> None:
    with dsn.connect() as conn:
        last = conn.execute("select max(arrived_at) from ops.deliveries").fetchone()[0]
        late = [r[0] for r in conn.execute("select delivery_id from ops.deliveries order by arrived_at desc limit 3")]
        for label in ("2025-Q1", "2025-Q2"):
            conn.execute(
                "insert into attestation.revisions (period_type, period_label, revision, run_id, inputs_as_of,"
                " methodology_version, inputs_checksum, scorecard_rows, component_rows, award_rows)"
                " values ('quarter', %s, 1, 'bench', %s, '1.1', 'bench', 0, 0, 0)",
                [label, last],
            )
        conn.execute(
            "insert into attestation.period_status (period_type, period_label, status, current_revision,"
            " last_run_id, last_checked_at, inputs_as_of, pending_since, late_deliveries, late_rows) values"
            " ('quarter', '2025-Q1', 'revision_pending', 1, 'bench', %(t)s, %(t)s, %(t)s, %(late)s, 10),"
            " ('quarter', '2025-Q2', 'published', 1, 'bench', %(t)s, %(t)s, null, '{}', 0)",
            {"t": last, "late": late},
        )


def run(scale: str) -> list[Measurement]:
    from service_quality.ops_home import page
    from service_quality.transform.dbt import run_dbt

    sim = simulated(scale)
    base = work_dir("ops_page", scale, fresh=True)
    with bench_database("sqw_bench_ops") as dsn:
        landing = base / "landing"
        deliveries = link_arrivals(sim, landing, SIM_START, SIM_END + timedelta(days=7))
        loaded = ingest(dsn, landing, base, gx=False)
        built = run_dbt(
            dsn,
            ["build", "--select", *MARTS, "--resource-type", "model", "--resource-type", "seed"],
            target_path=base / "target",
        )
        _record_periods(dsn)
        with dsn.connect() as conn:
            as_of = conn.execute("select max(arrived_at) from ops.deliveries").fetchone()[0]
        log.info(
            "ops_page: %s deliveries (%s rows) ingested in %.0f s, marts built in %.0f s",
            deliveries,
            loaded.rows_loaded,
            loaded.seconds,
            built.seconds,
        )
        page.gather(dsn, as_of)  # the first load warms the server's caches, as any page view after the first
        seconds = []
        for _ in range(LOADS):
            started = time.perf_counter()
            data = page.gather(dsn, as_of)
            seconds.append(time.perf_counter() - started)
        page.render(data)  # the template is compiled on the first view
        render_started = time.perf_counter()
        page.render(data)
        render_s = time.perf_counter() - render_started
    seconds.sort()
    p95 = seconds[max(0, round(0.95 * LOADS) - 1)]
    detail = {
        "deliveries": deliveries,
        "rows_loaded": loaded.rows_loaded,
        "loads": LOADS,
        "seconds": [round(s, 4) for s in seconds],
        "median_s": round(statistics.median(seconds), 4),
        "render_s": round(render_s, 4),
    }
    note = (
        f"{LOADS} loads of every section's queries on {deliveries} deliveries, {loaded.rows_loaded} rows; "
        f"median {detail['median_s']:.3f} s; rendering the HTML {render_s:.3f} s more"
    )
    return [measure(BENCHMARK, "data_queries_p95_s", p95, "s", scale, TARGET, note, detail)]
