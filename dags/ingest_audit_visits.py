"""
### Ingest audit_visits: new deliveries -> validated -> `raw.audit_visits`

Airflow DAG for mystery-shopping visits; a later delivery may change a visit's status: incremental (late, out-of-order and corrected deliveries).
Contract: `service_quality.contracts` (source `audit_visits`); formats .csv, .csv.gz; key (visit_id).

1. `find_new_deliveries`: files under `<landing_root>/audit_visits/` not yet in `ops.deliveries` (path + SHA-256).
2. `load` (one mapped task per delivery, pool `warehouse`): archive, COPY into scratch, Great Expectations
   suite `expectations/audit_visits.py`, bad rows to `quarantine.audit_visits`, valid rows to `raw.audit_visits`, one transaction.
   Emits the Asset `postgres://warehouse/warehouse/raw/audit_visits`; a rejected or duplicate delivery is skipped (see its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("audit_visits", doc_md=__doc__)
