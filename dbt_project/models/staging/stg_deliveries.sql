-- The ingestion's delivery log (ops.deliveries): which file, when it arrived, what became of it.
-- Staging models join it for the delivery path (the tie-break of arrival order) and processing time
-- (the incremental watermark).
-- delivery_id and processed_at say how the loads ran, not what was delivered: a replay from the archive
-- (or loads running in parallel) gives other values. They are lineage for staging; a mart shows a
-- delivery by its path and arrival time only, so that it rebuilds byte-identical after a replay.
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
