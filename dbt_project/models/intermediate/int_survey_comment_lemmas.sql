-- Content lemmas of the comment of each survey response (latest version, store known), by store and month.
with responses as (
    select * from {{ ref('int_survey_responses') }}
),

versions as (
    select * from {{ ref('stg_surveys') }}
),

lemmas as (
    select * from {{ ref('stg_survey_comment_lemmas') }}
),

final as (
    select
        responses.response_id,
        responses.store_code,
        date_trunc('month', responses.response_date)::date as month_start,
        lemmas.lemma,
        lemmas.occurrences
    from responses
    inner join versions
        on responses.response_id = versions.response_id
    inner join lemmas
        on
            versions._delivery_id = lemmas._delivery_id
            and versions._row_number = lemmas._row_number
)

select * from final
