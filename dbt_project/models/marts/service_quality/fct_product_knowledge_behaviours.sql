with visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

answers as (
    select * from {{ ref('int_audit_answers_scored') }}
),

checklist as (
    select * from {{ ref('audit_checklist') }}
),

aggregated as (
    select
        visits.brand,
        visits.store_code,
        date_trunc('month', visits.visit_date)::date as month_start,
        answers.question_code,
        count(*) as visits_answered,
        count(*) filter (where answers.is_behaviour_observed) as visits_observed
    from answers
    inner join visits
        on answers.visit_id = visits.visit_id
    where
        visits.is_counted
        and visits.scenario = 'product_knowledge'
        and visits.product_knowledge_pct is not null
        and answers.section_code = 'product_knowledge'
        and answers.is_answered
    group by visits.brand, visits.store_code, date_trunc('month', visits.visit_date), answers.question_code
),

question_texts as (
    select
        question_code,
        max(question_text) as question_text
    from checklist
    where section_code = 'product_knowledge'
    group by question_code
),

final as (
    select
        aggregated.brand,
        aggregated.store_code,
        aggregated.month_start,
        aggregated.question_code,
        question_texts.question_text,
        aggregated.visits_answered,
        aggregated.visits_observed,
        {{ pct('aggregated.visits_observed', 'aggregated.visits_answered') }} as observed_share_pct
    from aggregated
    left join question_texts
        on aggregated.question_code = question_texts.question_code
)

select * from final
