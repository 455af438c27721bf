"""
### Ingest audit_visits: new deliveries -> validated -> `raw.audit_visits`

Airflow DAG for mystery-shopping visits; a later delivery may change a visit's status: incremental (late, out-of-order and corrected deliveries).
Contract: `service_quality.contracts` (source `audit_visits`); formats .csv, .csv.gz; key (visit_id).

1. `find_new_deliveries`: files under `<landing_root>/audit_visits/` not yet in `ops.deliveries` (path + SHA-256),
   in arrival order, split into load batches (Variables `ingest_batch_files`, `ingest_batch_bytes`).
2. `load` (one mapped task per batch, pool `warehouse`): archive, COPY into scratch, one Great Expectations run of
   `expectations/audit_visits.py` per batch and layout, bad rows to `quarantine.audit_visits`, valid rows to `raw.audit_visits`, one
   transaction. Emits the Asset `postgres://warehouse/warehouse/raw/audit_visits`; a batch in which nothing reached raw is skipped (reasons in its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("audit_visits", doc_md=__doc__)
