with days_assigned as (
    select * from {{ ref('int_employee_days_assigned') }}
),

employees as (
    select * from {{ ref('dim_employees') }}
),

stores as (
    select * from {{ ref('dim_stores') }}
),

periods as (
    select * from {{ ref('int_attestation_periods') }}
),

parameters as (
    select * from {{ ref('int_attestation_parameters') }}
),

-- Each assigned day belongs to one quarter and one year: labelled from the date (an equi-join on the
-- label, not a range join, keeps this fast with millions of assigned days).
labelled_days as (
    select
        'quarter'::text as period_type,
        to_char(days_assigned.local_date, 'YYYY"-Q"Q') as period_label,
        days_assigned.employee_code,
        days_assigned.store_code,
        days_assigned.role,
        days_assigned.assignment_valid_from
    from days_assigned
    inner join employees
        on days_assigned.employee_code = employees.employee_code
    where employees.is_customer_facing

    union all

    select
        'year'::text as period_type,
        to_char(days_assigned.local_date, 'YYYY') as period_label,
        days_assigned.employee_code,
        days_assigned.store_code,
        days_assigned.role,
        days_assigned.assignment_valid_from
    from days_assigned
    inner join employees
        on days_assigned.employee_code = employees.employee_code
    where employees.is_customer_facing
),

-- int_employee_days_assigned has one row per (employee, local date): counting rows counts days.
by_assignment as (
    select
        period_type,
        period_label,
        employee_code,
        assignment_valid_from,
        store_code,
        role,
        count(*) as assignment_days
    from labelled_days
    group by period_type, period_label, employee_code, assignment_valid_from, store_code, role
),

assigned as (
    select
        by_assignment.period_type,
        by_assignment.period_label,
        periods.period_start,
        periods.period_end,
        by_assignment.employee_code,
        sum(by_assignment.assignment_days)::bigint as assigned_days
    from by_assignment
    inner join periods
        on
            by_assignment.period_type = periods.period_type
            and by_assignment.period_label = periods.period_label
    group by
        by_assignment.period_type,
        by_assignment.period_label,
        periods.period_start,
        periods.period_end,
        by_assignment.employee_code
),

ranked_assignments as (
    select
        *,
        row_number() over (
            partition by period_type, period_label, employee_code
            order by assignment_days desc, assignment_valid_from desc, store_code asc
        ) as assignment_rank
    from by_assignment
),

primary_assignment as (
    select *
    from ranked_assignments
    where assignment_rank = 1
),

final as (
    select
        assigned.period_type,
        assigned.period_label,
        assigned.period_start,
        assigned.period_end,
        assigned.employee_code,
        employees.full_name,
        assigned.assigned_days,
        primary_assignment.store_code as primary_store_code,
        primary_assignment.role,
        primary_assignment.assignment_valid_from as primary_assignment_valid_from,
        primary_assignment.assignment_days as primary_store_days,
        stores.format as store_format,
        stores.region,
        parameters.min_assigned_days,
        assigned.assigned_days < parameters.min_assigned_days as is_short_tenure,
        {{ attestation_methodology_version() }} as methodology_version
    from assigned
    inner join primary_assignment
        on
            assigned.period_type = primary_assignment.period_type
            and assigned.period_label = primary_assignment.period_label
            and assigned.employee_code = primary_assignment.employee_code
    inner join employees
        on assigned.employee_code = employees.employee_code
    left join stores
        on primary_assignment.store_code = stores.store_code
    left join parameters
        on assigned.period_type = parameters.period_type
)

select * from final
