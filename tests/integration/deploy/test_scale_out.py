"""Scale-out proof: the pipeline's DAGs on Airflow's CeleryExecutor with two workers, on this machine.

Real processes (scheduler, dag-processor, api-server, two Celery workers), a real PostgreSQL metadata
database, the local Redis (or RabbitMQ) broker, runs made by the scheduler from REST-triggered DAG
runs; then the same DAGs single-process with ``airflow dags test``; the two warehouses must match.
"""

from __future__ import annotations

import socket

import pytest

from service_quality.proofs.scaleout import pipeline_stages, prove

pytestmark = [pytest.mark.integration, pytest.mark.airflow]


def _reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def broker_url() -> str:
    if _reachable(6379):
        return "redis://127.0.0.1:6379/13"
    if _reachable(5672):
        return "amqp://guest:guest@127.0.0.1:5672//"
    pytest.fail("the Celery proof needs a broker: Redis on 127.0.0.1:6379 or RabbitMQ on 127.0.0.1:5672")


#: The sources the test ingests (``make scale-out`` runs all of them): the three snapshot sources, whose
#: redeliveries exercise duplicate handling, and the two largest fact sources. Kept small for CI time.
TEST_SOURCES = ("stores", "employees", "assignments", "sales", "surveys")


@pytest.mark.timeout(1800)
def test_pipeline_runs_on_two_celery_workers_and_matches_the_single_process_run(pg_admin, broker_url, tmp_path):
    all_stages = pipeline_stages()
    ingest = [d for stage in all_stages for d in stage if d.startswith("ingest_")]
    assert all_stages[0] == ["warehouse_bootstrap"] and len(ingest) >= 9, f"pipeline DAGs found: {all_stages}"
    stages = [["warehouse_bootstrap"], [f"ingest_{source}" for source in TEST_SOURCES]]
    assert set(stages[1]) <= set(ingest)

    proof = prove(tmp_path, pg_admin, broker_url, stages=stages)
    print(proof.summary())

    # Distributed: every task instance that ran was run by one of the two workers, and both took work.
    ran = [t for t in proof.tasks if t["state"] not in (None, "scheduled", "queued", "removed")]
    assert ran, "no task instance ran"
    assert {t["hostname"].split("@")[0] for t in ran} == {"w1", "w2"}, proof.task_hosts
    assert proof.workers_used == {"w1", "w2"}

    # Through the scheduler: every DAG got its run, and the runs finished.
    assert set(proof.run_states) == {d for stage in stages for d in stage}
    assert proof.run_states["warehouse_bootstrap"] == "success"
    succeeded = [d for d in stages[1] if proof.run_states[d] == "success"]
    assert len(succeeded) >= 4, f"ingestion DAG runs: {proof.run_states}"

    # Same result as the single-process run: run states, and every raw/quarantine table and the deliveries.
    assert proof.run_states == proof.reference_states
    assert proof.celery_deliveries == proof.reference_deliveries
    assert proof.content_differences == [], "\n".join(proof.content_differences)
    # Byte-identical deliveries resolve by arrival, not by which mapped task ran first: same rows, same lineage.
    assert proof.differences == [], proof.summary()
    loaded = {key: state.rows for key, state in proof.celery_state.items() if key.startswith("raw.")}
    assert sum(1 for rows in loaded.values() if rows > 0) >= 4, f"too little was loaded to compare: {loaded}"
    assert proof.celery_state["ops.deliveries"].rows > 0

    # Cleaned up: no process group left, no database left.
    assert proof.left_running == []
    with pg_admin.connect() as conn:
        left = conn.execute("select datname from pg_database where datname like %s", [proof.database_prefix])
        assert left.fetchall() == []
