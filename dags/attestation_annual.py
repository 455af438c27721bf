"""
### Annual attestation

Attests the calendar year that closed before the run, once the grace period for late deliveries
(9 days) is over: runs at 07:00 UTC on the 10th of January, after that day's quarterly run. The year
is scored from the whole year's observations (not as an average of quarters) and derived from the
run's data interval, so a backfill or a rerun attests the same year.

1. **plan**: mark published periods that received late data `revision_pending`; attest this run's
   year and every period already pending.
2. **build**: `dbt build` of the attestation models, tests included (a failed test stops the run:
   nothing is published); of everything upstream of them too unless the transform DAG's last build
   saw every delivery now in the warehouse (`ops.dbt_builds`). Param `full_build` always builds all.
3. **publish**: a new revision per period when its inputs checksum changed; otherwise the current
   revision stands. Published revisions are never altered.
4. **render**: HTML reports per store and year (with the quarterly trend), awards and an index.

Param `period` (e.g. `2025`, or `2024,2025`) attests those years instead, for a manual re-attestation.
Backfill: `airflow backfill create --dag-id <this DAG> --from-date ... --to-date ...` (catchup is off,
so a new deployment does not fire every past period at once). Connection: `warehouse`.
Guide: `docs/attestation.md`.
"""

from __future__ import annotations

from service_quality.attestation.dags import attestation_dag

attestation_dag("year", doc_md=__doc__)
