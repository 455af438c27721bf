with deliveries as (
    select * from {{ source('ops', 'deliveries') }}
),

final as (
    select
        delivery_id,
        source,
        path,
        content_sha256,
        size_bytes,
        arrived_at,
        status,
        duplicate_of,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rejection_reason,
        rejection_column,
        array_to_string(extra_columns, ', ') as extra_columns,
        processed_at
    from deliveries
)

select * from final
