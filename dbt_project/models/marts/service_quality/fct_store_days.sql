with store_days as (
    select * from {{ ref('int_store_day_counts') }}
),

stores as (
    select * from {{ ref('dim_stores') }}
),

final as (
    select
        store_days.store_code,
        store_days.business_date,
        date_trunc('month', store_days.business_date)::date as month_start,
        stores.region,
        stores.format,
        store_days.responses,
        store_days.nps_n,
        store_days.promoters,
        store_days.passives,
        store_days.detractors,
        store_days.csat_n,
        store_days.csat_top2,
        store_days.ces_n,
        store_days.ces_sum,
        store_days.validated_visits,
        store_days.visit_score_sum,
        store_days.critical_failure_visits,
        store_days.transactions,
        store_days.revenue,
        store_days.units,
        store_days.visitors,
        {{ service_quality_ratios() }}
    from store_days
    inner join stores
        on store_days.store_code = stores.store_code
)

select * from final
