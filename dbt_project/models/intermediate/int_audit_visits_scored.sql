-- Analyzed once built, like int_audit_answers_scored: the marts after it join the two.
{{
    config(
        indexes=[{'columns': ['visit_id'], 'unique': True}, {'columns': ['store_code', 'visit_date']}],
        post_hook='analyze {{ this }}',
    )
}}

with visits as (
    select * from {{ ref('stg_audit_visits') }}
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

assigned_days as (
    select * from {{ ref('int_employee_days_assigned') }}
),

employees as (
    select * from {{ ref('stg_employees') }}
),

known_visits as (
    select * from visits
    where is_store_known
),

badge_matches as (
    select
        known_visits.visit_id,
        min(assigned_days.employee_code) as employee_code,
        count(distinct assigned_days.employee_code) as matching_employees
    from known_visits
    inner join assigned_days
        on
            known_visits.store_code = assigned_days.store_code
            and known_visits.visit_date = assigned_days.local_date
    inner join employees
        on assigned_days.employee_code = employees.employee_code
    where
        known_visits.employee_code is null
        and known_visits.employee_badge_name_folded = employees.badge_name_folded
    group by known_visits.visit_id
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
        coalesce(bool_or(is_critical_failure), false) as has_critical_failure
    from answers
    group by visit_id
),

final as (
    select
        known_visits.visit_id,
        known_visits.store_code,
        coalesce(
            known_visits.employee_code,
            case when badge_matches.matching_employees = 1 then badge_matches.employee_code end
        ) as employee_code,
        case
            when known_visits.employee_code is not null then 'employee_code'
            when badge_matches.matching_employees = 1 then 'badge_name'
            else 'none'
        end as attribution_method,
        coalesce(badge_matches.matching_employees, 0) as badge_name_matches,
        known_visits.employee_badge_name,
        known_visits.visit_date,
        known_visits.visited_at,
        known_visits.agency,
        known_visits.scenario,
        known_visits.brand,
        known_visits.checklist_version,
        known_visits.status,
        known_visits.is_validated,
        coalesce(answer_counts.answered_questions, 0) as answered_questions,
        visit_scores.visit_score_pct,
        visit_scores.product_knowledge_pct,
        coalesce(answer_counts.has_critical_failure, false) as has_critical_failure,
        known_visits.is_validated and visit_scores.visit_score_pct is not null as is_counted
    from known_visits
    left join badge_matches
        on known_visits.visit_id = badge_matches.visit_id
    left join visit_scores
        on known_visits.visit_id = visit_scores.visit_id
    left join answer_counts
        on known_visits.visit_id = answer_counts.visit_id
)

select * from final
