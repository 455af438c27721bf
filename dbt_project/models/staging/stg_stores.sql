with latest as (
    {{ latest_version(source('raw', 'stores'), ['store_code']) }}
),

final as (
    select
        store_code,
        store_name,
        region,
        city,
        format,
        timezone,
        opened_on,
        closed_on,
        _delivery_id,
        _arrived_at
    from latest
)

select * from final
