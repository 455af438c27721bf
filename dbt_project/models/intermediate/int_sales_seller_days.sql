{#
    Sales per store, local business date and seller (employee_code; null = seller unknown).
    Incremental on the touched store-days like int_store_sales_days: the unique key is the
    store-day, so a rebuilt day replaces all of its sellers at once; a touched day left without
    any line is kept as one zero row with a null seller so the stale rows are removed.
    Use int_employee_sales_days, which keeps the known sellers only.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['store_code', 'sale_date'],
        on_schema_change='fail',
        indexes=[{'columns': ['store_code', 'sale_date']}, {'columns': ['employee_code', 'sale_date']}],
        pre_hook="{{ delete_store_days_with_stale_timezone() }}",
    )
}}

with
{% if is_incremental() %}
    affected as (
        {{ affected_store_days('stg_sales', 'sold_at', ['_replaced_store_code', '_replaced_sold_at']) }}
    ),
{% else %}
    affected as (
        select
            stores.store_code,
            stores.timezone,
            null::date as business_date,
            '-infinity'::timestamptz as day_start_at,
            'infinity'::timestamptz as day_end_at
        from {{ ref('stg_stores') }} as stores
    ),
{% endif %}

lines as (
    select
        affected.store_code,
        affected.timezone,
        {{ local_date('sales.sold_at', 'affected.timezone') }} as sale_date,
        sales.employee_code,
        sales.transaction_id,
        sales.quantity,
        sales.line_amount,
        sales._staged_at
    from affected
    inner join {{ ref('stg_sales') }} as sales
        on
            affected.store_code = sales.store_code
            and affected.day_start_at <= sales.sold_at
            and affected.day_end_at > sales.sold_at
),

aggregated as (
    select
        store_code,
        sale_date,
        employee_code,
        timezone,
        count(distinct transaction_id) filter (where quantity > 0) as transactions,
        sum(line_amount) as revenue,
        sum(quantity) as units,
        count(*) as sales_lines,
        max(_staged_at) as _max_staged_at
    from lines
    group by store_code, sale_date, employee_code, timezone
),

final as (
    select * from aggregated
    {% if is_incremental() %}
        union all
        select
            affected.store_code,
            affected.business_date as sale_date,
            null::text as employee_code,
            affected.timezone,
            0 as transactions,
            0 as revenue,
            0 as units,
            0 as sales_lines,
            null::timestamptz as _max_staged_at
        from affected
        where not exists (
                select 1
                from aggregated
                where
                    aggregated.store_code = affected.store_code
                    and aggregated.sale_date = affected.business_date
            )
    {% endif %}
)

select * from final
