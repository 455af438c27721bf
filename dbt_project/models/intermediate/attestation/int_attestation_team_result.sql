with attestable as (
    {{ attestation_attestable() }}
),

store_results as (
    select * from {{ ref('int_attestation_store_results') }}
),

final as (
    select
        attestable.period_type,
        attestable.period_label,
        attestable.employee_code,
        'team_result'::text as component,
        (coalesce(store_results.service_visits, 0) + coalesce(store_results.responses, 0))::numeric
            as n_observations,
        null::numeric as min_observations,
        coalesce(store_results.team_result_points is not null, false) as meets_minimum,
        store_results.team_result_points as raw_value,
        null::numeric as prior_value,
        null::text as prior_source,
        null::numeric as prior_strength,
        null::numeric as shrunk_value,
        store_results.team_result_points as points,
        jsonb_build_object(
            'store_code', attestable.primary_store_code,
            'service_visits', coalesce(store_results.service_visits, 0),
            'service_score_mean_pct', {{ attestation_detail('store_results.service_score_mean_pct') }},
            'meets_visit_minimum', coalesce(store_results.meets_visit_minimum, false),
            'min_visits', store_results.team_result_min_visits,
            'responses', coalesce(store_results.responses, 0),
            'customer_points', {{ attestation_detail('store_results.customer_points') }},
            'meets_response_minimum', coalesce(store_results.meets_response_minimum, false),
            'min_responses', store_results.team_result_min_responses
        ) as details,
        'store visits and responses'::text as observation_unit,
        attestable.primary_store_code as store_code,
        store_results.service_visits as store_service_visits,
        store_results.service_score_mean_pct as store_service_score_mean_pct,
        store_results.responses as store_responses,
        store_results.customer_points as store_customer_points,
        store_results.meets_visit_minimum,
        store_results.meets_response_minimum
    from attestable
    left join store_results
        on
            attestable.period_type = store_results.period_type
            and attestable.period_label = store_results.period_label
            and attestable.primary_store_code = store_results.store_code
)

select * from final
