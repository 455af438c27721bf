"""
### Ingest stores: new deliveries -> validated -> `raw.stores`

Airflow DAG for the chain's stores (full snapshot each delivery): snapshot (each delivery is the full current list).
Contract: `service_quality.contracts` (source `stores`); formats .csv, .csv.gz; key (store_code).

1. `find_new_deliveries`: files under `<landing_root>/stores/` not yet in `ops.deliveries` (path + SHA-256),
   in arrival order, split into load batches (Variables `ingest_batch_files`, `ingest_batch_bytes`).
2. `load` (one mapped task per batch, pool `warehouse`): archive, COPY into scratch, one Great Expectations run of
   `expectations/stores.py` per batch and layout, bad rows to `quarantine.stores`, valid rows to `raw.stores`, one
   transaction. Emits the Asset `postgres://warehouse/warehouse/raw/stores`; a batch in which nothing reached raw is skipped (reasons in its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("stores", doc_md=__doc__)
