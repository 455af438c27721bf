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
