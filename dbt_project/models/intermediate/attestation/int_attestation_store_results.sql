with stores as (
    select * from {{ ref('dim_stores') }}
),

periods as (
    select * from {{ ref('int_attestation_periods') }}
),

parameters as (
    select * from {{ ref('int_attestation_parameters') }}
),

visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

responses as (
    select * from {{ ref('int_survey_responses') }}
),

-- Each visit and response belongs to one quarter and one year, labelled from its local date
-- (equi-joins on the label stay fast with millions of responses).
counted_visits as (
    {% for period_type, label_format in [('quarter', 'YYYY"-Q"Q'), ('year', 'YYYY')] %}
        select
            '{{ period_type }}'::text as period_type,
            to_char(visit_date, '{{ label_format }}') as period_label,
            store_code,
            scenario,
            visit_score_pct::numeric as visit_score_pct,
            product_knowledge_pct::numeric as product_knowledge_pct
        from visits
        where is_validated
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

counted_responses as (
    {% for period_type, label_format in [('quarter', 'YYYY"-Q"Q'), ('year', 'YYYY')] %}
        select
            '{{ period_type }}'::text as period_type,
            to_char(response_date, '{{ label_format }}') as period_label,
            store_code,
            nps,
            csat
        from responses
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

store_visits as (
    select
        period_type,
        period_label,
        store_code,
        count(*) filter (
            where scenario = 'service' and visit_score_pct is not null
        ) as service_visits,
        avg(visit_score_pct) filter (
            where scenario = 'service'
        ) as service_score_mean_pct,
        count(*) filter (
            where scenario = 'product_knowledge' and product_knowledge_pct is not null
        ) as product_knowledge_visits,
        avg(product_knowledge_pct) filter (
            where scenario = 'product_knowledge'
        ) as product_knowledge_mean_pct
    from counted_visits
    group by period_type, period_label, store_code
),

chain_visits as (
    select
        period_type,
        period_label,
        count(*) filter (
            where scenario = 'service' and visit_score_pct is not null
        ) as chain_service_visits,
        avg(visit_score_pct) filter (
            where scenario = 'service'
        ) as chain_service_score_mean_pct,
        count(*) filter (
            where scenario = 'product_knowledge' and product_knowledge_pct is not null
        ) as chain_product_knowledge_visits,
        avg(product_knowledge_pct) filter (
            where scenario = 'product_knowledge'
        ) as chain_product_knowledge_mean_pct
    from counted_visits
    group by period_type, period_label
),

store_responses as (
    select
        period_type,
        period_label,
        store_code,
        count(*) as responses,
        count(nps) as nps_n,
        count(*) filter (where nps >= 9) as promoters,
        count(*) filter (where nps <= 6) as detractors,
        count(csat) as csat_n,
        count(*) filter (where csat >= 4) as csat_top2
    from counted_responses
    group by period_type, period_label, store_code
),

chain_responses as (
    select
        period_type,
        period_label,
        count(*) as chain_responses,
        count(nps) as chain_nps_n,
        count(*) filter (where nps >= 9) as chain_promoters,
        count(*) filter (where nps <= 6) as chain_detractors,
        count(csat) as chain_csat_n,
        count(*) filter (where csat >= 4) as chain_csat_top2
    from counted_responses
    group by period_type, period_label
),

store_periods as (
    select
        periods.period_type,
        periods.period_label,
        stores.store_code,
        stores.region,
        stores.format as store_format
    from periods
    cross join stores
),

joined as (
    select
        store_periods.period_type,
        store_periods.period_label,
        store_periods.store_code,
        store_periods.region,
        store_periods.store_format,
        store_visits.service_score_mean_pct,
        store_visits.product_knowledge_mean_pct,
        chain_visits.chain_service_score_mean_pct,
        chain_visits.chain_product_knowledge_mean_pct,
        parameters.team_result_min_visits,
        parameters.team_result_min_responses,
        coalesce(store_visits.service_visits, 0) as service_visits,
        coalesce(store_visits.product_knowledge_visits, 0) as product_knowledge_visits,
        coalesce(store_responses.responses, 0) as responses,
        coalesce(store_responses.nps_n, 0) as nps_n,
        coalesce(store_responses.promoters, 0) as promoters,
        coalesce(store_responses.detractors, 0) as detractors,
        coalesce(store_responses.csat_n, 0) as csat_n,
        coalesce(store_responses.csat_top2, 0) as csat_top2,
        coalesce(chain_visits.chain_service_visits, 0) as chain_service_visits,
        coalesce(chain_visits.chain_product_knowledge_visits, 0) as chain_product_knowledge_visits,
        coalesce(chain_responses.chain_responses, 0) as chain_responses,
        coalesce(chain_responses.chain_nps_n, 0) as chain_nps_n,
        coalesce(chain_responses.chain_promoters, 0) as chain_promoters,
        coalesce(chain_responses.chain_detractors, 0) as chain_detractors,
        coalesce(chain_responses.chain_csat_n, 0) as chain_csat_n,
        coalesce(chain_responses.chain_csat_top2, 0) as chain_csat_top2
    from store_periods
    left join store_visits
        on
            store_periods.period_type = store_visits.period_type
            and store_periods.period_label = store_visits.period_label
            and store_periods.store_code = store_visits.store_code
    left join store_responses
        on
            store_periods.period_type = store_responses.period_type
            and store_periods.period_label = store_responses.period_label
            and store_periods.store_code = store_responses.store_code
    left join chain_visits
        on
            store_periods.period_type = chain_visits.period_type
            and store_periods.period_label = chain_visits.period_label
    left join chain_responses
        on
            store_periods.period_type = chain_responses.period_type
            and store_periods.period_label = chain_responses.period_label
    left join parameters
        on store_periods.period_type = parameters.period_type
),

rates as (
    select
        *,
        {{ pct('csat_top2', 'csat_n') }} as csat_pct,
        {{ nps('promoters', 'detractors', 'nps_n') }} as nps
    from joined
),

halves as (
    select
        *,
        {{ attestation_customer_points('csat_pct', 'nps') }} as customer_points,
        service_visits >= team_result_min_visits as meets_visit_minimum,
        responses >= team_result_min_responses as meets_response_minimum
    from rates
),

team as (
    select
        *,
        (
            coalesce(case when meets_visit_minimum then service_score_mean_pct end, 0)
            + coalesce(case when meets_response_minimum then customer_points end, 0)
        )
        / nullif(
            (case when meets_visit_minimum and service_score_mean_pct is not null then 1 else 0 end)
            + (case when meets_response_minimum and customer_points is not null then 1 else 0 end),
            0
        ) as team_result_points
    from halves
),

-- trim_scale drops the trailing zeros numeric division leaves (85.0000000000000000 -> 85):
-- the same value, easier to read and to compare.
final as (
    select
        period_type,
        period_label,
        store_code,
        region,
        store_format,
        service_visits,
        trim_scale(service_score_mean_pct) as service_score_mean_pct,
        product_knowledge_visits,
        trim_scale(product_knowledge_mean_pct) as product_knowledge_mean_pct,
        responses,
        nps_n,
        promoters,
        detractors,
        csat_n,
        csat_top2,
        trim_scale(csat_pct) as csat_pct,
        trim_scale(nps) as nps,
        trim_scale(customer_points) as customer_points,
        meets_visit_minimum,
        meets_response_minimum,
        trim_scale(team_result_points) as team_result_points,
        team_result_min_visits,
        team_result_min_responses,
        chain_service_visits,
        trim_scale(chain_service_score_mean_pct) as chain_service_score_mean_pct,
        chain_product_knowledge_visits,
        trim_scale(chain_product_knowledge_mean_pct) as chain_product_knowledge_mean_pct,
        chain_responses,
        chain_nps_n,
        chain_promoters,
        chain_detractors,
        chain_csat_n,
        chain_csat_top2,
        {{ attestation_methodology_version() }} as methodology_version
    from team
)

select * from final
