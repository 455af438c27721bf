with thresholds as (
    select * from {{ ref('attestation_thresholds') }}
),

current_version as (
    select *
    from thresholds
    where methodology_version::text = {{ attestation_methodology_version() }}
),

final as (
    select
        {{ attestation_methodology_version() }} as methodology_version,
        period_type,
        max(value) filter (where parameter = 'min_assigned_days') as min_assigned_days,
        max(value) filter (where parameter = 'service_audit_min_visits') as service_audit_min_visits,
        max(value) filter (
            where parameter = 'service_audit_prior_strength'
        ) as service_audit_prior_strength,
        max(value) filter (
            where parameter = 'customer_feedback_min_responses'
        ) as customer_feedback_min_responses,
        max(value) filter (
            where parameter = 'customer_feedback_prior_strength'
        ) as customer_feedback_prior_strength,
        max(value) filter (
            where parameter = 'product_knowledge_min_visits'
        ) as product_knowledge_min_visits,
        max(value) filter (
            where parameter = 'product_knowledge_prior_strength'
        ) as product_knowledge_prior_strength,
        max(value) filter (
            where parameter = 'sales_productivity_min_hours'
        ) as sales_productivity_min_hours,
        max(value) filter (where parameter = 'team_result_min_visits') as team_result_min_visits,
        max(value) filter (where parameter = 'team_result_min_responses') as team_result_min_responses,
        max(value) filter (where parameter = 'award_store_min_attested') as award_store_min_attested,
        max(value) filter (where parameter = 'award_top_n') as award_top_n,
        max(value) filter (where parameter = 'award_brand_min_visits') as award_brand_min_visits
    from current_version
    group by period_type
)

select * from final
