-- A table, not a view like the other staging models: several models and tests read it in every run,
-- and each read of a view would sort every version ever delivered again (the cost grows with history).
-- Analyzed once built: the models after it in the same run are planned with its statistics.
{{ config(materialized='table', post_hook='analyze {{ this }}') }}

with latest as (
    {{ latest_version(source('raw', 'surveys'), ['response_id']) }}
),

stores as (
    select * from {{ ref('stg_stores') }}
),

final as (
    select
        latest.response_id,
        latest.store_code,
        latest.employee_code,
        latest.transaction_id,
        latest.channel,
        latest.visited_at,
        latest.submitted_at,
        {{ local_date('latest.visited_at', 'stores.timezone') }} as response_date,
        latest.nps::integer as nps,
        latest.csat::integer as csat,
        latest.ces::integer as ces,
        latest.language,
        latest.comment is not null as has_comment,
        stores.store_code is not null as is_store_known,
        latest._delivery_id,
        latest._row_number,
        latest._arrived_at
    from latest
    left join stores
        on latest.store_code = stores.store_code
)

select * from final
