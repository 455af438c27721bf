{#
    Service quality per region and month: the stores' monthly counts summed, ratios from the sums.
#}
with store_months as (
    select * from {{ ref('fct_store_months') }}
),

regional as (
    select
        region,
        month_start,
        count(distinct store_code) as stores,
        {{ sum_service_quality_counts() }}
    from store_months
    group by region, month_start
),

final as (
    select
        region,
        month_start,
        to_char(month_start, 'YYYY-MM') as month_label,
        stores,
        responses,
        nps_n,
        promoters,
        passives,
        detractors,
        csat_n,
        csat_top2,
        ces_n,
        ces_sum,
        validated_visits,
        visit_score_sum,
        critical_failure_visits,
        transactions,
        revenue,
        units,
        visitors,
        {{ service_quality_ratios() }}
    from regional
)

select * from final
