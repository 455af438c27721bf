"""
### Ingest traffic: new deliveries -> validated -> `raw.traffic`

Airflow DAG for door-counter visitors per store and hour: incremental (late, out-of-order and corrected deliveries).
Contract: `service_quality.contracts` (source `traffic`); formats .csv, .csv.gz; key (store_code, hour_start).

1. `find_new_deliveries`: files under `<landing_root>/traffic/` not yet in `ops.deliveries` (path + SHA-256),
   in arrival order, split into load batches (Variables `ingest_batch_files`, `ingest_batch_bytes`).
2. `load` (one mapped task per batch, pool `warehouse`): archive, COPY into scratch, one Great Expectations run of
   `expectations/traffic.py` per batch and layout, bad rows to `quarantine.traffic`, valid rows to `raw.traffic`, one
   transaction. Emits the Asset `postgres://warehouse/warehouse/raw/traffic`; a batch in which nothing reached raw is skipped (reasons in its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("traffic", doc_md=__doc__)
