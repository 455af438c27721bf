with attestable as (
    {{ attestation_attestable() }}
),

shifts as (
    select * from {{ ref('int_shifts') }}
),

sales_days as (
    select * from {{ ref('int_employee_sales_days') }}
),

parameters as (
    select * from {{ ref('int_attestation_parameters') }}
),

-- Hours and revenue per employee and calendar quarter or year (each shift and seller-day counted once
-- per period type), matched with the periods on their first day: a range join on the period's dates
-- would compare every shift of an employee with every period.
period_types as (
    select period_type
    from (values ('quarter'::text), ('year'::text)) as period_types (period_type)
),

hours as (
    select
        period_types.period_type,
        date_trunc(period_types.period_type, shifts.work_date::timestamp)::date as period_start,
        shifts.employee_code,
        sum(shifts.hours_worked::numeric) as hours_worked
    from shifts
    cross join period_types
    group by
        period_types.period_type,
        date_trunc(period_types.period_type, shifts.work_date::timestamp),
        shifts.employee_code
),

revenue as (
    select
        period_types.period_type,
        date_trunc(period_types.period_type, sales_days.sale_date::timestamp)::date as period_start,
        sales_days.employee_code,
        sum(sales_days.revenue::numeric) as revenue
    from sales_days
    cross join period_types
    group by
        period_types.period_type,
        date_trunc(period_types.period_type, sales_days.sale_date::timestamp),
        sales_days.employee_code
),

observed as (
    select
        attestable.period_type,
        attestable.period_label,
        attestable.employee_code,
        attestable.role,
        attestable.store_format,
        parameters.sales_productivity_min_hours as min_observations,
        coalesce(hours.hours_worked, 0) as hours_worked,
        coalesce(revenue.revenue, 0) as revenue,
        coalesce(revenue.revenue, 0) / nullif(hours.hours_worked, 0) as sales_per_hour,
        coalesce(hours.hours_worked, 0) >= parameters.sales_productivity_min_hours
        and hours.hours_worked > 0 as meets_minimum
    from attestable
    left join hours
        on
            attestable.period_type = hours.period_type
            and attestable.period_start = hours.period_start
            and attestable.employee_code = hours.employee_code
    left join revenue
        on
            attestable.period_type = revenue.period_type
            and attestable.period_start = revenue.period_start
            and attestable.employee_code = revenue.employee_code
    left join parameters
        on attestable.period_type = parameters.period_type
),

peers as (
    select
        period_type,
        period_label,
        employee_code,
        count(*) over peer_group as peer_count,
        (rank() over (peer_group order by sales_per_hour asc) - 1) as peers_lower,
        count(*) over (
            partition by period_type, period_label, role, store_format, sales_per_hour
        ) as peers_equal
    from observed
    where meets_minimum
    window peer_group as (partition by period_type, period_label, role, store_format)
),

final as (
    select
        observed.period_type,
        observed.period_label,
        observed.employee_code,
        'sales_productivity'::text as component,
        trim_scale(observed.hours_worked) as n_observations,
        observed.min_observations,
        observed.meets_minimum,
        trim_scale(observed.sales_per_hour) as raw_value,
        null::numeric as prior_value,
        null::text as prior_source,
        null::numeric as prior_strength,
        null::numeric as shrunk_value,
        trim_scale(100.0 * (peers.peers_lower + 0.5 * peers.peers_equal) / peers.peer_count) as points,
        jsonb_build_object(
            'revenue', {{ attestation_detail('observed.revenue') }},
            'sales_per_hour', {{ attestation_detail('observed.sales_per_hour') }},
            'peer_count', peers.peer_count,
            'peers_lower', peers.peers_lower,
            'peers_equal', peers.peers_equal
        ) as details,
        'hours'::text as observation_unit,
        trim_scale(observed.revenue) as revenue,
        trim_scale(observed.sales_per_hour) as sales_per_hour,
        peers.peer_count,
        peers.peers_lower,
        peers.peers_equal
    from observed
    left join peers
        on
            observed.period_type = peers.period_type
            and observed.period_label = peers.period_label
            and observed.employee_code = peers.employee_code
)

select * from final
