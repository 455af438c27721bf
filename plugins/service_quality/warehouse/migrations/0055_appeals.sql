-- The tenth landing source: appeals against mystery-shopping results (DATA_CONTRACTS.md "appeals",
-- ATTESTATION_METHOD.md §8). Same shape as the other landing tables (0001): every delivered version of
-- every valid row, typed by the contract, with its lineage; a later version of an appeal (a decision)
-- replaces an earlier one downstream (stg_appeals). `reason` is free text, scrubbed by the loader.

create table raw.appeals (
    appeal_id               text not null,
    visit_id                text not null,
    question_code           text,
    filed_at                timestamptz not null,
    filed_by                text not null,
    category                text not null,
    reason                  text not null,
    decision                text,
    corrected_answer        text,
    corrected_employee_code text,
    decided_at              timestamptz,
    decided_by              text,
    _delivery_id            bigint not null,
    _row_number             integer not null,
    _arrived_at             timestamptz not null,
    _loaded_at              timestamptz not null default now(),
    _extra                  jsonb,
    primary key (_delivery_id, _row_number)
);
create index appeals_key on raw.appeals (appeal_id, _arrived_at);

create table quarantine.appeals (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index appeals_delivery on quarantine.appeals (delivery_id, row_number);

-- The operators' home reads which rule each row broke, never the row (0053).
grant select (delivery_id, row_number, column_name, rule) on quarantine.appeals to ops_reader;
