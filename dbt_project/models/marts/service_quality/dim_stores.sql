with stores as (
    select * from {{ ref('stg_stores') }}
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
        closed_on is null as is_open
    from stores
)

select * from final
