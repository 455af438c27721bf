"""Airflow DAG ``ingest_audit_answers``: new deliveries -> validated -> ``raw.audit_answers``.

Its doc_md is written from the source's contract by the factory (``service_quality.ingest.dags.doc_md``).
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("audit_answers")
