-- Raw, quarantine and bookkeeping tables for the nine landing sources.
--
-- raw.<source>: every delivered version of every valid row, typed as the contract says, with lineage:
--   _delivery_id  the delivery (ops.deliveries) the row came from
--   _row_number   the row's position among the delivery's data rows (1 = first row after the header)
--   _arrived_at   the delivery's arrival time (last-modified time in the landing zone); orders versions
--   _loaded_at    when the row was committed
--   _extra        values of columns the contract does not know, kept aside (null when none)
-- quarantine.<source>: one row per broken rule of a rejected row, with the whole row as delivered.

create table ops.deliveries (
    delivery_id       bigserial primary key,
    source            text not null,
    path              text not null,
    content_sha256    text not null,
    size_bytes        bigint not null,
    arrived_at        timestamptz not null,
    status            text not null check (status in ('loaded', 'rejected', 'duplicate')),
    duplicate_of      bigint references ops.deliveries (delivery_id),
    rows_read         integer not null default 0,
    rows_loaded       integer not null default 0,
    rows_quarantined  integer not null default 0,
    rejection_reason  text,
    rejection_column  text,
    extra_columns     text[] not null default '{}',
    dag_id            text,
    run_id            text,
    processed_at      timestamptz not null default now(),
    constraint deliveries_reconciled check (
        status <> 'loaded' or rows_read = rows_loaded + rows_quarantined
    )
);
-- One processing per content per source: the same bytes under another name are a duplicate.
create unique index deliveries_content_once on ops.deliveries (source, content_sha256)
    where status <> 'duplicate';
create index deliveries_arrival on ops.deliveries (source, arrived_at, path);

create table raw.stores (
    store_code   text not null,
    store_name   text not null,
    region       text not null,
    city         text not null,
    format       text not null,
    timezone     text not null,
    opened_on    date not null,
    closed_on    date,
    _delivery_id bigint not null,
    _row_number  integer not null,
    _arrived_at  timestamptz not null,
    _loaded_at   timestamptz not null default now(),
    _extra       jsonb,
    primary key (_delivery_id, _row_number)
);

create table raw.employees (
    employee_code      text not null,
    full_name          text not null,
    badge_name         text not null,
    hired_on           date not null,
    terminated_on      date,
    is_customer_facing boolean not null,
    _delivery_id       bigint not null,
    _row_number        integer not null,
    _arrived_at        timestamptz not null,
    _loaded_at         timestamptz not null default now(),
    _extra             jsonb,
    primary key (_delivery_id, _row_number)
);

create table raw.assignments (
    employee_code text not null,
    store_code    text not null,
    role          text not null,
    valid_from    date not null,
    valid_to      date,
    fte           numeric(5, 3) not null,
    _delivery_id  bigint not null,
    _row_number   integer not null,
    _arrived_at   timestamptz not null,
    _loaded_at    timestamptz not null default now(),
    _extra        jsonb,
    primary key (_delivery_id, _row_number)
);

create table raw.shifts (
    employee_code text not null,
    store_code    text not null,
    work_date     date not null,
    hours_worked  numeric(6, 2) not null,
    _delivery_id  bigint not null,
    _row_number   integer not null,
    _arrived_at   timestamptz not null,
    _loaded_at    timestamptz not null default now(),
    _extra        jsonb,
    primary key (_delivery_id, _row_number)
);

create table raw.sales (
    transaction_id  text not null,
    line_no         integer not null,
    store_code      text not null,
    employee_code   text,
    sold_at         timestamptz not null,
    sku             text not null,
    brand           text,
    category        text,
    quantity        integer not null,
    unit_price      numeric(14, 2) not null,
    discount_amount numeric(14, 2) not null,
    line_amount     numeric(14, 2) not null,
    _delivery_id    bigint not null,
    _row_number     integer not null,
    _arrived_at     timestamptz not null,
    _loaded_at      timestamptz not null default now(),
    _extra          jsonb,
    primary key (_delivery_id, _row_number)
);
create index sales_sold_at on raw.sales (sold_at);
create index sales_arrived_at on raw.sales (_arrived_at);

create table raw.traffic (
    store_code   text not null,
    hour_start   timestamptz not null,
    visitors     integer not null,
    _delivery_id bigint not null,
    _row_number  integer not null,
    _arrived_at  timestamptz not null,
    _loaded_at   timestamptz not null default now(),
    _extra       jsonb,
    primary key (_delivery_id, _row_number)
);
create index traffic_hour_start on raw.traffic (hour_start);
create index traffic_arrived_at on raw.traffic (_arrived_at);

create table raw.surveys (
    response_id         text not null,
    visited_at          timestamptz not null,
    submitted_at        timestamptz not null,
    store_code          text not null,
    employee_code       text,
    transaction_id      text,
    channel             text not null,
    nps                 smallint,
    csat                smallint,
    ces                 smallint,
    comment             text,
    language            text,
    customer_email_hash text,
    customer_phone_hash text,
    _delivery_id        bigint not null,
    _row_number         integer not null,
    _arrived_at         timestamptz not null,
    _loaded_at          timestamptz not null default now(),
    _extra              jsonb,
    primary key (_delivery_id, _row_number)
);

create table raw.audit_visits (
    visit_id            text not null,
    agency              text not null,
    shopper_code        text not null,
    visited_at          timestamptz not null,
    store_code          text not null,
    employee_code       text,
    employee_badge_name text,
    scenario            text not null,
    brand               text,
    checklist_version   text not null,
    status              text not null,
    _delivery_id        bigint not null,
    _row_number         integer not null,
    _arrived_at         timestamptz not null,
    _loaded_at          timestamptz not null default now(),
    _extra              jsonb,
    primary key (_delivery_id, _row_number)
);

create table raw.audit_answers (
    visit_id      text not null,
    question_code text not null,
    answer        text not null,
    comment       text,
    _delivery_id  bigint not null,
    _row_number   integer not null,
    _arrived_at   timestamptz not null,
    _loaded_at    timestamptz not null default now(),
    _extra        jsonb,
    primary key (_delivery_id, _row_number)
);

-- quarantine.<source>: one row per broken rule; the row as delivered is kept whole in `record`,
-- so nothing is lost and a fixed row can be re-delivered.
create table quarantine.stores (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index stores_delivery on quarantine.stores (delivery_id, row_number);

create table quarantine.employees (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index employees_delivery on quarantine.employees (delivery_id, row_number);

create table quarantine.assignments (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index assignments_delivery on quarantine.assignments (delivery_id, row_number);

create table quarantine.shifts (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index shifts_delivery on quarantine.shifts (delivery_id, row_number);

create table quarantine.sales (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index sales_delivery on quarantine.sales (delivery_id, row_number);

create table quarantine.traffic (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index traffic_delivery on quarantine.traffic (delivery_id, row_number);

create table quarantine.surveys (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index surveys_delivery on quarantine.surveys (delivery_id, row_number);

create table quarantine.audit_visits (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index audit_visits_delivery on quarantine.audit_visits (delivery_id, row_number);

create table quarantine.audit_answers (
    delivery_id    bigint not null references ops.deliveries (delivery_id),
    row_number     integer not null,
    column_name    text,
    rule           text not null,
    value          text,
    message        text not null,
    record         jsonb not null,
    quarantined_at timestamptz not null default now()
);
create index audit_answers_delivery on quarantine.audit_answers (delivery_id, row_number);
