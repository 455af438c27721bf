"""Peak memory of ingesting a sales delivery of 10x the ingestion chunk size, against 1x.

The loader streams a delivery chunk by chunk (``IngestSettings.chunk_bytes``), so its memory must not
grow with the file: the target is "flat", read as peak RSS(10x) / peak RSS(1x) <= 1.25. Each delivery
is ingested by the real loader (validation, GX, quarantine, lineage) in a fresh process that reports
its own ``ru_maxrss``. The interpreter and its imports (psycopg, Great Expectations) dominate the
absolute figure, so the growth above the RSS right after those imports is reported as well: that is
what a file that does not stream would blow up.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from service_quality.bench.results import Measurement, measure
from service_quality.bench.sales_file import write_sales
from service_quality.bench.workspace import bench_database, python, work_dir
from service_quality.paths import ROOT

BENCHMARK = "memory"
TARGET = "<= 1.25"
#: bytes per synthetic sales line, measured on ``write_sales`` output; only used to size the files
_BYTES_PER_ROW = 100

_PROBE = """
import json, resource, sys, time
import psutil
from service_quality.contracts import contract
from service_quality.ingest import landing
from service_quality.ingest.load import load_file
from service_quality.ingest.settings import IngestSettings
from service_quality.warehouse.connection import parse
import psycopg, great_expectations  # imported before the baseline: they are not the data's memory

dsn, root, archive, docs, chunk = parse(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
settings = IngestSettings(landing_root=root, archive_root=archive, data_docs_root=docs, chunk_bytes=chunk,
                          pii_key=b"benchmark-only-key")
(delivery,) = landing.scan(root, contract("sales"))
baseline = psutil.Process().memory_info().rss
started = time.perf_counter()
result = load_file("sales", delivery, dsn, settings)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print("SQW_MEMORY_RESULT " + json.dumps({"peak_rss": peak, "baseline_rss": baseline, "seconds": seconds,
                                         "status": result.status, "rows_loaded": result.rows_loaded,
                                         "rows_quarantined": result.rows_quarantined, "message": result.message}))
"""


def chunk_bytes() -> int:
    from service_quality.ingest.settings import IngestSettings

    return IngestSettings(pii_key=b"unused").chunk_bytes


def ingest_peak(dsn, landing_root: Path, scratch: Path, chunk: int) -> dict:
    """Ingest the one sales delivery under ``landing_root`` in a fresh process; its peak RSS and more."""
    from service_quality.bench.workspace import airflow_env

    env = airflow_env(work_dir("airflow-memory"), dsn)
    result = subprocess.run(
        [
            python(),
            "-c",
            _PROBE,
            dsn.uri,
            str(landing_root),
            str(scratch / "archive"),
            str(scratch / "data_docs"),
            str(chunk),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=ROOT,
    )
    for line in result.stdout.splitlines():
        if line.startswith("SQW_MEMORY_RESULT "):
            data = json.loads(line.split(" ", 1)[1])
            if data["status"] != "loaded":
                raise RuntimeError(f"the benchmark's sales delivery was not loaded: {data}")
            return data
    raise RuntimeError(f"ingesting {landing_root} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")


def run(scale: str, multiple: int = 10, chunk: int | None = None) -> list[Measurement]:
    """Peak RSS of 1x and ``multiple``x the chunk size; ``chunk`` defaults to the loader's own setting."""
    chunk = chunk or chunk_bytes()
    base = work_dir("memory", scale, fresh=True)
    runs: dict[int, dict] = {}
    with bench_database("sqw_bench_memory") as dsn:
        for factor in (1, multiple):
            root = base / f"x{factor}" / "landing"
            path = write_sales(
                root / "sales" / f"sales_x{factor}.csv", rows=factor * chunk // _BYTES_PER_ROW, seed=factor
            )
            data = ingest_peak(dsn, root, base / f"x{factor}", chunk)
            data["file_bytes"] = path.stat().st_size
            runs[factor] = data
    one, many = runs[1], runs[multiple]
    mib = 2**20
    growth_one = max(one["peak_rss"] - one["baseline_rss"], 0)
    growth_many = max(many["peak_rss"] - many["baseline_rss"], 0)
    detail = {
        "chunk_bytes": chunk,
        "file_bytes": {"1x": one["file_bytes"], f"{multiple}x": many["file_bytes"]},
        "rows_loaded": {"1x": one["rows_loaded"], f"{multiple}x": many["rows_loaded"]},
        "peak_rss_mib": {"1x": round(one["peak_rss"] / mib, 1), f"{multiple}x": round(many["peak_rss"] / mib, 1)},
        "baseline_rss_mib": {
            "1x": round(one["baseline_rss"] / mib, 1),
            f"{multiple}x": round(many["baseline_rss"] / mib, 1),
        },
        "load_seconds": {"1x": round(one["seconds"], 2), f"{multiple}x": round(many["seconds"], 2)},
    }
    note = (
        f"{many['file_bytes'] / mib:.1f} MiB vs {one['file_bytes'] / mib:.1f} MiB sales file, chunk {chunk / mib:g} MiB; "
        f"peak {many['peak_rss'] / mib:.0f} vs {one['peak_rss'] / mib:.0f} MiB"
    )
    return [
        measure(
            BENCHMARK,
            f"peak_rss_ratio_{multiple}x_vs_1x_chunk",
            many["peak_rss"] / one["peak_rss"],
            "x",
            scale,
            TARGET,
            note,
            detail,
        ),
        measure(BENCHMARK, "peak_rss_1x_chunk", one["peak_rss"] / mib, "MiB", scale, None, "context"),
        measure(BENCHMARK, f"peak_rss_{multiple}x_chunk", many["peak_rss"] / mib, "MiB", scale, None, "context"),
        measure(
            BENCHMARK,
            "rss_growth_during_load_1x_chunk",
            growth_one / mib,
            "MiB",
            scale,
            None,
            "peak minus RSS after imports, before the load",
        ),
        measure(
            BENCHMARK,
            f"rss_growth_during_load_{multiple}x_chunk",
            growth_many / mib,
            "MiB",
            scale,
            None,
            "peak minus RSS after imports, before the load",
        ),
    ]
