"""OpenLineage events from landing file to published scorecard, through Airflow's OpenLineage provider.

The provider's listener emits a START and a COMPLETE (FAIL) event for every task; what a task read and
wrote comes from the operator (``get_openlineage_facets_on_start`` / ``_on_complete`` / ``_on_failure``,
:mod:`.operators`) or, for dbt, from the OpenLineage dbt integration's processing of dbt's artifacts
(:mod:`.dbt_runs`). Dataset names follow the OpenLineage naming spec (:mod:`.naming`). Switched off
(``[openlineage] disabled``), none of this runs: the listener is not registered and the dbt artifacts are not
read. See docs/lineage.md.
"""
