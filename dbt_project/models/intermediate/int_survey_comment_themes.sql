-- One row per survey response (latest version, store known) and theme found in its comment.
with responses as (
    select * from {{ ref('int_survey_responses') }}
),

versions as (
    select * from {{ ref('stg_surveys') }}
),

themes as (
    select * from {{ ref('stg_survey_comment_themes') }}
),

final as (
    select
        responses.response_id,
        themes.theme_code,
        responses.store_code,
        responses.response_date,
        themes.detected_language as language,
        themes.polarity,
        themes.matched_words,
        themes.cue_words,
        responses.nps,
        responses.is_promoter,
        responses.is_detractor
    from responses
    inner join versions
        on responses.response_id = versions.response_id
    inner join themes
        on
            versions._delivery_id = themes._delivery_id
            and versions._row_number = themes._row_number
)

select * from final
