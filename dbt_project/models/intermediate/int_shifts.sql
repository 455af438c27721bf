{#
    Hours worked per employee and work date (latest version), at a known store. work_date is
    already the store's local date as delivered.
#}
with shifts as (
    select * from {{ ref('stg_shifts') }}
),

stores as (
    select * from {{ ref('stg_stores') }}
),

final as (
    select
        shifts.employee_code,
        shifts.work_date,
        shifts.store_code,
        shifts.hours_worked
    from shifts
    inner join stores
        on shifts.store_code = stores.store_code
)

select * from final
