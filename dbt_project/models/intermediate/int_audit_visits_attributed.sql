-- Analyzed once built: int_appeals_assessed and int_audit_visits_scored join it with their inputs in the same run.
{{
    config(
        indexes=[{'columns': ['visit_id'], 'unique': True}],
        post_hook='analyze {{ this }}',
    )
}}

with visits as (
    select * from {{ ref('stg_audit_visits') }}
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
        known_visits.shopper_code,
        known_visits.scenario,
        known_visits.brand,
        known_visits.checklist_version,
        known_visits.status,
        known_visits.is_validated
    from known_visits
    left join badge_matches
        on known_visits.visit_id = badge_matches.visit_id
)

select * from final
