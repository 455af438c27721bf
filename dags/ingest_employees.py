"""Airflow DAG ``ingest_employees``: new deliveries -> validated -> ``raw.employees``.

Its doc_md is written from the source's contract by the factory (``service_quality.ingest.dags.doc_md``).
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("employees")
