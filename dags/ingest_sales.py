"""
### Ingest sales: new deliveries -> validated -> `raw.sales`

Airflow DAG for receipt lines (one row per line; negative quantity = return): incremental (late, out-of-order and corrected deliveries).
Contract: `service_quality.contracts` (source `sales`); formats .csv, .csv.gz; key (transaction_id, line_no).

1. `find_new_deliveries`: files under `<landing_root>/sales/` not yet in `ops.deliveries` (path + SHA-256),
   in arrival order, split into load batches (Variables `ingest_batch_files`, `ingest_batch_bytes`).
2. `load` (one mapped task per batch, pool `warehouse`): archive, COPY into scratch, one Great Expectations run of
   `expectations/sales.py` per batch and layout, bad rows to `quarantine.sales`, valid rows to `raw.sales`, one
   transaction. Emits the Asset `postgres://warehouse/warehouse/raw/sales`; a batch in which nothing reached raw is skipped (reasons in its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("sales", doc_md=__doc__)
