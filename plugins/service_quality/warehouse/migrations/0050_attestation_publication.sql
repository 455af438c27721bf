-- Published attestation revisions: frozen, append-only copies of what the dbt models
-- attestation.components / scorecards / awards computed for one closed period.
--
-- dbt rebuilds its own attestation.* tables on every run; these tables are created here, not by dbt,
-- so a rebuild never touches them. A run for a period whose inputs are unchanged adds nothing; a run
-- with changed inputs adds revision N + 1 and never alters revision N (triggers below refuse any
-- update or delete). BI reads the latest revision through the latest_* views; every earlier revision
-- stays readable in the published_* tables.

create table attestation.revisions (
    period_type         text not null check (period_type in ('quarter', 'year')),
    period_label        text not null,
    revision            integer not null check (revision >= 1),
    run_id              text not null,
    dag_id              text,
    published_at        timestamptz not null default now(),
    -- Deliveries processed up to this instant are in the revision (the build started then).
    inputs_as_of        timestamptz not null,
    methodology_version text not null,
    -- SHA-256 over the period's rows as built (see docs/attestation.md, "Inputs checksum").
    inputs_checksum     text not null,
    scorecard_rows      integer not null,
    component_rows      integer not null,
    award_rows          integer not null,
    primary key (period_type, period_label, revision)
);

create table attestation.published_scorecards (
    period_type           text not null,
    period_label          text not null,
    revision              integer not null,
    employee_code         text not null,
    full_name             text,
    store_code            text,
    region                text,
    role                  text,
    status                text,
    not_attested_reason   text,
    total_points          numeric,
    grade                 text,
    has_critical_failure  boolean,
    rank_in_store         integer,
    rank_in_region        integer,
    rank_in_chain         integer,
    previous_total_points numeric,
    total_points_change   numeric,
    explanation           text,
    methodology_version   text,
    -- Detail the scorecards model carries beside the interface columns (all readable in reports).
    period_start                    date,
    period_end                      date,
    store_format                    text,
    assigned_days                   integer,
    included_components             integer,
    included_individual_components  integer,
    weighted_points_sum             numeric,
    uncapped_grade                  text,
    grade_label                     text,
    critical_failure_visits         integer,
    is_grade_capped                 boolean,
    attested_in_store               integer,
    individual_observations         numeric,
    service_audit_points            numeric,
    team_result_points              numeric,
    previous_period_label           text,
    previous_grade                  text,
    quarter_trend                   text,
    -- Columns the model gained after this table was defined, kept whole until a migration adds them.
    _extra                jsonb,
    primary key (period_type, period_label, revision, employee_code),
    foreign key (period_type, period_label, revision) references attestation.revisions
);
create index published_scorecards_store on attestation.published_scorecards (period_type, period_label, revision, store_code);

create table attestation.published_components (
    period_type         text not null,
    period_label        text not null,
    revision            integer not null,
    employee_code       text not null,
    component           text not null,
    status              text,
    n_observations      numeric,
    raw_value           numeric,
    shrunk_value        numeric,
    points              numeric,
    base_weight         numeric,
    effective_weight    numeric,
    weighted_points     numeric,
    methodology_version text,
    role                text,
    primary_store_code  text,
    component_label     text,
    component_order     integer,
    is_individual       boolean,
    min_observations    numeric,
    observation_unit    text,
    prior_value         numeric,
    prior_source        text,
    prior_strength      numeric,
    explanation_line    text,
    _extra              jsonb,
    primary key (period_type, period_label, revision, employee_code, component),
    foreign key (period_type, period_label, revision) references attestation.revisions
);

create table attestation.published_awards (
    period_type   text not null,
    period_label  text not null,
    revision      integer not null,
    award         text not null,
    scope         text,
    scope_code    text,
    rank          integer,
    employee_code text,
    full_name     text,
    store_code    text,
    brand         text,
    score         numeric,
    n_observations numeric,
    methodology_version text,
    _extra        jsonb,
    foreign key (period_type, period_label, revision) references attestation.revisions
);
create index published_awards_period on attestation.published_awards (period_type, period_label, revision);

-- One row per published period: is the latest revision still current, or has late data arrived?
create table attestation.period_status (
    period_type      text not null,
    period_label     text not null,
    status           text not null check (status in ('published', 'revision_pending')),
    current_revision integer not null,
    -- The last run that attested the period (whether it added a revision or confirmed the current one).
    last_run_id      text not null,
    last_checked_at  timestamptz not null,
    -- Deliveries processed after this instant are late for the period.
    inputs_as_of     timestamptz not null,
    pending_since    timestamptz,
    late_deliveries  bigint[] not null default '{}',
    late_rows        bigint not null default 0,
    primary key (period_type, period_label),
    foreign key (period_type, period_label, current_revision) references attestation.revisions
);

create function attestation.refuse_change_to_revision() returns trigger
language plpgsql as $$
begin
    raise exception 'attestation.% is append-only: a published revision is frozen (% refused); publish a new revision instead',
        tg_table_name, lower(tg_op)
        using errcode = 'restrict_violation';
end;
$$;

create trigger revisions_frozen before update or delete on attestation.revisions
    for each row execute function attestation.refuse_change_to_revision();
create trigger revisions_not_truncated before truncate on attestation.revisions
    for each statement execute function attestation.refuse_change_to_revision();
create trigger published_scorecards_frozen before update or delete on attestation.published_scorecards
    for each row execute function attestation.refuse_change_to_revision();
create trigger published_scorecards_not_truncated before truncate on attestation.published_scorecards
    for each statement execute function attestation.refuse_change_to_revision();
create trigger published_components_frozen before update or delete on attestation.published_components
    for each row execute function attestation.refuse_change_to_revision();
create trigger published_components_not_truncated before truncate on attestation.published_components
    for each statement execute function attestation.refuse_change_to_revision();
create trigger published_awards_frozen before update or delete on attestation.published_awards
    for each row execute function attestation.refuse_change_to_revision();
create trigger published_awards_not_truncated before truncate on attestation.published_awards
    for each statement execute function attestation.refuse_change_to_revision();

create view attestation.latest_revisions as
select distinct on (r.period_type, r.period_label)
    r.*,
    s.status as period_status,
    s.pending_since
from attestation.revisions as r
left join attestation.period_status as s using (period_type, period_label)
order by r.period_type, r.period_label, r.revision desc;

create view attestation.latest_scorecards as
select p.*, r.published_at, r.period_status
from attestation.published_scorecards as p
join attestation.latest_revisions as r using (period_type, period_label, revision);

create view attestation.latest_components as
select p.*, r.published_at, r.period_status
from attestation.published_components as p
join attestation.latest_revisions as r using (period_type, period_label, revision);

create view attestation.latest_awards as
select p.*, r.published_at, r.period_status
from attestation.published_awards as p
join attestation.latest_revisions as r using (period_type, period_label, revision);

grant usage on schema attestation to bi_reader, transformer;
grant select on attestation.revisions, attestation.published_scorecards, attestation.published_components,
    attestation.published_awards, attestation.period_status, attestation.latest_revisions,
    attestation.latest_scorecards, attestation.latest_components, attestation.latest_awards
    to bi_reader;
-- Publication may run as the transformer (the role that built the results): it appends, never rewrites.
grant select, insert on attestation.revisions, attestation.published_scorecards, attestation.published_components,
    attestation.published_awards to transformer;
grant select, insert, update on attestation.period_status to transformer;
grant select on attestation.latest_revisions, attestation.latest_scorecards, attestation.latest_components,
    attestation.latest_awards to transformer;
