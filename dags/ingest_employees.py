"""
### Ingest employees: new deliveries -> validated -> `raw.employees`

Airflow DAG for the staff roster (full snapshot each delivery): snapshot (each delivery is the full current list).
Contract: `service_quality.contracts` (source `employees`); formats .csv, .csv.gz; key (employee_code).

1. `find_new_deliveries`: files under `<landing_root>/employees/` not yet in `ops.deliveries` (path + SHA-256).
2. `load` (one mapped task per delivery, pool `warehouse`): archive, COPY into scratch, Great Expectations
   suite `expectations/employees.py`, bad rows to `quarantine.employees`, valid rows to `raw.employees`, one transaction.
   Emits the Asset `postgres://warehouse/warehouse/raw/employees`; a rejected or duplicate delivery is skipped (see its log).
3. `report`: totals for the source from `ops.deliveries`.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("employees", doc_md=__doc__)
