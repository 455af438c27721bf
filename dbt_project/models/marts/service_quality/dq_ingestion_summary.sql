with deliveries as (
    select * from {{ ref('stg_deliveries') }}
),

totals as (
    select
        source,
        status,
        count(*) as deliveries,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined,
        min(arrived_at) as first_arrived_at,
        max(arrived_at) as last_arrived_at
    from deliveries
    group by source, status
),

latest_delivery as (
    select distinct on (source, status)
        source,
        status,
        path as last_path
    from deliveries
    order by source asc, status asc, arrived_at desc, path desc
),

latest_rejection as (
    select distinct on (source, status)
        source,
        status,
        rejection_reason as last_rejection_reason,
        rejection_column as last_rejection_column
    from deliveries
    where rejection_reason is not null
    order by source asc, status asc, arrived_at desc, path desc
),

final as (
    select
        totals.source,
        totals.status,
        totals.deliveries,
        totals.rows_read,
        totals.rows_loaded,
        totals.rows_quarantined,
        totals.first_arrived_at,
        totals.last_arrived_at,
        latest_delivery.last_path,
        latest_rejection.last_rejection_reason,
        latest_rejection.last_rejection_column
    from totals
    inner join latest_delivery
        on
            totals.source = latest_delivery.source
            and totals.status = latest_delivery.status
    left join latest_rejection
        on
            totals.source = latest_rejection.source
            and totals.status = latest_rejection.status
)

select * from final
