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

{%- set columns = ['store_code', 'hour_start', 'visitors'] %}

with new_versions as (
    {{ new_delivered_versions('traffic', columns) }}
),

stored_versions as (
    {{ stored_versions_of_new_keys(['store_code', 'hour_start'], columns) }}
),

candidates as (
    select * from new_versions
    union all
    select * from stored_versions
),

final as (
    {{ latest_by_arrival('candidates', ['store_code', 'hour_start']) }}
)

select * from final
