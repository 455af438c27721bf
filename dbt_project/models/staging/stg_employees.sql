with latest as (
    {{ latest_version(source('raw', 'employees'), ['employee_code']) }}
),

final as (
    select
        employee_code,
        full_name,
        badge_name,
        {{ casefold('badge_name') }} as badge_name_folded,
        hired_on,
        terminated_on,
        is_customer_facing,
        _delivery_id,
        _arrived_at
    from latest
)

select * from final
