"""The single-process reference run: ``airflow dags test`` for each DAG, stage by stage, in one process.

The scale-out proof compares the warehouse a Celery cluster leaves with the warehouse this leaves.
It calls the ``airflow dags test`` command itself (through Airflow's CLI parser), once per DAG, in
one interpreter: the same code path as typing the command, without paying Airflow's start-up time
for every DAG. The caller provides the environment (metadata database, warehouse connection,
landing root); nothing here reads configuration of its own.

Usage: ``python -m service_quality.proofs.reference DATE STAGE [STAGE ...]`` where a stage is a
comma-separated list of DAG ids (run in that order; stages in order). The last line printed is
``{"dag_id": {"state": ..., "seconds": ...}}``.
"""

from __future__ import annotations

import json
import sys
import time


def run(logical_date: str, stages: list[list[str]]) -> dict[str, dict]:
    """Run every DAG with ``airflow dags test``; returns ``dag_id -> {"state", "seconds"}``.

    A failed run does not stop the others: the Celery run goes on past failures too, and the
    comparison is of everything both runs did, run states included.
    """
    from airflow.cli import cli_parser
    from airflow.models.pool import Pool

    from service_quality.proofs.celery_cluster import POOLS

    for name, slots, description in POOLS:
        Pool.create_or_update_pool(name, slots, description, include_deferred=False)
    parser = cli_parser.get_parser()
    outcome: dict[str, dict] = {}
    for stage in stages:
        for dag_id in stage:
            started = time.monotonic()
            args = parser.parse_args(["dags", "test", dag_id, logical_date])
            try:
                args.func(args)
                state = "success"
            except SystemExit as exc:  # `airflow dags test` exits with "DagRun failed"
                state = "failed"
                print(f"reference: {dag_id}: {exc}", file=sys.stderr, flush=True)
            outcome[dag_id] = {"state": state, "seconds": round(time.monotonic() - started, 1)}
    return outcome


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    logical_date, stages = argv[0], [s.split(",") for s in argv[1:]]
    outcome = run(logical_date, stages)
    # The last line of stdout is the machine-readable result for the harness.
    print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
