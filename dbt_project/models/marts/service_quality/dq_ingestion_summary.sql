-- Per source and delivery status: deliveries, rows read, loaded and quarantined, and the latest
-- arrival, from ops.deliveries; the last rejection reason shows what to fix.
with deliveries as (
    select * from {{ source('ops', 'deliveries') }}
),

final as (
    select
        source,
        status,
        count(*) as deliveries,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined,
        min(arrived_at) as first_arrived_at,
        max(arrived_at) as last_arrived_at,
        max(processed_at) as last_processed_at,
        (array_agg(path order by arrived_at desc, path desc))[1] as last_path,
        (array_agg(rejection_reason order by arrived_at desc, path desc)
            filter (where rejection_reason is not null))[1] as last_rejection_reason,
        (array_agg(rejection_column order by arrived_at desc, path desc)
            filter (where rejection_reason is not null))[1] as last_rejection_column
    from deliveries
    group by source, status
)

select * from final
