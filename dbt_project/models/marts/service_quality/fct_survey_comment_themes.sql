-- One row per survey response and theme found in its comment, with the words that put it there and the
-- comment as scrubbed (personal data masked).
with mentions as (
    select * from {{ ref('int_survey_comment_themes') }}
),

comments as (
    select * from {{ ref('stg_survey_comments') }}
),

themes as (
    select * from {{ ref('themes') }}
),

final as (
    select
        mentions.response_id,
        mentions.theme_code,
        themes.name_ru as theme_name_ru,
        themes.name_en as theme_name_en,
        mentions.store_code,
        mentions.response_date,
        date_trunc('month', mentions.response_date)::date as month_start,
        mentions.language,
        mentions.polarity,
        mentions.matched_words,
        mentions.cue_words,
        mentions.nps,
        mentions.is_promoter,
        mentions.is_detractor,
        comments.scrubbed_comment
    from mentions
    inner join themes
        on mentions.theme_code = themes.theme_code
    left join comments
        on mentions.response_id = comments.response_id
)

select * from final
