"""
### Quarterly attestation

Attests the calendar quarter that closed before the run, once the grace period for late deliveries
(9 days) is over: runs at 06:00 UTC on the 10th of January, April, July and October. The quarter is
derived from the run's data interval, so a backfill or a rerun attests the same quarter.

1. **plan**: mark published periods that received late data `revision_pending`; attest this run's
   quarter and every period already pending.
2. **build**: `dbt build` of the attestation models, tests included (a failed test stops the run:
   nothing is published); of everything upstream of them too unless the transform DAG's last build
   saw every delivery now in the warehouse (`ops.dbt_builds`). Param `full_build` always builds all.
3. **publish**: a new revision per period when its inputs checksum changed; otherwise the current
   revision stands. Published revisions are never altered.
4. **render**: HTML reports per store and quarter, awards and an index, from published revisions.

Param `period` (e.g. `2025-Q1`, or `2025-Q1,2025-Q2` for several after one build) attests those quarters
instead, for a manual re-attestation or a replay.
Backfill: `airflow backfill create --dag-id <this DAG> --from-date ... --to-date ...` (catchup is off,
so a new deployment does not fire every past period at once). Connection: `warehouse`.
Guide: `docs/attestation.md`.
"""

from __future__ import annotations

from service_quality.attestation.dags import attestation_dag

attestation_dag("quarter", doc_md=__doc__)
