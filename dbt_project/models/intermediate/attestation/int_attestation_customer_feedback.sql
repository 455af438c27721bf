with attestable as (
    {{ attestation_attestable() }}
),

responses as (
    select * from {{ ref('int_survey_responses') }}
),

store_results as (
    select * from {{ ref('int_attestation_store_results') }}
),

parameters as (
    select * from {{ ref('int_attestation_parameters') }}
),

attributed_responses as (
    select
        employee_code,
        response_date,
        nps,
        csat
    from responses
    where employee_code is not null
),

observed as (
    select
        attestable.period_type,
        attestable.period_label,
        attestable.employee_code,
        attestable.primary_store_code,
        count(attributed_responses.response_date) as responses,
        count(attributed_responses.nps) as nps_n,
        count(*) filter (where attributed_responses.nps >= 9) as promoters,
        count(*) filter (where attributed_responses.nps <= 6) as detractors,
        count(attributed_responses.csat) as csat_n,
        count(*) filter (where attributed_responses.csat >= 4) as csat_top2
    from attestable
    left join attributed_responses
        on
            attestable.employee_code = attributed_responses.employee_code
            and attributed_responses.response_date between attestable.period_start and attestable.period_end
    group by
        attestable.period_type,
        attestable.period_label,
        attestable.employee_code,
        attestable.primary_store_code
),

with_prior as (
    select
        observed.*,
        parameters.customer_feedback_prior_strength as prior_strength,
        parameters.customer_feedback_min_responses as min_observations,
        case
            when store_results.csat_n > 0 then 1.0 * store_results.csat_top2 / store_results.csat_n
            else 1.0 * store_results.chain_csat_top2 / nullif(store_results.chain_csat_n, 0)
        end as prior_top2_share,
        case
            when store_results.nps_n > 0 then 1.0 * store_results.promoters / store_results.nps_n
            else 1.0 * store_results.chain_promoters / nullif(store_results.chain_nps_n, 0)
        end as prior_promoter_share,
        case
            when store_results.nps_n > 0 then 1.0 * store_results.detractors / store_results.nps_n
            else 1.0 * store_results.chain_detractors / nullif(store_results.chain_nps_n, 0)
        end as prior_detractor_share,
        case
            when store_results.csat_n > 0 and store_results.nps_n > 0 then 'store'
            when store_results.csat_n > 0 or store_results.nps_n > 0 then 'store and chain'
            else 'chain'
        end as prior_source
    from observed
    left join store_results
        on
            observed.period_type = store_results.period_type
            and observed.period_label = store_results.period_label
            and observed.primary_store_code = store_results.store_code
    left join parameters
        on observed.period_type = parameters.period_type
),

rates as (
    select
        *,
        {{ pct('csat_top2', 'csat_n') }} as raw_csat_pct,
        {{ nps('promoters', 'detractors', 'nps_n') }} as raw_nps,
        case
            when csat_n > 0
                then 100.0 * (csat_top2 + prior_strength * prior_top2_share) / (csat_n + prior_strength)
        end as shrunk_csat_pct,
        case
            when nps_n > 0
                then
                    100.0 * (
                        (promoters + prior_strength * prior_promoter_share) / (nps_n + prior_strength)
                        - (detractors + prior_strength * prior_detractor_share) / (nps_n + prior_strength)
                    )
        end as shrunk_nps,
        {{ attestation_customer_points(
            '100.0 * prior_top2_share',
            '100.0 * (prior_promoter_share - prior_detractor_share)'
        ) }} as prior_value
    from with_prior
),

scored as (
    select
        *,
        {{ attestation_customer_points('raw_csat_pct', 'raw_nps') }} as raw_value,
        {{ attestation_customer_points('shrunk_csat_pct', 'shrunk_nps') }} as shrunk_value
    from rates
),

final as (
    select
        period_type,
        period_label,
        employee_code,
        'customer_feedback'::text as component,
        responses::numeric as n_observations,
        min_observations,
        responses >= min_observations and shrunk_value is not null as meets_minimum,
        trim_scale(raw_value) as raw_value,
        trim_scale(prior_value) as prior_value,
        prior_source,
        prior_strength,
        trim_scale(shrunk_value) as shrunk_value,
        trim_scale(shrunk_value) as points,
        jsonb_build_object(
            'csat_pct', {{ attestation_detail('raw_csat_pct') }},
            'nps', {{ attestation_detail('raw_nps') }},
            'adjusted_csat_pct', {{ attestation_detail('shrunk_csat_pct') }},
            'adjusted_nps', {{ attestation_detail('shrunk_nps') }}
        ) as details,
        'responses'::text as observation_unit,
        nps_n,
        promoters,
        detractors,
        csat_n,
        csat_top2,
        trim_scale(raw_csat_pct) as raw_csat_pct,
        trim_scale(raw_nps) as raw_nps,
        trim_scale(shrunk_csat_pct) as shrunk_csat_pct,
        trim_scale(shrunk_nps) as shrunk_nps
    from scored
)

select * from final
