"""
### Ingest audit_answers: new deliveries -> validated -> `raw.audit_answers`

Airflow DAG for mystery-shopping answers, one row per question of a visit: incremental (late, out-of-order and corrected deliveries).
Contract: `service_quality.contracts` (source `audit_answers`); formats .csv, .csv.gz; key (visit_id, question_code).

1. `find_new_deliveries`: files under `<landing_root>/audit_answers/` not yet in `ops.deliveries` (path + SHA-256).
2. `load` (one mapped task per delivery, pool `warehouse`): archive, COPY into scratch, Great Expectations
   suite `expectations/audit_answers.py`, bad rows to `quarantine.audit_answers`, valid rows to `raw.audit_answers`, one transaction.
   Emits the Asset `postgres://warehouse/warehouse/raw/audit_answers`; a rejected or duplicate delivery is skipped (see its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("audit_answers", doc_md=__doc__)
