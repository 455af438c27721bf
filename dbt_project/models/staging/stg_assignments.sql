with latest as (
    {{ latest_version(source('raw', 'assignments'), ['employee_code', 'valid_from']) }}
),

final as (
    select
        employee_code,
        valid_from,
        valid_to,
        store_code,
        role,
        fte,
        _delivery_id,
        _arrived_at
    from latest
)

select * from final
