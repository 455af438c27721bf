"""
### Ingest shifts: new deliveries -> validated -> `raw.shifts`

Airflow DAG for hours worked per employee and day: incremental (late, out-of-order and corrected deliveries).
Contract: `service_quality.contracts` (source `shifts`); formats .csv, .csv.gz; key (employee_code, work_date).

1. `find_new_deliveries`: files under `<landing_root>/shifts/` not yet in `ops.deliveries` (path + SHA-256),
   in arrival order, split into load batches (Variables `ingest_batch_files`, `ingest_batch_bytes`).
2. `load` (one mapped task per batch, pool `warehouse`): archive, COPY into scratch, one Great Expectations run of
   `expectations/shifts.py` per batch and layout, bad rows to `quarantine.shifts`, valid rows to `raw.shifts`, one
   transaction. Emits the Asset `postgres://warehouse/warehouse/raw/shifts`; a batch in which nothing reached raw is skipped (reasons in its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("shifts", doc_md=__doc__)
