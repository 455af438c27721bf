-- Ingestion bookkeeping added to 0001 (additive only): validation results, the archive location and the
-- readable error of each delivery, and the type tests the row rules are compiled to.

alter table ops.deliveries add column rejection_message text;
alter table ops.deliveries add column archive_uri text;
alter table ops.deliveries add column validation_seconds real;
alter table ops.deliveries add column load_seconds real;

-- One row per Great Expectations validation of a delivery: the suite's outcome, the GX result
-- (SUMMARY format) and where its Data Docs page is.
create table ops.validation_results (
    validation_id             bigserial primary key,
    delivery_id               bigint not null references ops.deliveries (delivery_id),
    source                    text not null,
    suite_name                text not null,
    success                   boolean not null,
    evaluated_expectations    integer not null,
    successful_expectations   integer not null,
    unsuccessful_expectations integer not null,
    rows_checked              bigint not null,
    rows_unexpected           bigint not null,
    result                    jsonb not null,
    data_docs_uri             text,
    validated_at              timestamptz not null default now()
);
create index validation_results_delivery on ops.validation_results (delivery_id);

-- Type tests for text cells, safe on any input (PostgreSQL 15 has no pg_input_is_valid). Inlinable SQL.
create function ops.sqw_is_date(v text) returns boolean
language sql immutable parallel safe
as $$
    select case
        when v ~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' then
            substr(v, 9, 2)::int <= case substr(v, 6, 2)::int
                when 2 then case
                    when (substr(v, 1, 4)::int % 4 = 0 and substr(v, 1, 4)::int % 100 <> 0)
                        or substr(v, 1, 4)::int % 400 = 0 then 29
                    else 28 end
                when 4 then 30 when 6 then 30 when 9 then 30 when 11 then 30
                else 31 end
        else false
    end
$$;

-- ISO 8601 with an offset: 2025-03-14T10:21:00+03:00, ...Z, +03, +0300; a space may replace the T.
create function ops.sqw_is_timestamptz(v text) returns boolean
language sql immutable parallel safe
as $$
    select case
        when v ~ '^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
            then ops.sqw_is_date(substr(v, 1, 10))
        else false
    end
$$;
