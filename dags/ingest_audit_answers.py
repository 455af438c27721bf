"""
### Ingest audit_answers: new deliveries -> validated -> `raw.audit_answers`

Airflow DAG for mystery-shopping answers, one row per question of a visit: incremental (late, out-of-order and corrected deliveries).
Contract: `service_quality.contracts` (source `audit_answers`); formats .csv, .csv.gz; key (visit_id, question_code).

1. `find_new_deliveries`: files under `<landing_root>/audit_answers/` not yet in `ops.deliveries` (path + SHA-256),
   in arrival order, split into load batches (Variables `ingest_batch_files`, `ingest_batch_bytes`).
2. `load` (one mapped task per batch, pool `warehouse`): archive, COPY into scratch, one Great Expectations run of
   `expectations/audit_answers.py` per batch and layout, bad rows to `quarantine.audit_answers`, valid rows to `raw.audit_answers`, one
   transaction. Emits the Asset `postgres://warehouse/warehouse/raw/audit_answers`; a batch in which nothing reached raw is skipped (reasons in its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("audit_answers", doc_md=__doc__)
