-- Every successful dbt build that a later attestation run may build on: which selection it ran, what it
-- saw of the warehouse's inputs when it started, and from which dbt project.
--
-- An attestation run rebuilds only the attestation models when the last build that covered everything
-- upstream of them (the transform DAG's, or an attestation run's full build) saw exactly the deliveries in
-- the warehouse now, from the same dbt project with the same variables; otherwise it builds the whole
-- selection (service_quality.transform.builds). A build that failed is never recorded, so a failure can
-- only ever make the next run build more.
create table ops.dbt_builds (
    build_id          bigserial primary key,
    -- transform: the transform DAG's dbt build of the whole project;
    -- attestation_full / attestation_only / attestation_reused: an attestation run's build (reused: none
    -- ran, the previous attestation build was current for the same variables).
    kind              text not null
        check (kind in ('transform', 'attestation_full', 'attestation_only', 'attestation_reused')),
    selection         text[] not null,
    -- True when the build rebuilt and tested every model, seed and test upstream of the attestation marts.
    covers_inputs     boolean not null,
    project_checksum  text not null,  -- sha256 of the dbt project's files (models, macros, seeds, vars)
    vars              jsonb not null default '{}',
    -- What the build saw when it started: a fingerprint of ops.deliveries and of the comment tagging.
    inputs            jsonb not null,
    max_delivery_id   bigint,
    last_arrived_at   timestamptz,
    dbt_invocation_id text,
    dag_id            text,
    run_id            text,
    started_at        timestamptz not null,
    finished_at       timestamptz not null default now()
);
create index dbt_builds_finished on ops.dbt_builds (finished_at desc, build_id desc);

-- The transform DAG and the attestation runs may connect as the transformer: they record their builds.
grant select, insert on ops.dbt_builds to transformer;
grant usage, select on sequence ops.dbt_builds_build_id_seq to transformer;
