{#
    Survey responses that count: the latest version of each response whose store is known.
    response_date is the store's local date of visited_at (when the service happened).
    Attribution (ATTESTATION_METHOD.md 2): the response belongs to employee_code when given.
#}
{{ config(indexes=[{'columns': ['response_id'], 'unique': True}]) }}

with responses as (
    select * from {{ ref('stg_surveys') }}
),

final as (
    select
        response_id,
        store_code,
        employee_code,
        response_date,
        visited_at,
        channel,
        nps,
        csat,
        ces,
        nps >= 9 as is_promoter,
        nps between 7 and 8 as is_passive,
        nps <= 6 as is_detractor,
        csat >= 4 as is_csat_top2
    from responses
    where is_store_known
)

select * from final
