"""
### Transform: raw → staging → intermediate → service-quality and attestation marts (dbt, through Cosmos)

Runs when every regularly delivered raw table has new data: it is scheduled on the Assets that the ingestion
DAGs of the nine sources delivered on a cadence emit (`postgres://…/raw/<source>`); appeals, which arrive only
when someone files or decides one, are read by the next run and never hold it back. Every dbt model is an Airflow task and its tests follow it; one `dbt build`
(Cosmos `ExecutionMode.WATCHER`) does the work, so the run costs about what a bare `dbt build` costs.
Each mart's task emits an Asset (`postgres://…/service_quality/<mart>`, `…/attestation/<mart>`).
Beside dbt, `mark_late_data` marks every published attestation period that the new deliveries can change
`revision_pending`, naming those deliveries (`attestation.period_status`), until its next attestation run.

The task graph is rendered from the dbt manifest (`make dbt-manifest`, also done by `sqw run`): parsing this
file never runs dbt. Connection: `warehouse` (Cosmos builds the dbt profile from it).

To rerun a failed model: clear its task; the watcher sensor then runs `dbt run`/`dbt test` for that model alone.
"""

from __future__ import annotations

from service_quality.transform.cosmos import build_transform_dag

transform = build_transform_dag(doc_md=__doc__, tags=["transform", "dbt"])
