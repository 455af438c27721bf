-- The store roster: the latest version of every store ever delivered (a store missing from a newer
-- snapshot keeps its last version).
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
