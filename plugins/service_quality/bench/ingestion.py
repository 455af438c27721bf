"""Ingest: the validated, quarantining load against a bare COPY of the same sales files.

A month of simulated daily sales deliveries, loaded the way an ingest DAG run loads what it finds:

* **validated**: the real loader (``load_files``, production settings): content hashes, archive,
  scratch COPY per file, SQL row rules with quarantine, the GX suite (one run per batch, concurrent
  with the routing) and its Data Docs page, typed insert with lineage, ``ops`` bookkeeping, one commit;
* **validated, no GX**: the same with ``validate_with_gx=False`` (context: what the GX run costs);
* **bare COPY**: ``COPY ... FROM STDIN (FORMAT csv)`` of each file's gunzipped bytes into a table built
  ``like raw.sales including all`` (same types, keys and indexes; lineage columns from defaults), one
  commit per file; timed before and after the validated loads, and averaged, to cancel drift;
* **pandas.to_sql**: the naive way (``read_csv`` then ``to_sql``) into another such table (context).
* **peers** (:mod:`service_quality.bench.peers_ingest`): dlt with its defaults (from an environment of its
  own), and the "GX operator" pattern (``read_csv``, a GX validation of the data frame against the same
  rules, ``to_sql``), on the same files into the same database.

Also, for context, one daily file alone as its own batch (a daily run) against its bare COPY: the
fixed cost of a batch (GX run, Data Docs page, bookkeeping) dominates a 4 k-row file.

Targets: validated rows/s >= 0.6 x bare COPY rows/s; >= 1.5 x the best peer's rows/s.
"""

from __future__ import annotations

import gzip
import logging
import time
from datetime import date
from pathlib import Path

from service_quality.bench.pipeline import link_arrivals, simulated
from service_quality.bench.results import Measurement, measure
from service_quality.bench.sales_file import write_sales
from service_quality.bench.workspace import bench_database, work_dir

log = logging.getLogger(__name__)

BENCHMARK = "ingest"
TARGET = ">= 0.6"
PEER_TARGET = ">= 1.5"
FIRST_DAY, LAST_DAY = date(2025, 3, 1), date(2025, 3, 31)

_LIKE_RAW = """
create schema if not exists {schema};
create sequence if not exists {schema}.row_seq;
create table {schema}.sales (like raw.sales including all);
alter table {schema}.sales alter column _delivery_id set default 0,
    alter column _row_number set default nextval('{schema}.row_seq'),
    alter column _arrived_at set default now();
"""


def _bare_copy(conn, path: Path) -> int:
    from service_quality.bench.sales_file import COLUMNS

    columns = ", ".join(COLUMNS)
    with gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb") as raw:
        header = raw.readline().decode("utf-8-sig").strip().split(",")
        if header != list(COLUMNS):
            columns = ", ".join(header)
        with conn.cursor() as cur:
            with cur.copy(f"copy bench_copy.sales ({columns}) from stdin (format csv)") as copy:
                while chunk := raw.read(1 << 20):
                    copy.write(chunk)
            rows = cur.rowcount
    conn.commit()
    return rows


def _to_sql(engine, path: Path) -> int:
    import pandas as pd

    frame = pd.read_csv(path, dtype={"transaction_id": str, "store_code": str, "employee_code": str, "sku": str})
    frame["sold_at"] = pd.to_datetime(frame["sold_at"], utc=True, format="ISO8601")
    frame.to_sql("sales", engine, schema="bench_tosql", if_exists="append", index=False)
    return len(frame)


def _copy_files(dsn, paths: list[Path]) -> tuple[int, float]:
    started = time.perf_counter()
    rows = 0
    with dsn.connect() as conn:
        for path in paths:
            rows += _bare_copy(conn, path)
    return rows, time.perf_counter() - started


def _truncate(dsn, *tables: str) -> None:
    with dsn.connect() as conn:
        conn.execute(f"truncate {', '.join(tables)}")
        conn.commit()


