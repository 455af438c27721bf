{#
    The store-days an incremental store-day model must rebuild in this run, as a query with
    columns (store_code, timezone, business_date, day_start_at, day_end_at):
    - the local days of rows of `lines_model` staged since the model's watermark (the newest
      `_staged_at` it has taken in, `_max_staged_at`), at their store;
    - with `replaced_columns`, the days those rows occupied before a correction moved them;
    - every day of a store whose time zone the model has not seen yet (a store that became known
      after its facts arrived, or whose zone was corrected).
    Rows of unknown stores are left out; they are listed in the data-quality mart instead.
#}
{% macro affected_store_days(lines_model, time_column, replaced_columns=none) -%}
    {%- set watermark -%}
        (
            select coalesce(max(_max_staged_at), '-infinity'::timestamptz)
            from {{ this }}
        )
    {%- endset -%}
    with stores_now as (
        select
            store_code,
            timezone
        from {{ ref('stg_stores') }}
    ),

    changed as (
        select
            changed_lines.store_code,
            changed_lines.{{ time_column }} as event_at
        from {{ ref(lines_model) }} as changed_lines
        where changed_lines._staged_at > {{ watermark }}
        {% if replaced_columns %}
            union all
            select
                moved_lines.{{ replaced_columns[0] }} as store_code,
                moved_lines.{{ replaced_columns[1] }} as event_at
            from {{ ref(lines_model) }} as moved_lines
            where
                moved_lines._staged_at > {{ watermark }}
                and moved_lines.{{ replaced_columns[0] }} is not null
        {% endif %}
        union all
        select
            all_lines.store_code,
            all_lines.{{ time_column }} as event_at
        from {{ ref(lines_model) }} as all_lines
        inner join stores_now
            on all_lines.store_code = stores_now.store_code
        where not exists (
            select 1
            from {{ this }} as built
            where
                built.store_code = stores_now.store_code
                and built.timezone = stores_now.timezone
        )
    ),

    days as (
        select distinct
            changed.store_code,
            stores_now.timezone,
            {{ local_date('changed.event_at', 'stores_now.timezone') }} as business_date
        from changed
        inner join stores_now
            on changed.store_code = stores_now.store_code
    )

    select
        store_code,
        timezone,
        business_date,
        business_date::timestamp at time zone timezone as day_start_at,
        (business_date + 1)::timestamp at time zone timezone as day_end_at
    from days
{%- endmacro %}

{# Rows of an incremental store-day model whose store's time zone changed or disappeared: their
   local days are no longer right, so they are deleted before the rebuild (pre-hook). #}
{% macro delete_store_days_with_stale_timezone() -%}
    {% if is_incremental() %}
        delete from {{ this }} as built
        where not exists (
            select 1
            from {{ ref('stg_stores') }} as stores_now
            where
                stores_now.store_code = built.store_code
                and stores_now.timezone = built.timezone
        )
    {% endif %}
{%- endmacro %}

{#
    The store-days a store-day model builds in this run, with the columns of affected_store_days():
    on an incremental run the affected ones; on a full build every known store over all time (one
    row a store, business_date null, day bounds -infinity..infinity).
#}
{% macro store_days_to_build(lines_model, time_column, replaced_columns=none) -%}
    {%- if is_incremental() %}
        {{ affected_store_days(lines_model, time_column, replaced_columns) }}
    {%- else %}
        select
            stores.store_code,
            stores.timezone,
            null::date as business_date,
            '-infinity'::timestamptz as day_start_at,
            'infinity'::timestamptz as day_end_at
        from {{ ref('stg_stores') }} as stores
    {%- endif %}
{%- endmacro %}
