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
