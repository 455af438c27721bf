with section_days as (
    select * from {{ ref('fct_store_section_days') }}
),

final as (
    select
        store_code,
        date_trunc('month', business_date)::date as month_start,
        section_code,
        max(section_name) as section_name,
        max(section_weight) as section_weight,
        sum(visits) as visits,
        sum(section_pct_sum) as section_pct_sum,
        sum(earned_points) as earned_points,
        sum(possible_points) as possible_points,
        sum(section_pct_sum) / sum(visits) as section_pct
    from section_days
    group by store_code, date_trunc('month', business_date), section_code
)

select * from final
