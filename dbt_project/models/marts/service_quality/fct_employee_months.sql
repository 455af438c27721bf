with employees as (
    select * from {{ ref('dim_employees') }}
),

primary_stores as (
    select * from {{ ref('int_employee_primary_store_months') }}
),

responses as (
    select * from {{ ref('int_survey_responses') }}
),

visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

shifts as (
    select * from {{ ref('int_shifts') }}
),

sales as (
    select * from {{ ref('int_employee_sales_days') }}
),

response_months as (
    select
        employee_code,
        date_trunc('month', response_date)::date as month_start,
        count(*) as responses,
        count(nps) as nps_n,
        count(*) filter (where is_promoter) as promoters,
        count(*) filter (where is_passive) as passives,
        count(*) filter (where is_detractor) as detractors,
        count(csat) as csat_n,
        count(*) filter (where is_csat_top2) as csat_top2
    from responses
    where employee_code is not null
    group by employee_code, date_trunc('month', response_date)
),

visit_months as (
    select
        employee_code,
        date_trunc('month', visit_date)::date as month_start,
        count(*) as validated_visits,
        count(*) filter (where scenario = 'service') as service_visits,
        sum(visit_score_pct) filter (where scenario = 'service') as service_visit_score_sum,
        count(product_knowledge_pct) filter (where scenario = 'product_knowledge') as product_knowledge_visits,
        sum(product_knowledge_pct) filter (
            where scenario = 'product_knowledge'
        ) as product_knowledge_pct_sum,
        sum(visit_score_pct) as visit_score_sum,
        count(*) filter (where has_critical_failure) as critical_failure_visits
    from visits
    where
        is_counted
        and employee_code is not null
    group by employee_code, date_trunc('month', visit_date)
),

hour_months as (
    select
        employee_code,
        date_trunc('month', work_date)::date as month_start,
        sum(hours_worked) as hours_worked
    from shifts
    group by employee_code, date_trunc('month', work_date)
),

sales_months as (
    select
        employee_code,
        date_trunc('month', sale_date)::date as month_start,
        sum(revenue) as revenue,
        sum(transactions) as transactions,
        sum(units) as units
    from sales
    group by employee_code, date_trunc('month', sale_date)
),

employee_months as (
    select
        employee_code,
        month_start
    from primary_stores
    union
    select
        employee_code,
        month_start
    from response_months
    union
    select
        employee_code,
        month_start
    from visit_months
    union
    select
        employee_code,
        month_start
    from hour_months
    union
    select
        employee_code,
        month_start
    from sales_months
),

final as (
    select
        employee_months.employee_code,
        employee_months.month_start,
        to_char(employee_months.month_start, 'YYYY-MM') as month_label,
        primary_stores.primary_store_code,
        primary_stores.role,
        coalesce(primary_stores.assigned_days, 0) as assigned_days,
        coalesce(response_months.responses, 0) as responses,
        coalesce(response_months.nps_n, 0) as nps_n,
        coalesce(response_months.promoters, 0) as promoters,
        coalesce(response_months.passives, 0) as passives,
        coalesce(response_months.detractors, 0) as detractors,
        coalesce(response_months.csat_n, 0) as csat_n,
        coalesce(response_months.csat_top2, 0) as csat_top2,
        {{ nps(
            'coalesce(response_months.promoters, 0)',
            'coalesce(response_months.detractors, 0)',
            'coalesce(response_months.nps_n, 0)',
        ) }} as nps,
        {{ pct('coalesce(response_months.csat_top2, 0)', 'coalesce(response_months.csat_n, 0)') }} as csat_pct,
        coalesce(visit_months.validated_visits, 0) as validated_visits,
        coalesce(visit_months.visit_score_sum, 0) as visit_score_sum,
        case
            when visit_months.validated_visits > 0
                then visit_months.visit_score_sum / visit_months.validated_visits
        end as mean_visit_score_pct,
        coalesce(visit_months.service_visits, 0) as service_visits,
        coalesce(visit_months.service_visit_score_sum, 0) as service_visit_score_sum,
        coalesce(visit_months.product_knowledge_visits, 0) as product_knowledge_visits,
        coalesce(visit_months.product_knowledge_pct_sum, 0) as product_knowledge_pct_sum,
        coalesce(visit_months.critical_failure_visits, 0) as critical_failure_visits,
        coalesce(hour_months.hours_worked, 0) as hours_worked,
        coalesce(sales_months.revenue, 0) as revenue,
        coalesce(sales_months.transactions, 0) as transactions,
        coalesce(sales_months.units, 0) as units,
        case
            when hour_months.hours_worked > 0
                then coalesce(sales_months.revenue, 0) / hour_months.hours_worked
        end as sales_per_hour
    from employee_months
    inner join employees
        on employee_months.employee_code = employees.employee_code
    left join primary_stores
        on
            employee_months.employee_code = primary_stores.employee_code
            and employee_months.month_start = primary_stores.month_start
    left join response_months
        on
            employee_months.employee_code = response_months.employee_code
            and employee_months.month_start = response_months.month_start
    left join visit_months
        on
            employee_months.employee_code = visit_months.employee_code
            and employee_months.month_start = visit_months.month_start
    left join hour_months
        on
            employee_months.employee_code = hour_months.employee_code
            and employee_months.month_start = hour_months.month_start
    left join sales_months
        on
            employee_months.employee_code = sales_months.employee_code
            and employee_months.month_start = sales_months.month_start
)

select * from final
