{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['store_code', 'traffic_date'],
        on_schema_change='fail',
        indexes=[{'columns': ['store_code', 'traffic_date'], 'unique': True}],
        pre_hook="{{ delete_store_days_with_stale_timezone() }}",
    )
}}

with traffic as (
    select * from {{ ref('stg_traffic') }}
),

affected as (
    {{ store_days_to_build('stg_traffic', 'hour_start') }}
),

hours as (
    select
        affected.store_code,
        affected.timezone,
        {{ local_date('traffic.hour_start', 'affected.timezone') }} as traffic_date,
        traffic.visitors,
        traffic._staged_at
    from affected
    inner join traffic
        on
            affected.store_code = traffic.store_code
            and affected.day_start_at <= traffic.hour_start
            and affected.day_end_at > traffic.hour_start
),

final as (
    select
        store_code,
        traffic_date,
        timezone,
        sum(visitors) as visitors,
        count(*) as traffic_hours,
        max(_staged_at) as _max_staged_at
    from hours
    group by store_code, traffic_date, timezone
)

select * from final
