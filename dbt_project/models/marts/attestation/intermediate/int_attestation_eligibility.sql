{{ config(materialized='table', schema='intermediate') }}

-- One row per (period, customer-facing employee with at least one assigned day in it):
-- the assigned days, the primary store and role (the assignment covering the most days of the
-- period; ties: the later assignment), and whether the employee is short of the tenure minimum.

with

days_assigned as (

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

period_days as (

    select
        periods.period_type,
        periods.period_label,
        periods.period_start,
        periods.period_end,
        days_assigned.employee_code,
        days_assigned.local_date,
        days_assigned.store_code,
        days_assigned.role,
        days_assigned.assignment_valid_from
    from days_assigned
    inner join employees
        on days_assigned.employee_code = employees.employee_code
    inner join periods
        on days_assigned.local_date between periods.period_start and periods.period_end
    where employees.is_customer_facing

),

assigned as (

    select
        period_type,
        period_label,
        period_start,
        period_end,
        employee_code,
        count(distinct local_date) as assigned_days
    from period_days
    group by period_type, period_label, period_start, period_end, employee_code

),

by_assignment as (

    select
        period_type,
        period_label,
        employee_code,
        assignment_valid_from,
        store_code,
        role,
        count(distinct local_date) as assignment_days
    from period_days
    group by period_type, period_label, employee_code, assignment_valid_from, store_code, role

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
