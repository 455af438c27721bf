with scorecards as (
    select * from {{ ref('scorecards') }}
),

store_results as (
    select * from {{ ref('int_attestation_store_results') }}
),

visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

periods as (
    select * from {{ ref('int_attestation_periods') }}
),

parameters as (
    select * from {{ ref('int_attestation_parameters') }}
),

grade_bands as (
    select * from {{ ref('grade_bands') }}
),

award_grades as (
    select grade
    from grade_bands
    where
        methodology_version::text = {{ attestation_methodology_version() }}
        and is_award_eligible
),

store_counts as (
    select
        period_type,
        period_label,
        store_code,
        count(*) filter (where status = 'attested') as store_attested
    from scorecards
    group by period_type, period_label, store_code
),

candidates as (
    select
        scorecards.*,
        store_counts.store_attested,
        parameters.award_store_min_attested,
        parameters.award_top_n
    from scorecards
    inner join store_counts
        on
            scorecards.period_type = store_counts.period_type
            and scorecards.period_label = store_counts.period_label
            and scorecards.store_code = store_counts.store_code
    inner join parameters
        on scorecards.period_type = parameters.period_type
    where
        scorecards.status = 'attested'
        and scorecards.grade in (select award_grades.grade from award_grades)
        and not scorecards.has_critical_failure
),

service_ranked as (
    select
        *,
        row_number() over (
            partition by period_type, period_label, store_code
            order by
                total_points desc,
                individual_observations desc,
                service_audit_points desc nulls last,
                employee_code asc
        ) as store_rank,
        row_number() over (
            partition by period_type, period_label, region
            order by
                total_points desc,
                individual_observations desc,
                service_audit_points desc nulls last,
                employee_code asc
        ) as region_rank,
        row_number() over (
            partition by period_type, period_label
            order by
                total_points desc,
                individual_observations desc,
                service_audit_points desc nulls last,
                employee_code asc
        ) as chain_rank
    from candidates
),

best_service as (
    select
        period_type,
        period_label,
        'best_service_store' as award,
        'store' as scope,
        store_code as scope_code,
        store_rank as award_rank,
        employee_code,
        full_name,
        store_code,
        null::text as brand,
        total_points as score,
        individual_observations as n_observations
    from service_ranked
    where store_rank = 1 and store_attested >= award_store_min_attested

    union all

    select
        period_type,
        period_label,
        'best_service_region' as award,
        'region' as scope,
        region as scope_code,
        region_rank as award_rank,
        employee_code,
        full_name,
        store_code,
        null::text as brand,
        total_points as score,
        individual_observations as n_observations
    from service_ranked
    where region_rank <= award_top_n

    union all

    select
        period_type,
        period_label,
        'best_service_chain' as award,
        'chain' as scope,
        'chain' as scope_code,
        chain_rank as award_rank,
        employee_code,
        full_name,
        store_code,
        null::text as brand,
        total_points as score,
        individual_observations as n_observations
    from service_ranked
    where chain_rank <= award_top_n
),

store_candidates as (
    select
        *,
        row_number() over (
            partition by period_type, period_label, region
            order by team_result_points desc, service_visits desc, store_code asc
        ) as region_rank
    from store_results
    where meets_visit_minimum and team_result_points is not null
),

best_store as (
    select
        period_type,
        period_label,
        'best_store_region' as award,
        'region' as scope,
        region as scope_code,
        region_rank as award_rank,
        null::text as employee_code,
        null::text as full_name,
        store_code,
        null::text as brand,
        team_result_points as score,
        (service_visits + responses)::numeric as n_observations
    from store_candidates
    where region_rank = 1
),

brand_visits as (
    select
        periods.period_type,
        periods.period_label,
        visits.brand,
        visits.store_code,
        count(*) as brand_visits,
        avg(visits.product_knowledge_pct::numeric) as product_knowledge_mean_pct
    from visits
    inner join periods
        on visits.visit_date between periods.period_start and periods.period_end
    where
        visits.is_validated
        and visits.scenario = 'product_knowledge'
        and visits.product_knowledge_pct is not null
        and visits.brand is not null
    group by periods.period_type, periods.period_label, visits.brand, visits.store_code
),

brand_ranked as (
    select
        brand_visits.*,
        row_number() over (
            partition by brand_visits.period_type, brand_visits.period_label, brand_visits.brand
            order by
                brand_visits.product_knowledge_mean_pct desc,
                brand_visits.brand_visits desc,
                brand_visits.store_code asc
        ) as brand_rank
    from brand_visits
    inner join parameters
        on brand_visits.period_type = parameters.period_type
    where brand_visits.brand_visits >= parameters.award_brand_min_visits
),

best_brand as (
    select
        period_type,
        period_label,
        'best_brand_representation' as award,
        'chain' as scope,
        brand as scope_code,
        brand_rank as award_rank,
        null::text as employee_code,
        null::text as full_name,
        store_code,
        brand,
        product_knowledge_mean_pct as score,
        brand_visits::numeric as n_observations
    from brand_ranked
    where brand_rank = 1
),

unioned as (
    select * from best_service
    union all
    select * from best_store
    union all
    select * from best_brand
),

final as (
    select
        period_type,
        period_label,
        award,
        scope,
        scope_code,
        award_rank as rank,
        employee_code,
        full_name,
        store_code,
        brand,
        score,
        n_observations,
        {{ attestation_methodology_version() }} as methodology_version
    from unioned
)

select * from final
