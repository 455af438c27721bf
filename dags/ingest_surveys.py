"""
### Ingest surveys: new deliveries -> validated -> `raw.surveys`

Airflow DAG for customer feedback (CSV or JSON Lines); contact fields are PII: incremental (late, out-of-order and corrected deliveries).
Contract: `service_quality.contracts` (source `surveys`); formats .csv, .csv.gz, .jsonl, .jsonl.gz; key (response_id).

1. `find_new_deliveries`: files under `<landing_root>/surveys/` not yet in `ops.deliveries` (path + SHA-256),
   in arrival order, split into load batches (Variables `ingest_batch_files`, `ingest_batch_bytes`).
2. `load` (one mapped task per batch, pool `warehouse`): archive, COPY into scratch, one Great Expectations run of
   `expectations/surveys.py` per batch and layout, bad rows to `quarantine.surveys`, valid rows to `raw.surveys`, one
   transaction. Emits the Asset `postgres://warehouse/warehouse/raw/surveys`; a batch in which nothing reached raw is skipped (reasons in its log).
3. `report`: totals for the source from `ops.deliveries`.

Contact fields (customer_email, customer_phone) are replaced by a keyed hash (Variable `survey_pii_key`) before they reach
the warehouse; without a key the load is refused.

Configuration: connection `warehouse`; Variables `landing_root`, `archive_root`, `data_docs_root`.
Docs: docs/ingestion.md.
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("surveys", doc_md=__doc__)