def run(scale: str) -> list[Measurement]:
    from sqlalchemy import create_engine

    from service_quality.bench import peers_ingest
    from service_quality.contracts import contract
    from service_quality.ingest import landing
    from service_quality.ingest.load import load_file, load_files
    from service_quality.ingest.settings import IngestSettings

    sim = simulated(scale)
    base = work_dir("ingest", scale, fresh=True)
    root = base / "landing"
    link_arrivals(sim, root, FIRST_DAY, LAST_DAY, sources=("sales",))
    deliveries = landing.scan(str(root), contract("sales"))
    paths = [root / d.path for d in deliveries]

    def settings(name: str, gx: bool = True) -> IngestSettings:
        return IngestSettings(
            landing_root=str(root),
            archive_root=str(base / f"archive_{name}"),
            data_docs_root=str(base / f"data_docs_{name}"),
            validate_with_gx=gx,
            pii_key=b"benchmark-only-key",
        )

    with bench_database("sqw_bench_ingest") as dsn, bench_database("sqw_bench_ingest_nogx") as dsn_nogx:
        with dsn.connect() as conn:
            conn.execute(_LIKE_RAW.format(schema="bench_copy"))
            conn.execute(_LIKE_RAW.format(schema="bench_tosql"))
            conn.execute(_LIKE_RAW.format(schema="bench_gx"))
            conn.commit()
        engine = create_engine(f"postgresql+psycopg://{dsn.user}@{dsn.host}:{dsn.port}/{dsn.dbname}")
        # Warm-up on a small synthetic file, so no method pays for imports or set-up in its figure.
        warm_root = base / "warm-up" / "landing"
        warm_path = write_sales(warm_root / "sales" / "warm_up.csv", rows=500, seed=99)
        (warm,) = landing.scan(str(warm_root), contract("sales"))
        load_file("sales", warm, dsn, settings("warm"))
        load_file("sales", warm, dsn_nogx, settings("warm_nogx", gx=False))
        _copy_files(dsn, [warm_path])
        _to_sql(engine, warm_path)
        _truncate(dsn, "bench_copy.sales", "bench_tosql.sales")
        try:
            copy_rows, copy_before = _copy_files(dsn, paths)
            _truncate(dsn, "bench_copy.sales")
            started = time.perf_counter()
            results = load_files("sales", deliveries, dsn, settings("validated"))
            validated_s = time.perf_counter() - started
            started = time.perf_counter()
            results_nogx = load_files("sales", deliveries, dsn_nogx, settings("validated_nogx", gx=False))
            nogx_s = time.perf_counter() - started
            _, copy_after = _copy_files(dsn, paths)
            started = time.perf_counter()
            to_sql_rows = sum(_to_sql(engine, path) for path in paths)
            to_sql_s = time.perf_counter() - started
            # The peers, on the same files into the same database (their warm-ups untimed).
            dlt_rows, dlt_s = peers_ingest.dlt_load(dsn, root, warm_root, base)
            gx_rows, gx_s = peers_ingest.gx_pandas_load(engine, "bench_gx", paths, [warm_path])
            # A daily run: the month's last file alone, as its own batch, into fresh databases.
            with bench_database("sqw_bench_ingest_day") as dsn_day:
                load_file("sales", warm, dsn_day, settings("warm_day"))
                started = time.perf_counter()
                day = load_file("sales", deliveries[-1], dsn_day, settings("day"))
                day_s = time.perf_counter() - started
                _, day_copy_s = _copy_files(dsn, [paths[-1]])
        finally:
            engine.dispose()
    for method, found in (("validated", results), ("validated without GX", results_nogx)):
        bad = [r for r in found if r.status != "loaded"]
        if bad:
            raise RuntimeError(f"{method}: {bad[0].path}: {bad[0].status}: {bad[0].message}")
    rows_validated = sum(r.rows_loaded + r.rows_quarantined for r in results)
    if rows_validated != copy_rows:
        raise RuntimeError(f"validated load accounted for {rows_validated} rows, bare COPY loaded {copy_rows}")
    for peer, rows in (("dlt", dlt_rows), ("GX operator", gx_rows)):
        if rows != copy_rows:
            raise RuntimeError(f"the {peer} peer loaded {rows} rows, bare COPY {copy_rows}: not the same files")
    copy_s = (copy_before + copy_after) / 2
    rate = {
        "validated": rows_validated / validated_s,
        "validated_no_gx": rows_validated / nogx_s,
        "copy": copy_rows / copy_s,
        "to_sql": to_sql_rows / to_sql_s,
        "dlt": dlt_rows / dlt_s,
        "gx_operator": gx_rows / gx_s,
    }
    best_peer = max(("dlt", "gx_operator"), key=lambda m: rate[m])
    day_rows = day.rows_loaded + day.rows_quarantined
    detail = {
        "files": len(deliveries),
        "first_arrival": FIRST_DAY.isoformat(),
        "last_arrival": LAST_DAY.isoformat(),
        "rows": copy_rows,
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "seconds": {
            "validated": round(validated_s, 2),
            "validated_no_gx": round(nogx_s, 2),
            "copy_before": round(copy_before, 2),
            "copy_after": round(copy_after, 2),
            "to_sql": round(to_sql_s, 2),
            "dlt": round(dlt_s, 2),
            "gx_operator": round(gx_s, 2),
        },
        "rows_per_s": {m: round(r) for m, r in rate.items()},
        "one_day": {"rows": day_rows, "validated_s": round(day_s, 3), "copy_s": round(day_copy_s, 3)},
    }
    note = (
        f"{len(deliveries)} daily sales files ({FIRST_DAY:%b %Y}), {copy_rows:,} rows, as one batch: validated "
        f"{validated_s:.1f} s, without GX {nogx_s:.1f} s, bare COPY {copy_before:.1f} / {copy_after:.1f} s "
        f"(before / after), to_sql {to_sql_s:.1f} s, dlt {dlt_s:.1f} s, GX operator {gx_s:.1f} s"
    )
    return [
        measure(BENCHMARK, "validated_vs_copy", rate["validated"] / rate["copy"], "x", scale, TARGET, note, detail),
        measure(
            BENCHMARK,
            "validated_no_gx_vs_copy",
            rate["validated_no_gx"] / rate["copy"],
            "x",
            scale,
            None,
            "the same load without the Great Expectations run (SQL rules and quarantine still apply)",
        ),
        measure(
            BENCHMARK,
            "validated_vs_to_sql",
            rate["validated"] / rate["to_sql"],
            "x",
            scale,
            None,
            "against pandas read_csv + to_sql, the naive way",
        ),
        measure(
            BENCHMARK,
            "validated_vs_copy_one_daily_file",
            (day_rows / day_s) / (day_rows / day_copy_s),
            "x",
            scale,
            None,
            f"a daily run: one {day_rows:,}-row file as its own batch: validated {day_s:.2f} s, COPY {day_copy_s:.3f} s",
        ),
        measure(
            BENCHMARK,
            "validated_vs_best_peer",
            rate["validated"] / rate[best_peer],
            "x",
            scale,
            PEER_TARGET,
            f"best peer: {best_peer} ({rate[best_peer]:,.0f} rows/s, no quarantine) vs the project's validated, "
            f"quarantining load ({rate['validated']:,.0f} rows/s)",
        ),
        measure(
            BENCHMARK,
            "validated_vs_dlt",
            rate["validated"] / rate["dlt"],
            "x",
            scale,
            None,
            f"dlt {peers_ingest.DLT_REQUIREMENTS[0]} with its defaults (filesystem | read_csv -> postgres): "
            f"{dlt_s:.1f} s, from its own environment",
        ),
        measure(
            BENCHMARK,
            "validated_vs_gx_operator",
            rate["validated"] / rate["gx_operator"],
            "x",
            scale,
            None,
            f"read_csv, one GX pandas validation of the contract's rules, to_sql: {gx_s:.1f} s",
        ),
        measure(BENCHMARK, "validated_rows_per_s", rate["validated"], "rows/s", scale),
        measure(BENCHMARK, "dlt_rows_per_s", rate["dlt"], "rows/s", scale),
        measure(BENCHMARK, "gx_operator_rows_per_s", rate["gx_operator"], "rows/s", scale),
        measure(BENCHMARK, "validated_no_gx_rows_per_s", rate["validated_no_gx"], "rows/s", scale),
        measure(BENCHMARK, "copy_rows_per_s", rate["copy"], "rows/s", scale),
        measure(BENCHMARK, "to_sql_rows_per_s", rate["to_sql"], "rows/s", scale),
    ]
