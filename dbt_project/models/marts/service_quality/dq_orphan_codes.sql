{#
    Store and employee codes used by facts but missing from the rosters (DATA_CONTRACTS.md:
    referential rules are checked downstream, because the roster may arrive after the facts).
    Rows with an unknown store_code are left out of every measure until the store is delivered;
    rows with an unknown employee_code still count for their store. One row per source, kind of
    code and code, with the rows affected and the first and last time they occurred.
    The large tables (sales, traffic) are read through their indexes, one code at a time.
#}
with stores as (
    select store_code from {{ ref('stg_stores') }}
),

employees as (
    select employee_code from {{ ref('stg_employees') }}
),

sales_store_codes as (
    {{ distinct_values(ref('stg_sales'), 'store_code') }}
),

sales_employee_codes as (
    {{ distinct_values(ref('stg_sales'), 'employee_code') }}
),

traffic_store_codes as (
    {{ distinct_values(ref('stg_traffic'), 'store_code') }}
),

sales_orphans as (
    select
        'sales' as source,
        'store_code' as code_type,
        codes.value as code,
        usage.row_count,
        usage.first_seen_at,
        usage.last_seen_at
    from sales_store_codes as codes
    cross join
        lateral (
            select
                count(*) as row_count,
                min(sales.sold_at) as first_seen_at,
                max(sales.sold_at) as last_seen_at
            from {{ ref('stg_sales') }} as sales
            where sales.store_code = codes.value
        ) as usage
    where codes.value not in (select stores.store_code from stores)
    union all
    select
        'sales' as source,
        'employee_code' as code_type,
        codes.value as code,
        usage.row_count,
        usage.first_seen_at,
        usage.last_seen_at
    from sales_employee_codes as codes
    cross join
        lateral (
            select
                count(*) as row_count,
                min(sales.sold_at) as first_seen_at,
                max(sales.sold_at) as last_seen_at
            from {{ ref('stg_sales') }} as sales
            where sales.employee_code = codes.value
        ) as usage
    where codes.value not in (select employees.employee_code from employees)
),

traffic_orphans as (
    select
        'traffic' as source,
        'store_code' as code_type,
        codes.value as code,
        usage.row_count,
        usage.first_seen_at,
        usage.last_seen_at
    from traffic_store_codes as codes
    cross join
        lateral (
            select
                count(*) as row_count,
                min(traffic.hour_start) as first_seen_at,
                max(traffic.hour_start) as last_seen_at
            from {{ ref('stg_traffic') }} as traffic
            where traffic.store_code = codes.value
        ) as usage
    where codes.value not in (select stores.store_code from stores)
),

small_sources as (
    select
        'surveys' as source,
        'store_code' as code_type,
        store_code as code,
        visited_at as seen_at
    from {{ ref('stg_surveys') }}
    union all
    select
        'surveys' as source,
        'employee_code' as code_type,
        employee_code as code,
        visited_at as seen_at
    from {{ ref('stg_surveys') }}
    where employee_code is not null
    union all
    select
        'audit_visits' as source,
        'store_code' as code_type,
        store_code as code,
        visited_at as seen_at
    from {{ ref('stg_audit_visits') }}
    union all
    select
        'audit_visits' as source,
        'employee_code' as code_type,
        employee_code as code,
        visited_at as seen_at
    from {{ ref('stg_audit_visits') }}
    where employee_code is not null
    union all
    select
        'shifts' as source,
        'store_code' as code_type,
        store_code as code,
        work_date::timestamptz as seen_at
    from {{ ref('stg_shifts') }}
    union all
    select
        'shifts' as source,
        'employee_code' as code_type,
        employee_code as code,
        work_date::timestamptz as seen_at
    from {{ ref('stg_shifts') }}
    union all
    select
        'assignments' as source,
        'store_code' as code_type,
        store_code as code,
        valid_from::timestamptz as seen_at
    from {{ ref('stg_assignments') }}
    union all
    select
        'assignments' as source,
        'employee_code' as code_type,
        employee_code as code,
        valid_from::timestamptz as seen_at
    from {{ ref('stg_assignments') }}
),

small_orphans as (
    select
        small_sources.source,
        small_sources.code_type,
        small_sources.code,
        count(*) as row_count,
        min(small_sources.seen_at) as first_seen_at,
        max(small_sources.seen_at) as last_seen_at
    from small_sources
    left join stores
        on
            small_sources.code_type = 'store_code'
            and small_sources.code = stores.store_code
    left join employees
        on
            small_sources.code_type = 'employee_code'
            and small_sources.code = employees.employee_code
    where
        stores.store_code is null
        and employees.employee_code is null
    group by small_sources.source, small_sources.code_type, small_sources.code
),

final as (
    select * from sales_orphans
    union all
    select * from traffic_orphans
    union all
    select * from small_orphans
)

select * from final
