"""Airflow DAG ``ingest_appeals``: new deliveries -> validated -> ``raw.appeals``.

Its doc_md is written from the source's contract by the factory (``service_quality.ingest.dags.doc_md``).
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

ingest_dag("appeals")
