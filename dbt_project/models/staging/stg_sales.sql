{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['transaction_id', 'line_no'],
        on_schema_change='fail',
        indexes=[
            {'columns': ['transaction_id', 'line_no'], 'unique': True},
            {'columns': ['store_code', 'sold_at']},
            {'columns': ['sold_at']},
            {'columns': ['employee_code']},
            {'columns': ['_delivery_id']},
            {'columns': ['_staged_at']},
        ],
    )
}}

{%- set columns = [
    'transaction_id', 'line_no', 'store_code', 'employee_code', 'sold_at', 'sku', 'brand', 'category',
    'quantity', 'unit_price', 'discount_amount', 'line_amount',
] %}

with new_versions as (
    {{ new_delivered_versions('sales', columns) }}
),

stored_versions as (
    {{ stored_versions_of_new_keys(['transaction_id', 'line_no'], columns) }}
),

candidates as (
    select * from new_versions
    union all
    select * from stored_versions
),

latest as (
    {{ latest_by_arrival('candidates', ['transaction_id', 'line_no']) }}
),

final as (
    select
        latest.*,
        -- stored columns are NOT NULL, so a comparison with no stored version is null: no move
        case
            when stored_versions.store_code <> latest.store_code or stored_versions.sold_at <> latest.sold_at
                then stored_versions.store_code
        end as _replaced_store_code,
        case
            when stored_versions.store_code <> latest.store_code or stored_versions.sold_at <> latest.sold_at
                then stored_versions.sold_at
        end as _replaced_sold_at
    from latest
    left join stored_versions
        on
            latest.transaction_id = stored_versions.transaction_id
            and latest.line_no = stored_versions.line_no
)

select * from final
