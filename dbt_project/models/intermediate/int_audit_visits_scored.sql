-- Analyzed once built, like int_audit_answers_scored: the marts after it join the two.
{{
    config(
        indexes=[{'columns': ['visit_id'], 'unique': True}, {'columns': ['store_code', 'visit_date']}],
        post_hook='analyze {{ this }}',
    )
}}

with visits as (
    select * from {{ ref('int_audit_visits_attributed') }}
),

sections as (
    select * from {{ ref('int_audit_section_scores') }}
),

section_weights as (
    select * from {{ ref('audit_sections') }}
),

answers as (
    select * from {{ ref('int_audit_answers_scored') }}
),

appeals as (
    select * from {{ ref('int_appeals_assessed') }}
),

-- ATTESTATION_METHOD.md §8, per visit: a whole-visit appeal overturned for wrong_employee re-attributes
-- the visit (to corrected_employee_code when it is a known employee, else to nobody); any other
-- overturned whole-visit appeal rejects it. int_appeals_assessed already lets a rejection win.
visit_effects as (
    select
        visit_id,
        bool_or(effect = 'rejected') as is_rejected_by_appeal,
        bool_or(effect = 'reattributed') as is_reattributed_by_appeal,
        max(reattributed_employee_code) filter (where effect = 'reattributed') as reattributed_employee_code
    from appeals
    where effect in ('rejected', 'reattributed')
    group by visit_id
),

visit_scores as (
    select
        sections.visit_id,
        sum(sections.section_pct * section_weights.weight)
        / nullif(sum(section_weights.weight), 0) as visit_score_pct,
        max(sections.section_pct) filter (
            where sections.section_code = 'product_knowledge'
        ) as product_knowledge_pct
    from sections
    inner join section_weights
        on sections.section_code = section_weights.section_code
    where sections.possible_points > 0
    group by sections.visit_id
),

answer_counts as (
    select
        visit_id,
        count(*) filter (where is_answered) as answered_questions,
        count(*) filter (where is_corrected_by_appeal) as corrected_answers,
        coalesce(bool_or(is_critical_failure), false) as has_critical_failure
    from answers
    group by visit_id
),

final as (
    select
        visits.visit_id,
        visits.store_code,
        case
            when visit_effects.is_reattributed_by_appeal then visit_effects.reattributed_employee_code
            else visits.employee_code
        end as employee_code,
        case
            when visit_effects.is_reattributed_by_appeal then 'appeal'
            else visits.attribution_method
        end as attribution_method,
        visits.badge_name_matches,
        visits.employee_code as delivered_employee_code,
        visits.employee_badge_name,
        visits.visit_date,
        visits.visited_at,
        visits.agency,
        visits.shopper_code,
        visits.scenario,
        visits.brand,
        visits.checklist_version,
        case when visit_effects.is_rejected_by_appeal then 'rejected' else visits.status end as status,
        visits.status as delivered_status,
        visits.is_validated and not coalesce(visit_effects.is_rejected_by_appeal, false) as is_validated,
        case
            when visit_effects.is_rejected_by_appeal then 'rejected'
            when visit_effects.is_reattributed_by_appeal then 'reattributed'
            else 'none'
        end as appeal_effect,
        coalesce(answer_counts.corrected_answers, 0) as corrected_answers,
        coalesce(answer_counts.answered_questions, 0) as answered_questions,
        visit_scores.visit_score_pct,
        visit_scores.product_knowledge_pct,
        coalesce(answer_counts.has_critical_failure, false) as has_critical_failure,
        visits.is_validated
        and not coalesce(visit_effects.is_rejected_by_appeal, false)
        and visit_scores.visit_score_pct is not null as is_counted
    from visits
    left join visit_effects
        on visits.visit_id = visit_effects.visit_id
    left join visit_scores
        on visits.visit_id = visit_scores.visit_id
    left join answer_counts
        on visits.visit_id = answer_counts.visit_id
)

select * from final
