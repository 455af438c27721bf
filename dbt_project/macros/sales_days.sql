{#
    The body of the incremental sales store-day models: sales per store and local business date, and
    with `by_seller` per seller as well (employee_code; null = seller unknown). Only the store-days to
    build in this run are read (store_days_to_build: the days touched by new or corrected lines on an
    incremental run, everything on a full build), and each is rebuilt whole from stg_sales, so
    corrections and returns land exactly. A touched day left without any line (every line moved away)
    gets one row of zeros (with a null seller when `by_seller`), so delete+insert on the store-day
    still replaces its stale rows.
#}
{% macro sales_days(by_seller=false) -%}
with sales as (
    select * from {{ ref('stg_sales') }}
),

affected as (
    {{ store_days_to_build('stg_sales', 'sold_at', ['_replaced_store_code', '_replaced_sold_at']) }}
),

lines as (
    select
        affected.store_code,
        affected.timezone,
        {{ local_date('sales.sold_at', 'affected.timezone') }} as sale_date,
        {%- if by_seller %}
        sales.employee_code,
        {%- endif %}
        sales.transaction_id,
        sales.quantity,
        sales.line_amount,
        sales._staged_at
    from affected
    inner join sales
        on
            affected.store_code = sales.store_code
            and affected.day_start_at <= sales.sold_at
            and affected.day_end_at > sales.sold_at
),

aggregated as (
    select
        store_code,
        sale_date,
        {%- if by_seller %}
        employee_code,
        {%- endif %}
        timezone,
        count(distinct transaction_id) filter (where quantity > 0) as transactions,
        sum(line_amount) as revenue,
        sum(quantity) as units,
        count(*) as sales_lines,
        max(_staged_at) as _max_staged_at
    from lines
    group by store_code, sale_date, {{ 'employee_code, ' if by_seller }}timezone
),

final as (
    select * from aggregated
    {%- if is_incremental() %}
    union all
    select
        affected.store_code,
        affected.business_date as sale_date,
        {%- if by_seller %}
        null::text as employee_code,
        {%- endif %}
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
    {%- endif %}
)

select * from final
{%- endmacro %}
