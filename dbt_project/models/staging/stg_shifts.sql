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
