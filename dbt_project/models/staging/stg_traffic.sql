{#
    Latest version of each store-hour of visitor counts. Incremental like stg_sales: a run reads
    only the deliveries it has not taken in yet and keeps, per key, the later version in arrival
    order among the new and the stored one.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['store_code', 'hour_start'],
        on_schema_change='fail',
        indexes=[
            {'columns': ['store_code', 'hour_start'], 'unique': True},
            {'columns': ['hour_start']},
            {'columns': ['_delivery_id']},
            {'columns': ['_staged_at']},
        ],
    )
}}

with deliveries as (
    select * from {{ ref('stg_deliveries') }}
),

new_deliveries as (
    select
        delivery_id,
        path,
        processed_at
    from deliveries
    where
        source = 'traffic'
        and status = 'loaded'
        and {{ delivery_not_taken_in() }}
),

new_versions as (
    select
        traffic.store_code,
        traffic.hour_start,
        traffic.visitors,
        traffic._delivery_id,
        traffic._row_number,
        traffic._arrived_at,
        new_deliveries.path as _delivery_path,
        new_deliveries.processed_at as _processed_at,
        {{ staged_at() }} as _staged_at
    from {{ source('raw', 'traffic') }} as traffic
    inner join new_deliveries
        on traffic._delivery_id = new_deliveries.delivery_id
),

{% if is_incremental() %}
    new_keys as (
        select distinct
            store_code,
            hour_start
        from new_versions
    ),
{% endif %}

candidates as (
    select * from new_versions
    {% if is_incremental() %}
        union all
        select
            stored.store_code,
            stored.hour_start,
            stored.visitors,
            stored._delivery_id,
            stored._row_number,
            stored._arrived_at,
            stored._delivery_path,
            stored._processed_at,
            stored._staged_at
        from {{ this }} as stored
        inner join new_keys
            on
                stored.store_code = new_keys.store_code
                and stored.hour_start = new_keys.hour_start
    {% endif %}
),

final as (
    select distinct on (store_code, hour_start) *
    from candidates
    order by store_code asc, hour_start asc, _arrived_at desc, _delivery_path desc, _row_number desc
)

select * from final
