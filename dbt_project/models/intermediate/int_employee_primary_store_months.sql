with assigned_days as (
    select * from {{ ref('int_employee_days_assigned') }}
),

assignment_days as (
    select
        employee_code,
        date_trunc('month', local_date)::date as month_start,
        assignment_valid_from,
        store_code,
        role,
        count(*) as assigned_days
    from assigned_days
    group by employee_code, date_trunc('month', local_date), assignment_valid_from, store_code, role
),

month_totals as (
    select
        employee_code,
        month_start,
        sum(assigned_days) as assigned_days
    from assignment_days
    group by employee_code, month_start
),

primary_assignment as (
    select distinct on (employee_code, month_start)
        employee_code,
        month_start,
        store_code as primary_store_code,
        role
    from assignment_days
    order by employee_code asc, month_start asc, assigned_days desc, assignment_valid_from desc
),

final as (
    select
        primary_assignment.employee_code,
        primary_assignment.month_start,
        primary_assignment.primary_store_code,
        primary_assignment.role,
        month_totals.assigned_days
    from primary_assignment
    inner join month_totals
        on
            primary_assignment.employee_code = month_totals.employee_code
            and primary_assignment.month_start = month_totals.month_start
)

select * from final
