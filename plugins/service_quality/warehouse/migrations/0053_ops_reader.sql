-- The operators' home (the Airflow UI page of the service_quality plugin) reads as ops_reader, a read-only
-- role created by the bootstrap (which also grants it ops.*). Here: what it reads outside ops.
--
-- quarantine.*: which rule each row broke, per delivery, not the row's values (value, message and record
-- may hold what a person typed): a column-level grant.
grant select (delivery_id, row_number, column_name, rule) on
    quarantine.stores, quarantine.employees, quarantine.assignments, quarantine.shifts, quarantine.sales,
    quarantine.traffic, quarantine.surveys, quarantine.audit_visits, quarantine.audit_answers
    to ops_reader;

-- attestation: which periods are published, at which revision, and which are waiting for a re-run (not
-- the scorecards).
grant select on attestation.revisions, attestation.period_status, attestation.latest_revisions to ops_reader;
