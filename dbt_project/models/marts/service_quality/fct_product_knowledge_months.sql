with visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

stores as (
    select * from {{ ref('dim_stores') }}
),

aggregated as (
    select
        brand,
        store_code,
        date_trunc('month', visit_date)::date as month_start,
        count(*) as visits,
        sum(product_knowledge_pct) as product_knowledge_pct_sum,
        count(*) filter (where has_critical_failure) as critical_failure_visits
    from visits
    where
        is_counted
        and scenario = 'product_knowledge'
        and product_knowledge_pct is not null
    group by brand, store_code, date_trunc('month', visit_date)
),

final as (
    select
        aggregated.brand,
        aggregated.store_code,
        aggregated.month_start,
        to_char(aggregated.month_start, 'YYYY-MM') as month_label,
        stores.region,
        aggregated.visits,
        aggregated.product_knowledge_pct_sum,
        aggregated.product_knowledge_pct_sum / aggregated.visits as product_knowledge_pct,
        aggregated.critical_failure_visits
    from aggregated
    inner join stores
        on aggregated.store_code = stores.store_code
)

select * from final
