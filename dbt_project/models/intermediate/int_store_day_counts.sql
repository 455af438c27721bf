{{ config(indexes=[{'columns': ['store_code', 'business_date'], 'unique': True}]) }}

with stores as (
    select * from {{ ref('stg_stores') }}
),

bounds as (
    select * from {{ ref('int_calendar_bounds') }}
),

responses as (
    select * from {{ ref('int_survey_responses') }}
),

visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

sales_days as (
    select * from {{ ref('int_store_sales_days') }}
),

traffic_days as (
    select * from {{ ref('int_store_traffic_days') }}
),

survey_days as (
    select
        store_code,
        response_date as business_date,
        count(*) as responses,
        count(nps) as nps_n,
        count(*) filter (where is_promoter) as promoters,
        count(*) filter (where is_passive) as passives,
        count(*) filter (where is_detractor) as detractors,
        count(csat) as csat_n,
        count(*) filter (where is_csat_top2) as csat_top2,
        count(ces) as ces_n,
        coalesce(sum(ces), 0) as ces_sum
    from responses
    group by store_code, response_date
),

visit_days as (
    select
        store_code,
        visit_date as business_date,
        count(*) as validated_visits,
        sum(visit_score_pct) as visit_score_sum,
        count(*) filter (where has_critical_failure) as critical_failure_visits
    from visits
    where is_counted
    group by store_code, visit_date
),

open_days as (
    select
        stores.store_code,
        day_series.business_day::date as business_date
    from stores
    cross join bounds
    cross join lateral generate_series(
        greatest(stores.opened_on, bounds.first_date)::timestamp,
        least(coalesce(stores.closed_on, bounds.last_date), bounds.last_date)::timestamp,
        interval '1 day'
    ) as day_series (business_day)
),

store_days as (
    select
        store_code,
        business_date
    from open_days
    union
    select
        store_code,
        business_date
    from survey_days
    union
    select
        store_code,
        business_date
    from visit_days
    union
    select
        store_code,
        sale_date
    from sales_days
    union
    select
        store_code,
        traffic_date
    from traffic_days
),

final as (
    select
        store_days.store_code,
        store_days.business_date,
        coalesce(survey_days.responses, 0) as responses,
        coalesce(survey_days.nps_n, 0) as nps_n,
        coalesce(survey_days.promoters, 0) as promoters,
        coalesce(survey_days.passives, 0) as passives,
        coalesce(survey_days.detractors, 0) as detractors,
        coalesce(survey_days.csat_n, 0) as csat_n,
        coalesce(survey_days.csat_top2, 0) as csat_top2,
        coalesce(survey_days.ces_n, 0) as ces_n,
        coalesce(survey_days.ces_sum, 0) as ces_sum,
        coalesce(visit_days.validated_visits, 0) as validated_visits,
        coalesce(visit_days.visit_score_sum, 0) as visit_score_sum,
        coalesce(visit_days.critical_failure_visits, 0) as critical_failure_visits,
        coalesce(sales_days.transactions, 0) as transactions,
        coalesce(sales_days.revenue, 0) as revenue,
        coalesce(sales_days.units, 0) as units,
        coalesce(traffic_days.visitors, 0) as visitors,
        traffic_days.store_code is not null as has_traffic
    from store_days
    left join survey_days
        on
            store_days.store_code = survey_days.store_code
            and store_days.business_date = survey_days.business_date
    left join visit_days
        on
            store_days.store_code = visit_days.store_code
            and store_days.business_date = visit_days.business_date
    left join sales_days
        on
            store_days.store_code = sales_days.store_code
            and store_days.business_date = sales_days.sale_date
    left join traffic_days
        on
            store_days.store_code = traffic_days.store_code
            and store_days.business_date = traffic_days.traffic_date
)

select * from final
