{#-
    The whole model of a monthly roll-up of fct_store_months to a coarser grain (fct_region_months,
    fct_chain_months): one row per `group_columns` (none for the whole chain) and month, the stores'
    monthly counts summed and the ratios computed from the sums (summing ratios would be wrong).
-#}
{% macro month_rollup(group_columns=[]) -%}

with store_months as (
    select * from {{ ref('fct_store_months') }}
),

rolled_up as (
    select
        {%- for column in group_columns %}
        {{ column }},
        {%- endfor %}
        month_start,
        count(distinct store_code) as stores,
        {{ sum_service_quality_counts() }}
    from store_months
    group by {% for column in group_columns %}{{ column }}, {% endfor %}month_start
),

final as (
    select
        {%- for column in group_columns %}
        {{ column }},
        {%- endfor %}
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
    from rolled_up
)

select * from final

{%- endmacro %}
