with latest as (
    {{ latest_version(source('raw', 'audit_answers'), ['visit_id', 'question_code']) }}
),

final as (
    select
        visit_id,
        question_code,
        lower(trim(answer)) as answer,
        _delivery_id,
        _arrived_at
    from latest
)

select * from final
