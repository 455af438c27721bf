"""Ingest: the validated, quarantining load against a bare COPY of the same sales files.

The same simulated daily sales deliveries (a week of them), file by file, interleaved so that the
methods see the same machine load:

* **validated**: the real loader (``load_delivery``): content hash, scratch COPY, SQL row rules with
  quarantine, GX suite and Data Docs, lineage, ``ops`` bookkeeping: production settings;
* **validated, no GX**: the same with ``validate_with_gx=False`` (context: what the GX run costs);
* **bare COPY**: ``COPY ... FROM STDIN (FORMAT csv)`` of the gunzipped bytes into a table built
  ``like raw.sales including all`` (same types, keys and indexes; lineage columns from defaults);
* **pandas.to_sql**: the naive way (``read_csv`` then ``to_sql``) into another such table (context).

Target: validated rows/s >= 0.6 x bare COPY rows/s.
"""

from __future__ import annotations

import gzip
import logging
import time
from datetime import date
from pathlib import Path

from service_quality.bench.pipeline import bulk_history, link_arrivals, simulated
from service_quality.bench.results import Measurement, measure
from service_quality.bench.sales_file import write_sales
from service_quality.bench.workspace import bench_database, work_dir

log = logging.getLogger(__name__)

BENCHMARK = "ingest"
TARGET = ">= 0.6"
FIRST_DAY, LAST_DAY = date(2025, 3, 3), date(2025, 3, 9)

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


def run(scale: str) -> list[Measurement]:
    from sqlalchemy import create_engine

    from service_quality.contracts import contract
    from service_quality.ingest import landing
    from service_quality.ingest.load import load_delivery
    from service_quality.ingest.settings import IngestSettings

    sim = simulated(scale)
    base = work_dir("ingest", scale, fresh=True)
    root = base / "landing"
    link_arrivals(sim, root, FIRST_DAY, LAST_DAY, sources=("sales",))
    deliveries = landing.scan(str(root), contract("sales"))
    seconds = {"validated": 0.0, "validated_no_gx": 0.0, "copy": 0.0, "to_sql": 0.0}
    rows = dict.fromkeys(seconds, 0)
    quarantined = 0
    with bench_database("sqw_bench_ingest") as dsn, bench_database("sqw_bench_ingest_nogx") as dsn_nogx:
        with dsn.connect() as conn:
            conn.execute(_LIKE_RAW.format(schema="bench_copy"))
            conn.execute(_LIKE_RAW.format(schema="bench_tosql"))
            conn.commit()
        settings = {
            "validated": IngestSettings(
                landing_root=str(root),
                archive_root=str(base / "archive"),
                data_docs_root=str(base / "data_docs"),
                pii_key=b"benchmark-only-key",
            ),
            "validated_no_gx": IngestSettings(
                landing_root=str(root),
                archive_root=str(base / "archive_nogx"),
                data_docs_root=str(base / "data_docs_nogx"),
                validate_with_gx=False,
                pii_key=b"benchmark-only-key",
            ),
        }
        engine = create_engine(f"postgresql+psycopg://{dsn.user}@{dsn.host}:{dsn.port}/{dsn.dbname}")
        # Warm-up on a small synthetic file, so no method pays for imports or set-up in its figure.
        warm_root = base / "warm-up" / "landing"
        warm_path = write_sales(warm_root / "sales" / "warm_up.csv", rows=500, seed=99)
        (warm,) = landing.scan(str(warm_root), contract("sales"))
        load_delivery("sales", warm, dsn, settings["validated"])
        load_delivery("sales", warm, dsn_nogx, settings["validated_no_gx"])
        with dsn.connect() as conn:
            _bare_copy(conn, warm_path)
        _to_sql(engine, warm_path)
        with dsn.connect() as conn:
            conn.execute("truncate bench_copy.sales, bench_tosql.sales")
            conn.commit()
        try:
            for delivery in deliveries:
                path = root / delivery.path
                for method in seconds:
                    started = time.perf_counter()
                    if method == "copy":
                        with dsn.connect() as conn:
                            rows[method] += _bare_copy(conn, path)
                    elif method == "to_sql":
                        rows[method] += _to_sql(engine, path)
                    else:
                        target = dsn if method == "validated" else dsn_nogx
                        result = load_delivery("sales", delivery, target, settings[method])
                        if result.status != "loaded":
                            raise RuntimeError(f"{path.name}: {result.status}: {result.message}")
                        rows[method] += result.rows_loaded
                        if method == "validated":
                            quarantined += result.rows_quarantined
                    seconds[method] += time.perf_counter() - started
            # The same rows as one delivery: the loader's throughput without the per-delivery fixed cost.
            one_root = base / "one-file" / "landing"
            bulk_history(root, one_root, LAST_DAY)
            (combined,) = landing.scan(str(one_root), contract("sales"))
            one_settings = IngestSettings(
                landing_root=str(one_root),
                archive_root=str(base / "archive_one"),
                data_docs_root=str(base / "data_docs_one"),
                pii_key=b"benchmark-only-key",
            )
            with dsn.connect() as conn:
                conn.execute("truncate bench_copy.sales")
                conn.commit()
                started = time.perf_counter()
                one_copy_rows = _bare_copy(conn, one_root / combined.path)
                one_copy_s = time.perf_counter() - started
            started = time.perf_counter()
            one = load_delivery("sales", combined, dsn, one_settings)
            one_validated_s = time.perf_counter() - started
        finally:
            engine.dispose()
    rate = {m: rows[m] / seconds[m] for m in seconds}
    one_ratio = (one.rows_loaded / one_validated_s) / (one_copy_rows / one_copy_s)
    detail = {
        "files": len(deliveries),
        "first_arrival": FIRST_DAY.isoformat(),
        "last_arrival": LAST_DAY.isoformat(),
        "rows": rows,
        "rows_quarantined": quarantined,
        "seconds": {m: round(s, 2) for m, s in seconds.items()},
        "rows_per_s": {m: round(r) for m, r in rate.items()},
        "one_file": {"rows": one_copy_rows, "validated_s": round(one_validated_s, 2), "copy_s": round(one_copy_s, 2)},
    }
    per_file = {m: seconds[m] / len(deliveries) for m in seconds}
    note = (
        f"{len(deliveries)} daily sales files, {rows['copy']:,} rows; per file: validated {per_file['validated']:.1f} s, "
        f"no GX {per_file['validated_no_gx']:.1f} s, COPY {per_file['copy']:.2f} s, to_sql {per_file['to_sql']:.1f} s"
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
            "validated_vs_copy_as_one_file",
            one_ratio,
            "x",
            scale,
            None,
            f"the same {one_copy_rows:,} rows as one delivery: validated {one_validated_s:.1f} s, COPY {one_copy_s:.1f} s",
        ),
        measure(BENCHMARK, "validated_rows_per_s", rate["validated"], "rows/s", scale),
        measure(BENCHMARK, "validated_no_gx_rows_per_s", rate["validated_no_gx"], "rows/s", scale),
        measure(BENCHMARK, "copy_rows_per_s", rate["copy"], "rows/s", scale),
        measure(BENCHMARK, "to_sql_rows_per_s", rate["to_sql"], "rows/s", scale),
    ]
