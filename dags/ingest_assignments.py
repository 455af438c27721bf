"""
### Ingest assignments: new deliveries -> validated -> `raw.assignments`

Airflow DAG for who works where, in which role (full snapshot each delivery): snapshot (each delivery is the full current list).
Contract: `service_quality.contracts` (source `assignments`); formats .csv, .csv.gz; key (employee_code, valid_from).

1. `find_new_deliveries`: files under `<landing_root>/assignments/` not yet in `ops.deliveries` (path + SHA-256),
   in arrival order, split into load batches (Variables `ingest_batch_files`, `ingest_batch_bytes`).
2. `load` (one mapped task per batch, pool `warehouse`): archive, COPY into scratch, one Great Expectations run of
   `expectations/assignments.py` per batch and layout, bad rows to `quarantine.assignments`, valid rows to `raw.assignments`, one
   transaction. Emits the Asset `postgres://warehouse/warehouse/raw/assignments`; a batch in which nothing reached raw is skipped (reasons in its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("assignments", doc_md=__doc__)
