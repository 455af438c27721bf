-- A table, not a view like the other staging models: several models and tests read it in every run,
-- and each read of a view would sort every version ever delivered again (the cost grows with history).
-- Analyzed once built: the models after it in the same run are planned with its statistics.
{{ config(materialized='table', post_hook='analyze {{ this }}') }}

with latest as (
    {{ latest_version(source('raw', 'shifts'), ['employee_code', 'work_date']) }}
),

final as (
    select
        employee_code,
        work_date,
        store_code,
        hours_worked,
        _delivery_id,
        _arrived_at
    from latest
)

select * from final
