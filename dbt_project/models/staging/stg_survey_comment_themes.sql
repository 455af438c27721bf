-- Every tagged response version's themes (all versions: the intermediate model keeps the latest).
with tagged as (
    select * from {{ source('raw', 'survey_comments_tagged') }}
),

themes as (
    select * from {{ source('raw', 'survey_comment_themes') }}
),

final as (
    select
        themes.response_id,
        themes._delivery_id,
        themes._row_number,
        themes.theme_code,
        themes.polarity,
        array_to_string(themes.matched_words, ' ') as matched_words,
        array_to_string(themes.cue_words, ' ') as cue_words,
        tagged.language as detected_language,
        tagged.lexicon_checksum
    from themes
    inner join tagged
        on
            themes._delivery_id = tagged._delivery_id
            and themes._row_number = tagged._row_number
)

select * from final
