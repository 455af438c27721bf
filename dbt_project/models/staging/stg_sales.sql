{#
    Latest version of each receipt line (transaction_id, line_no). Incremental, because sales are
    where the volume lives: a run reads only the deliveries it has not taken in yet (macros/delivery_watermark.sql),
    compares their versions with the stored ones of the same keys, and keeps the later in arrival
    order; rows it writes carry _staged_at, which the store-day aggregates use as their watermark. A correction that moves a line to another store or time records where the line
    was before (_replaced_store_code, _replaced_sold_at), so the store-day aggregates rebuild both days.
#}
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
        source = 'sales'
        and status = 'loaded'
        and {{ delivery_not_taken_in() }}
),

new_versions as (
    select
        sales.transaction_id,
        sales.line_no,
        sales.store_code,
        sales.employee_code,
        sales.sold_at,
        sales.sku,
        sales.brand,
        sales.category,
        sales.quantity,
        sales.unit_price,
        sales.discount_amount,
        sales.line_amount,
        sales._delivery_id,
        sales._row_number,
        sales._arrived_at,
        new_deliveries.path as _delivery_path,
        new_deliveries.processed_at as _processed_at,
        {{ staged_at() }} as _staged_at
    from {{ source('raw', 'sales') }} as sales
    inner join new_deliveries
        on sales._delivery_id = new_deliveries.delivery_id
),

{% if is_incremental() %}
    new_keys as (
        select distinct
            transaction_id,
            line_no
        from new_versions
    ),

    stored_versions as (
        select
            stored.transaction_id,
            stored.line_no,
            stored.store_code,
            stored.employee_code,
            stored.sold_at,
            stored.sku,
            stored.brand,
            stored.category,
            stored.quantity,
            stored.unit_price,
            stored.discount_amount,
            stored.line_amount,
            stored._delivery_id,
            stored._row_number,
            stored._arrived_at,
            stored._delivery_path,
            stored._processed_at,
            stored._staged_at
        from {{ this }} as stored
        inner join new_keys
            on
                stored.transaction_id = new_keys.transaction_id
                and stored.line_no = new_keys.line_no
    ),
{% else %}
    stored_versions as (
        -- a full build has nothing stored yet
        select * from new_versions
        where false
    ),
{% endif %}

candidates as (
    select * from new_versions
    union all
    select * from stored_versions
),

latest as (
    select distinct on (transaction_id, line_no) *
    from candidates
    order by transaction_id asc, line_no asc, _arrived_at desc, _delivery_path desc, _row_number desc
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
