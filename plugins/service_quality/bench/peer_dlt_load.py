"""The dlt peer of the ingest benchmark: run by the interpreter of the peers' own environment, not the project's.

dlt and its dependencies are not in the project's lock file, so :mod:`service_quality.bench.peers_ingest`
creates a separate virtual environment for them and runs this file there; it imports nothing of the
project. It loads CSV files into PostgreSQL the way dlt's documentation shows, with dlt's defaults:
the ``filesystem`` source piped into ``read_csv`` (pandas, in chunks), ``pipeline.run`` to the
``postgres`` destination (insert-values load files, schema inferred and evolved by dlt).

Usage: ``python peer_dlt_load.py '<json>'`` with ``credentials``, ``pipelines_dir``, ``warm_up`` and
``month`` (each ``{"bucket_url": ..., "file_glob": ..., "dataset": ...}``). Prints one JSON line: the
month's rows and wall seconds (the warm-up, which pays for imports and the first schema, is not timed).
"""

from __future__ import annotations

import json
import os
import sys
import time


def load(spec: dict, credentials: str, pipelines_dir: str) -> tuple[int, float]:
    import dlt
    from dlt.sources.filesystem import filesystem, read_csv

    started = time.perf_counter()
    pipeline = dlt.pipeline(
        pipeline_name=f"peer_{spec['dataset']}",
        destination=dlt.destinations.postgres(credentials),
        dataset_name=spec["dataset"],
        pipelines_dir=pipelines_dir,
    )
    files = filesystem(bucket_url=spec["bucket_url"], file_glob=spec["file_glob"])
    pipeline.run((files | read_csv()).with_name("sales"))
    seconds = time.perf_counter() - started
    rows = pipeline.last_trace.last_normalize_info.row_counts.get("sales", 0)
    return rows, seconds


def main() -> int:
    config = json.loads(sys.argv[1])
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    load(config["warm_up"], config["credentials"], config["pipelines_dir"])
    rows, seconds = load(config["month"], config["credentials"], config["pipelines_dir"])
    print(json.dumps({"rows": rows, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
