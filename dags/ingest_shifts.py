"""
### Ingest shifts: new deliveries -> validated -> `raw.shifts`

Airflow DAG for hours worked per employee and day: incremental (late, out-of-order and corrected deliveries).
Contract: `service_quality.contracts` (source `shifts`); formats .csv, .csv.gz; key (employee_code, work_date).

1. `find_new_deliveries`: files under `<landing_root>/shifts/` not yet in `ops.deliveries` (path + SHA-256).
2. `load` (one mapped task per delivery, pool `warehouse`): archive, COPY into scratch, Great Expectations
   suite `expectations/shifts.py`, bad rows to `quarantine.shifts`, valid rows to `raw.shifts`, one transaction.
   Emits the Asset `postgres://warehouse/warehouse/raw/shifts`; a rejected or duplicate delivery is skipped (see its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("shifts", doc_md=__doc__)
