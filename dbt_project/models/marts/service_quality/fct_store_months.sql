with store_days as (
    select * from {{ ref('int_store_day_counts') }}
),

stores as (
    select * from {{ ref('dim_stores') }}
),

monthly as (
    select
        store_code,
        date_trunc('month', business_date)::date as month_start,
        {{ sum_service_quality_counts() }}
    from store_days
    group by store_code, date_trunc('month', business_date)
),

final as (
    select
        monthly.store_code,
        monthly.month_start,
        to_char(monthly.month_start, 'YYYY-MM') as month_label,
        stores.region,
        stores.format,
        monthly.responses,
        monthly.nps_n,
        monthly.promoters,
        monthly.passives,
        monthly.detractors,
        monthly.csat_n,
        monthly.csat_top2,
        monthly.ces_n,
        monthly.ces_sum,
        monthly.validated_visits,
        monthly.visit_score_sum,
        monthly.critical_failure_visits,
        monthly.transactions,
        monthly.revenue,
        monthly.units,
        monthly.visitors,
        {{ service_quality_ratios() }}
    from monthly
    inner join stores
        on monthly.store_code = stores.store_code
)

select * from final
