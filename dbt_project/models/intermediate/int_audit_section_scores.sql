with answers as (
    select * from {{ ref('int_audit_answers_scored') }}
),

final as (
    select
        visit_id,
        section_code,
        sum(earned_points) as earned_points,
        sum(possible_points) as possible_points,
        count(*) filter (where is_answered) as answered_questions,
        count(*) as questions,
        {{ pct('sum(earned_points)', 'sum(possible_points)') }} as section_pct
    from answers
    group by visit_id, section_code
)

select * from final
