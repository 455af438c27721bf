-- Content lemmas of every tagged response version (all versions: the intermediate model keeps the latest).
with lemmas as (
    select * from {{ source('raw', 'survey_comment_lemmas') }}
),

final as (
    select
        response_id,
        _delivery_id,
        _row_number,
        lemma,
        occurrences
    from lemmas
)

select * from final
