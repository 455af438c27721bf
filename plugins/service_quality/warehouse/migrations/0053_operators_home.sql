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

-- The ops_freshness DAG alerts once per overdue source and day: the alerts it sent, so that a rerun or the
-- next hour's run does not send the same one again.
create table ops.freshness_alerts (
    source          text not null,
    alert_date      date not null,
    due_at          timestamptz,
    last_arrived_at timestamptz,
    message         text not null,
    dag_id          text,
    run_id          text,
    alerted_at      timestamptz not null default now(),
    primary key (source, alert_date)
);
grant select on ops.freshness_alerts to ops_reader;
