-- The comment of the latest version of each survey response, as stored (scrubbed by the loader, and again
-- here), for the theme marts' examples. Only responses with a non-empty comment.
with responses as (
    select * from {{ ref('stg_surveys') }}
),

versions as (
    select * from {{ source('raw', 'surveys') }}
),

final as (
    select
        responses.response_id,
        responses._delivery_id,
        responses._row_number,
        {{ scrub_text('versions.comment') }} as scrubbed_comment
    from responses
    inner join versions
        on
            responses._delivery_id = versions._delivery_id
            and responses._row_number = versions._row_number
    where btrim(coalesce(versions.comment, '')) <> ''
)

select * from final
