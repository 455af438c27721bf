with sections as (
    select * from {{ ref('int_audit_section_scores') }}
),

visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

section_names as (
    select * from {{ ref('audit_sections') }}
),

aggregated as (
    select
        visits.store_code,
        visits.visit_date as business_date,
        sections.section_code,
        count(*) as visits,
        sum(sections.section_pct) as section_pct_sum,
        sum(sections.earned_points) as earned_points,
        sum(sections.possible_points) as possible_points
    from sections
    inner join visits
        on sections.visit_id = visits.visit_id
    where
        visits.is_counted
        and sections.possible_points > 0
    group by visits.store_code, visits.visit_date, sections.section_code
),

final as (
    select
        aggregated.store_code,
        aggregated.business_date,
        aggregated.section_code,
        section_names.section_name,
        section_names.weight as section_weight,
        aggregated.visits,
        aggregated.section_pct_sum,
        aggregated.earned_points,
        aggregated.possible_points,
        aggregated.section_pct_sum / aggregated.visits as section_pct
    from aggregated
    left join section_names
        on aggregated.section_code = section_names.section_code
)

select * from final
