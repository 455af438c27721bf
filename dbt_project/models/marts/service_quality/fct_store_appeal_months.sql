with appeals as (
    select * from {{ ref('int_appeals_assessed') }}
),

stores as (
    select * from {{ ref('stg_stores') }}
),

final as (
    select
        appeals.store_code,
        date_trunc('month', appeals.visit_date)::date as month_start,
        count(*) as filed,
        count(*) filter (where appeals.is_admissible) as admissible,
        count(*) filter (where appeals.outcome = 'upheld') as upheld,
        count(*) filter (where appeals.outcome = 'overturned') as overturned,
        count(*) filter (where appeals.outcome = 'open') as open,
        count(*) filter (where appeals.open_past_due) as open_past_due,
        count(*) filter (where appeals.outcome = 'overturned')::numeric
        / nullif(count(*) filter (where appeals.outcome in ('upheld', 'overturned')), 0) as overturn_rate
    from appeals
    inner join stores
        on appeals.store_code = stores.store_code
    group by appeals.store_code, date_trunc('month', appeals.visit_date)::date
)

select * from final
