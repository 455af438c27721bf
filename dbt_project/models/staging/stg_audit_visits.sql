-- A table, not a view like the other staging models: several models and tests read it in every run,
-- and each read of a view would sort every version ever delivered again (the cost grows with history).
-- Analyzed once built: the models after it in the same run are planned with its statistics.
{{ config(materialized='table', post_hook='analyze {{ this }}') }}

with latest as (
    {{ latest_version(source('raw', 'audit_visits'), ['visit_id']) }}
),

stores as (
    select * from {{ ref('stg_stores') }}
),

final as (
    select
        latest.visit_id,
        latest.store_code,
        latest.employee_code,
        latest.employee_badge_name,
        {{ casefold('latest.employee_badge_name') }} as employee_badge_name_folded,
        latest.agency,
        latest.shopper_code,
        latest.visited_at,
        {{ local_date('latest.visited_at', 'stores.timezone') }} as visit_date,
        latest.scenario,
        latest.brand,
        latest.checklist_version,
        latest.status,
        latest.status = 'validated' as is_validated,
        stores.store_code is not null as is_store_known,
        latest._delivery_id,
        latest._arrived_at
    from latest
    left join stores
        on latest.store_code = stores.store_code
)

select * from final
